//! The engine as a library: user rule directories, errors in rule files, the ranking rules that
//! keep noise out of the blame, and the bounds of a report.

mod rules_support;

use docker_diagnose::report::{Confidence, Kind, Outcome};
use docker_diagnose::rules::{diagnose, RuleSet};
use docker_diagnose::trace::{End, Event, EventKind, ExitFacts, Header, Trace};
use rules_support::{observe, Facts};

fn syscall(seq: u64, pid: i32, name: &str, path: &str, errno: Option<&str>) -> Event {
    let result = match errno {
        Some(e) => format!("-1 {e}"),
        None => "3".into(),
    };
    Event {
        seq,
        pid,
        kind: EventKind::Syscall,
        syscall: Some(docker_diagnose::trace::names::name(name)),
        call: format!("{name}(AT_FDCWD, \"{path}\", O_RDONLY) = {result}"),
        path: Some(path.into()),
        ret: Some(if errno.is_some() { -1 } else { 3 }),
        errno: errno.map(docker_diagnose::trace::names::name),
        flags: Some("O_RDONLY".into()),
        ..Event::default()
    }
}

fn stderr_write(seq: u64, pid: i32, text: &str) -> Event {
    Event {
        seq,
        pid,
        syscall: Some("write".into()),
        call: format!("write(2, {text:?}, {}) = {}", text.len(), text.len()),
        fd: Some(2),
        data: Some(text.into()),
        ret: Some(text.len() as i64),
        ..Event::default()
    }
}

fn trace(events: Vec<Event>, code: i32, stderr: &[&str]) -> Trace {
    Trace {
        header: Some(Header {
            argv: vec!["/app/server".into()],
            main_pid: 1,
            ..Header::default()
        }),
        omitted: 0,
        end: Some(End {
            exit: ExitFacts {
                code: Some(code),
                signal: None,
                oom_killed: false,
            },
            events: events.len() as u64,
            processes: 1,
            stderr_tail: stderr.iter().map(|s| s.to_string()).collect(),
            ..End::default()
        }),
        events,
    }
}

fn write_rule_file(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const USER_RULE: &str = r#"
[[rule]]
id = "site.license-missing"
kind = "missing-file"
confidence = "high"
priority = 500
summary = "The license file {path} is missing."
explanation = "Our server refuses to start without its license."
fix = "Mount the license: -v ./license.key:/etc/acme/license.key:ro"
[rule.run]
failed = true
[rule.call]
syscall = "@open"
errno = "ENOENT"
path = "/etc/acme/*.key"
"#;

#[test]
fn a_users_rules_are_added_after_the_builtin_ones() {
    let dir = tempfile::tempdir().unwrap();
    write_rule_file(dir.path(), "site.toml", USER_RULE);
    let rules = RuleSet::builtin().unwrap().with_dir(dir.path()).unwrap();
    let one_file = RuleSet::builtin()
        .unwrap()
        .with_dir(&dir.path().join("site.toml"))
        .unwrap();
    assert_eq!(one_file.rules().len(), rules.rules().len());
    let events = vec![
        syscall(0, 1, "openat", "/etc/acme/license.key", Some("ENOENT")),
        stderr_write(1, 1, "starting\n"),
    ];
    let report = diagnose(
        &observe(trace(events, 1, &["starting"]), &Facts::default()),
        &rules,
    );
    assert_eq!(report.findings[0].rule, "site.license-missing");
    assert_eq!(
        report.findings[0].summary,
        "The license file /etc/acme/license.key is missing."
    );
    // Without the user's directory the built-in missing-file rule explains it less specifically.
    let report = diagnose(
        &observe(
            trace(
                vec![syscall(
                    0,
                    1,
                    "openat",
                    "/etc/acme/license.key",
                    Some("ENOENT"),
                )],
                1,
                &[],
            ),
            &Facts::default(),
        ),
        &RuleSet::builtin().unwrap(),
    );
    assert_eq!(report.findings[0].rule, "file.missing");
}

#[test]
fn a_user_rule_with_a_builtin_id_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let replaced = USER_RULE.replace("site.license-missing", "outcome.exited-cleanly");
    write_rule_file(dir.path(), "override.toml", &replaced);
    let rules = RuleSet::builtin().unwrap().with_dir(dir.path()).unwrap();
    let count = rules
        .rules()
        .iter()
        .filter(|r| r.id == "outcome.exited-cleanly")
        .count();
    assert_eq!(count, 1);
    let rule = rules
        .rules()
        .iter()
        .find(|r| r.id == "outcome.exited-cleanly")
        .unwrap();
    assert_eq!(rule.kind, Kind::MissingFile);
}

#[test]
fn a_broken_user_rule_file_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let broken = USER_RULE.replace("errno = \"ENOENT\"", "errno = \"ENOPE\"");
    write_rule_file(dir.path(), "broken.toml", &broken);
    let err = RuleSet::builtin()
        .unwrap()
        .with_dir(dir.path())
        .unwrap_err();
    let text = format!("{err:#}");
    let line = broken.lines().position(|l| l.contains("ENOPE")).unwrap() + 1;
    assert!(text.contains(&format!("broken.toml:{line}")), "{text}");
    assert!(text.contains("ENOPE"), "{text}");
    assert_eq!(text.lines().count(), 1, "one clear line: {text}");

    let err = RuleSet::builtin()
        .unwrap()
        .with_dir(&dir.path().join("nope"))
        .unwrap_err();
    assert!(format!("{err:#}").contains("nope"));
}

#[test]
fn a_rule_file_cannot_smuggle_in_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let sneaky = USER_RULE.replace("[rule.run]", "command = \"rm -rf /\"\n[rule.run]");
    write_rule_file(dir.path(), "sneaky.toml", &sneaky);
    let err = format!(
        "{:#}",
        RuleSet::builtin()
            .unwrap()
            .with_dir(dir.path())
            .unwrap_err()
    );
    assert!(
        err.contains("sneaky.toml:") && err.contains("command"),
        "{err}"
    );
}

#[test]
fn a_later_success_on_the_same_file_cancels_the_failure() {
    let rules = RuleSet::builtin().unwrap();
    let events = vec![
        syscall(0, 1, "openat", "/etc/app/config.yml", Some("ENOENT")),
        syscall(1, 1, "openat", "/etc/app/config.yml", None),
        syscall(2, 1, "openat", "/srv/data.db", Some("ENOENT")),
    ];
    let report = diagnose(&observe(trace(events, 1, &[]), &Facts::default()), &rules);
    assert_eq!(report.findings[0].kind, Kind::MissingFile);
    assert!(report.findings[0].summary.contains("/srv/data.db"));
    assert!(report.findings.iter().all(|f| f
        .evidence
        .iter()
        .all(|e| e.path.as_deref() != Some("/etc/app/config.yml"))));
}

#[test]
fn a_big_trace_is_ranked_as_a_small_one() {
    // Tens of thousands of events take the annotation's two-thread path: the loader's probes
    // and the recovered failures that come after the real one must stay out of the blame there
    // too (either would be the process's last failure otherwise).
    let rules = RuleSet::builtin().unwrap();
    let mut events = vec![syscall(0, 1, "openat", "/srv/data.db", Some("ENOENT"))];
    for round in 0..10_000u64 {
        let seq = 1 + round * 3;
        let probe = "/lib/x86_64-linux-gnu/tls/libssl.so.3";
        events.push(syscall(seq, 1, "openat", probe, Some("ENOENT")));
        let config = format!("/etc/app/conf.d/{round}.yml");
        events.push(syscall(seq + 1, 1, "openat", &config, Some("ENOENT")));
        events.push(syscall(seq + 2, 1, "openat", &config, None));
    }
    let report = diagnose(&observe(trace(events, 1, &[]), &Facts::default()), &rules);
    assert_eq!(report.findings[0].kind, Kind::MissingFile);
    assert!(
        report.findings[0].summary.contains("/srv/data.db"),
        "{:#?}",
        report.findings[0]
    );
}

#[test]
fn the_failure_the_program_complains_about_wins() {
    let rules = RuleSet::builtin().unwrap();
    // Two unrecovered failures: the one stderr names is the cause.
    let events = vec![
        syscall(0, 1, "openat", "/srv/cache/index.bin", Some("ENOENT")),
        syscall(1, 1, "openat", "/etc/app/config.yml", Some("ENOENT")),
        syscall(2, 1, "openat", "/srv/plugins.list", Some("ENOENT")),
        stderr_write(3, 1, "fatal: cannot read /etc/app/config.yml\n"),
    ];
    let obs = observe(
        trace(events, 1, &["fatal: cannot read /etc/app/config.yml"]),
        &Facts::default(),
    );
    let report = diagnose(&obs, &rules);
    assert!(
        report.findings[0].summary.contains("/etc/app/config.yml"),
        "{:#?}",
        report.findings
    );
}

#[test]
fn a_failure_in_a_side_process_ranks_below_the_main_chain() {
    let rules = RuleSet::builtin().unwrap();
    let events = vec![
        syscall(0, 7, "openat", "/etc/side.conf", Some("EACCES")),
        Event {
            seq: 1,
            pid: 7,
            kind: EventKind::Exit,
            code: Some(0),
            call: "+++ exited with 0 +++".into(),
            ..Event::default()
        },
        syscall(2, 1, "openat", "/etc/app/key.pem", Some("EACCES")),
    ];
    let report = diagnose(&observe(trace(events, 1, &[]), &Facts::default()), &rules);
    let top = &report.findings[0];
    assert_eq!(top.kind, Kind::PermissionDenied);
    assert!(top.summary.contains("/etc/app/key.pem"), "{}", top.summary);
    assert_eq!(top.evidence[0].pid, Some(1));
}

#[test]
fn a_run_with_nothing_to_go_on_still_has_a_finding() {
    let rules = RuleSet::builtin().unwrap();
    let obs = observe(
        Trace::default(),
        &Facts {
            outcome: Some(Outcome::NotStarted),
            ..Facts::default()
        },
    );
    let report = diagnose(&obs, &rules);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].kind, Kind::Unknown);
    assert_eq!(report.findings[0].confidence, Confidence::Low);
}

#[test]
fn the_trace_summary_is_bounded_and_keeps_the_end() {
    let rules = RuleSet::builtin().unwrap();
    let mut events: Vec<Event> = (0..1000)
        .map(|i| {
            syscall(
                i,
                1,
                "openat",
                &format!("/data/shard-{i}.db"),
                Some("ENOENT"),
            )
        })
        .collect();
    events.push(stderr_write(1000, 1, "fatal: no shard\n"));
    let report = diagnose(
        &observe(trace(events, 1, &["fatal: no shard"]), &Facts::default()),
        &rules,
    );
    let calls = &report.trace.calls;
    assert!(calls.len() <= 200, "{} calls", calls.len());
    assert!(calls.iter().any(|c| c.contains("calls omitted")));
    assert!(calls.last().unwrap().contains("fatal: no shard"));
    assert!(calls[0].contains("/data/shard-0.db"));
}

#[test]
fn secret_values_never_reach_the_report() {
    let rules = RuleSet::builtin().unwrap();
    let secret = "hunter2-s3cr3t";
    let events = vec![stderr_write(
        0,
        1,
        &format!("error: login with {secret} refused\n"),
    )];
    let line = format!("error: login with {secret} refused");
    let mut obs = observe(trace(events, 1, &[line.as_str()]), &Facts::default());
    obs.secrets = vec![secret.to_string()];
    let report = diagnose(&obs, &rules);
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(secret), "{json}");
    assert_eq!(report.findings[0].kind, Kind::AppError);
}

#[test]
fn an_exit_status_of_128_plus_n_reads_as_signal_n() {
    let rules = RuleSet::builtin().unwrap();
    let facts = Facts {
        memory_limit: Some(64 << 20),
        ..Facts::default()
    };
    let report = diagnose(&observe(trace(Vec::new(), 137, &[]), &facts), &rules);
    assert_eq!(
        report.findings[0].kind,
        Kind::OomKilled,
        "{:#?}",
        report.findings
    );
    let report = diagnose(
        &observe(trace(Vec::new(), 139, &[]), &Facts::default()),
        &rules,
    );
    assert_eq!(report.findings[0].kind, Kind::Crashed);
    assert!(report.findings[0].summary.contains("SIGSEGV"));
    // A plain failure status is no signal.
    let report = diagnose(
        &observe(trace(Vec::new(), 3, &[]), &Facts::default()),
        &rules,
    );
    assert_ne!(report.findings[0].kind, Kind::Crashed);
}

const ORDERED_RULE: &str = r#"
[[rule]]
id = "site.token-unreadable"
kind = "missing-file"
priority = 900
summary = "{path} is missing and the program said so before exiting {code}."
explanation = "e"
fix = "f"
[rule.call]
syscall = "@open"
errno = "ENOENT"
path = "/run/secrets/*"
[[rule.then]]
syscall = "write"
fd = 2
data = "(?i)token"
[[rule.then]]
kind = ["exit"]
code = "!= 0"
"#;

fn exit_event(seq: u64, pid: i32, code: i32) -> Event {
    Event {
        seq,
        pid,
        kind: EventKind::Exit,
        code: Some(code),
        call: format!("+++ exited with {code} +++"),
        ..Event::default()
    }
}

#[test]
fn then_conditions_must_follow_in_order_in_the_same_process() {
    let dir = tempfile::tempdir().unwrap();
    write_rule_file(dir.path(), "ordered.toml", ORDERED_RULE);
    let rules = RuleSet::builtin().unwrap().with_dir(dir.path()).unwrap();
    let run = |events: Vec<Event>| {
        let report = diagnose(&observe(trace(events, 1, &[]), &Facts::default()), &rules);
        report
            .findings
            .iter()
            .find(|f| f.rule == "site.token-unreadable")
            .map(|f| f.summary.clone())
    };
    let open = || syscall(0, 1, "openat", "/run/secrets/token", Some("ENOENT"));
    // open, then the complaint, then a failing exit: matches, with the exit's code.
    let hit = run(vec![
        open(),
        stderr_write(1, 1, "no token\n"),
        exit_event(2, 1, 3),
    ]);
    assert_eq!(
        hit.as_deref(),
        Some("/run/secrets/token is missing and the program said so before exiting 3.")
    );
    // The complaint after the exit is out of order.
    assert_eq!(
        run(vec![
            open(),
            exit_event(1, 1, 3),
            stderr_write(2, 1, "no token\n")
        ]),
        None
    );
    // The complaint from another process does not count.
    assert_eq!(
        run(vec![
            open(),
            stderr_write(1, 2, "no token\n"),
            exit_event(2, 1, 3)
        ]),
        None
    );
    // A clean exit does not satisfy `code = "!= 0"`.
    assert_eq!(
        run(vec![
            open(),
            stderr_write(1, 1, "no token\n"),
            exit_event(2, 1, 0)
        ]),
        None
    );
}

/// A refused `mkdir` by a process of uid 33 under `/var/lib/nginx` (root's, 0755).
fn refused_mkdir() -> Trace {
    let mut e = syscall(0, 1, "mkdir", "/var/lib/nginx/body", Some("EACCES"));
    e.call = "mkdir(\"/var/lib/nginx/body\", 0700) = -1 EACCES (Permission denied)".into();
    e.flags = None;
    e.evidence = Some(Box::new(docker_diagnose::trace::Evidence {
        path: "/var/lib/nginx/body".into(),
        process_uid: Some(33),
        nearest_parent: Some(docker_diagnose::trace::ParentFacts {
            path: "/var/lib/nginx".into(),
            mode: 0o40755,
            uid: 0,
            gid: 0,
        }),
        ..Default::default()
    }));
    trace(
        vec![e],
        1,
        &["mkdir() \"/var/lib/nginx/body\" failed (13: Permission denied)"],
    )
}

#[test]
fn a_permission_fix_names_the_user_to_give_the_directory() {
    let rules = RuleSet::builtin().unwrap();
    let fix_for = |user: Option<&str>| {
        let mut obs = observe(refused_mkdir(), &Facts::default());
        obs.target.user = user.map(String::from);
        let report = diagnose(&obs, &rules);
        assert_eq!(report.findings[0].kind, Kind::PermissionDenied);
        report.findings[0].fix.clone()
    };
    // The container's user as the user gave it; else the process's uid; never root.
    assert!(fix_for(Some("www-data")).contains("chown www-data /var/lib/nginx"));
    assert!(fix_for(None).contains("chown 33 /var/lib/nginx"));
    assert!(fix_for(Some("root")).contains("chown 33 /var/lib/nginx"));
    assert!(fix_for(Some("0:0")).contains("chown 33 /var/lib/nginx"));
}

#[test]
fn a_variable_the_program_warns_about_is_not_why_it_stopped() {
    let rules = RuleSet::builtin().unwrap();
    let stderr = [
        "WARNING: JWT_SECRET is not set, using a random key",
        "Error: invalid port \"abc\"",
    ];
    let report = diagnose(
        &observe(trace(vec![], 1, &stderr), &Facts::default()),
        &rules,
    );
    assert_eq!(report.findings[0].rule, "app.error-message");
    assert!(report.findings.iter().all(|f| f.rule != "app.env-missing"));
    // Without the warning's words, the same line is the cause.
    let stderr = ["Error: JWT_SECRET is not set"];
    let report = diagnose(
        &observe(trace(vec![], 1, &stderr), &Facts::default()),
        &rules,
    );
    assert_eq!(report.findings[0].rule, "app.env-missing");
}

#[test]
fn a_status_a_shell_passed_on_from_a_signal_is_not_blamed_on_seccomp() {
    let rules = RuleSet::builtin().unwrap();
    let started = Event {
        pid: 1,
        syscall: Some("execve".into()),
        call: "execve(\"/app/server\", [\"/app/server\"], 0x7ffd /* 5 vars */) = 0".into(),
        ret: Some(0),
        ..Event::default()
    };
    let hint = |code: i32| {
        let report = diagnose(
            &observe(trace(vec![started.clone()], code, &[]), &Facts::default()),
            &rules,
        );
        report.findings.iter().any(|f| f.rule == "cap.seccomp-hint")
    };
    assert!(hint(3), "a silent exit 3 may be a call seccomp refused");
    assert!(!hint(143), "143 is SIGTERM's status, passed on");
}

#[test]
fn a_call_whose_path_could_not_be_read_is_never_blamed() {
    let rules = RuleSet::builtin().unwrap();
    // What the runner records for a server that changed user before it failed: its memory is
    // no longer readable, so the path is a pointer.
    let unread = Event {
        pid: 1,
        syscall: Some("openat".into()),
        call: "openat(AT_FDCWD, 0x7f2e84e34b21, O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)".into(),
        ret: Some(-1),
        errno: Some("ENOENT".into()),
        ..Event::default()
    };
    let stderr = [
        "2026-11-29 17:23:16 0 [ERROR] Can't start server : Bind on unix socket: No such file or directory",
        "2026-11-29 17:23:16 0 [ERROR] Aborting",
    ];
    let report = diagnose(
        &observe(trace(vec![unread], 1, &stderr), &Facts::default()),
        &rules,
    );
    assert_eq!(
        report.findings[0].rule,
        "net.socket-directory-missing-stderr"
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.evidence.iter().all(|e| e.path.is_some())),
        "{:#?}",
        report.findings
    );
}

#[test]
fn a_refused_call_is_told_the_capability_it_needs() {
    // cap.other's lookup: the call's name gives the capability; a call the table lacks keeps the
    // generic words.
    let rules = RuleSet::builtin().unwrap();
    for (call, want) in [
        ("socket", "`--cap-add NET_RAW`"),
        ("setpriority", "`--cap-add SYS_NICE`"),
        (
            "personality",
            "the capability that `man 7 capabilities` names",
        ),
    ] {
        let refused = Event {
            seq: 0,
            pid: 1,
            kind: EventKind::Syscall,
            syscall: Some(call.into()),
            call: format!("{call}(...) = -1 EPERM (Operation not permitted)"),
            ret: Some(-1),
            errno: Some("EPERM".into()),
            ..Event::default()
        };
        let t = trace(vec![refused], 1, &["app: operation not permitted"]);
        let report = diagnose(&observe(t, &Facts::default()), &rules);
        let top = &report.findings[0];
        assert_eq!(top.rule, "cap.other", "{call}");
        assert!(top.fix.contains(want), "{call}: {}", top.fix);
    }
}

//! The runner's volume reached directly on the engine's host (the tests run as root next to the
//! engine) against the archive API (`DOCKER_DIAGNOSE_TRANSFER=archive`): the same report either
//! way, and a hostile container or image — the trace replaced by a symlink to a host file, by a
//! FIFO or by a huge file; a symlink planted where the runner goes — cannot make the host read
//! or write outside the volume. Each run leaves no container and no volume.

mod common;

use std::process::Command;

use common::*;

const ARCHIVE: &[(&str, &str)] = &[("DOCKER_DIAGNOSE_TRANSFER", "archive")];

/// Diagnoses busybox running `script` with `sh -c`, the given way.
fn diagnose_script(script: &str, env: &[(&str, &str)]) -> Diagnosis {
    ensure_busybox_image();
    let run = diagnose_env(&["--format", "json", BUSYBOX, "sh", "-c", script], env);
    assert_nothing_left(&run);
    run
}

/// The engine's events about the run's containers: `extract-to-dir` and `archive-path` are the
/// archive requests.
fn engine_actions(run: &Diagnosis, since: &str) -> String {
    let until = format!("{}", now_secs());
    let filter = format!("label=io.docker-diagnose.run={}", run.run_id);
    let out = Command::new("docker")
        .args([
            "events", "--since", since, "--until", &until, "--filter", &filter,
        ])
        .args(["--format", "{{.Action}}"])
        .output()
        .expect("docker events runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The report without what changes from run to run (times, container-side timestamps).
fn stable(mut report: serde_json::Value) -> serde_json::Value {
    report["duration_ms"] = serde_json::Value::Null;
    report["trace"] = serde_json::Value::Null;
    report
}

#[test]
fn direct_and_archive_transfers_give_the_same_report() {
    let script = "echo starting; cat /etc/app.conf";
    let since = format!("{}", now_secs() - 1.0);
    let direct = diagnose_script(script, &[]);
    let archive = diagnose_script(script, ARCHIVE);
    assert_eq!(direct.code, 1, "stderr: {}", direct.stderr);
    assert_eq!(archive.code, 1, "stderr: {}", archive.stderr);
    let (d, a) = (direct.report(), archive.report());
    assert_eq!(d["findings"][0]["kind"], "missing-file");
    assert_eq!(d["stdout_tail"][0], "starting");
    assert_eq!(stable(d.clone()), stable(a.clone()));
    // The trace itself: the same system calls refused.
    let failures = |r: &serde_json::Value| r["trace"].to_string().contains("/etc/app.conf");
    assert!(failures(&d) && failures(&a));
    // The direct run made no archive request; the other made both.
    let direct_actions = engine_actions(&direct, &since);
    let archive_actions = engine_actions(&archive, &since);
    assert!(direct_actions.contains("start"), "{direct_actions}");
    assert!(
        !direct_actions.contains("extract-to-dir"),
        "{direct_actions}"
    );
    assert!(!direct_actions.contains("archive-path"), "{direct_actions}");
    assert!(
        archive_actions.contains("extract-to-dir"),
        "{archive_actions}"
    );
}

#[test]
fn a_trace_replaced_by_a_symlink_to_a_host_file_is_refused_both_ways() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "host-secret-marker\n").unwrap();
    let script = format!(
        "cd /.docker-diagnose/out && rm -f events.jsonl && ln -s {} events.jsonl; exit 3",
        secret.display()
    );
    for env in [&[][..], ARCHIVE] {
        let run = diagnose_script(&script, env);
        assert_eq!(run.code, 2, "{env:?}: {}", run.stderr);
        assert!(run.stderr.contains("link"), "{env:?}: {}", run.stderr);
        assert!(!run.stdout.contains("host-secret-marker"));
        assert!(!run.stderr.contains("host-secret-marker"));
    }
}

#[test]
fn a_trace_replaced_by_a_fifo_is_refused_both_ways_without_hanging() {
    let script = "cd /.docker-diagnose/out && rm -f events.jsonl && mkfifo events.jsonl; exit 3";
    for env in [&[][..], ARCHIVE] {
        let run = diagnose_script(script, env);
        assert_eq!(run.code, 2, "{env:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("not a regular file") || run.stderr.contains("link or device"),
            "{env:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_huge_trace_is_refused_unread() {
    let script = "truncate -s 300M /.docker-diagnose/out/events.jsonl; exit 3";
    let run = diagnose_script(script, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("larger than 256 MB"), "{}", run.stderr);
}

#[test]
fn an_image_with_a_symlink_where_the_runner_goes_writes_nothing_outside() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "untouched").unwrap();
    let tag = format!("docker-diagnose-test/planted-{}:latest", std::process::id());
    busybox_image(
        &tag,
        &format!(
            "RUN mkdir /.docker-diagnose && ln -s {} /.docker-diagnose/docker-diagnose\nCMD [\"cat\", \"/etc/app.conf\"]",
            victim.display()
        ),
    );
    let run = diagnose(&["--format", "json", &tag]);
    docker(&["rmi", "-f", &tag]);
    assert_nothing_left(&run);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    // The archive upload replaced the link; the run went on as usual.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.report()["findings"][0]["kind"], "missing-file");
}

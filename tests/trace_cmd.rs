//! `docker-diagnose trace -- CMD`: a host command under the runner, a REPORT.md report, the
//! `--events` file, exit statuses 0/1/2, and nothing left behind.

mod common;

use std::process::Command;

use common::{bin, scratch};
use docker_diagnose::trace::{read_records, End};

/// Runs `trace` with TMPDIR pointed at a fresh directory, to see what it leaves there.
fn trace(args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let tmp = scratch();
    let out = Command::new(bin())
        .arg("trace")
        .args(args)
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    (out, tmp)
}

fn json(out: &std::process::Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text.find('{').expect("a JSON report");
    serde_json::from_str(&text[start..]).expect("valid JSON")
}

#[test]
fn failing_command_gives_a_v1_report_and_exit_1() {
    let (out, tmp) = trace(&["--format", "json", "--", "cat", "/nonexistent-dd/app.conf"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["schema"], "docker-diagnose.report/v1");
    assert_eq!(report["outcome"], "exited");
    assert_eq!(report["exit"]["code"], 1);
    assert_eq!(report["target"]["command"][0], "cat");
    assert!(!report["findings"].as_array().unwrap().is_empty());
    assert!(report["trace"]["events"].as_u64().unwrap() > 0);
    assert!(report["stderr_tail"][0]
        .as_str()
        .unwrap()
        .contains("/nonexistent-dd/app.conf"));
    // The temporary events file is gone.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn expect_exit0_is_met_by_a_clean_exit() {
    let (out, _tmp) = trace(&["--format", "json", "--expect", "exit0", "--", "true"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["exit"]["code"], 0);
}

/// A start script that ends in `exec PROGRAM` hands the process over: the report names the
/// program that exited, not the script's shell.
#[test]
fn the_program_named_is_the_one_exec_handed_over_to() {
    let prog = common::program("exit_with");
    let prog = prog.to_str().unwrap();
    let (out, _tmp) = trace(&[
        "--format",
        "json",
        "--",
        "sh",
        "-c",
        "exec \"$0\" code 0",
        prog,
    ]);
    let report = json(&out);
    let top = &report["findings"][0];
    assert_eq!(top["kind"], "exited-cleanly", "{top:#}");
    let summary = top["summary"].as_str().unwrap();
    assert!(summary.starts_with(&format!("`{prog}`")), "{summary}");
}

#[test]
fn a_crash_is_killed_with_its_signal() {
    let prog = common::program("exit_with");
    let (out, _tmp) = trace(&["--format", "json", "--", prog.to_str().unwrap(), "segv"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["outcome"], "killed");
    assert_eq!(report["exit"]["signal"], "SIGSEGV");
}

#[test]
fn events_file_has_one_object_per_line_with_the_fields() {
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let prog = common::program("net");
    let (out, _tmp) = trace(&[
        "--events",
        events.to_str().unwrap(),
        "--",
        prog.to_str().unwrap(),
        "connect",
        &port,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&events).unwrap();
    let mut connect = None;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one object per line");
        if v["type"] == "event" && v["kind"] == "syscall" {
            for field in [
                "pid", "syscall", "call", "path", "addr", "port", "ret", "errno",
            ] {
                assert!(v.get(field).is_some(), "{field} missing in {line}");
            }
            if v["syscall"] == "connect" {
                connect = Some(v);
            }
        }
    }
    let c = connect.expect("the connect is recorded");
    assert_eq!(c["addr"], "127.0.0.1");
    assert_eq!(c["port"].to_string(), port);
    assert_eq!(c["errno"], "ECONNREFUSED");
    assert_eq!(c["family"], "AF_INET");
    assert!(c["call"]
        .as_str()
        .unwrap()
        .ends_with("= -1 ECONNREFUSED (Connection refused)"));
    // The file reads back as a whole trace.
    let trace = read_records(text.as_bytes()).unwrap();
    assert!(trace.end.is_some());
}

#[test]
fn full_mode_sees_calls_outside_the_prefilter() {
    // rmdir is not in the prefilter: only --full records its failure.
    let missing = "/nonexistent-dd/dir";
    let dir = scratch();
    for (full, want) in [(false, false), (true, true)] {
        let events = dir.path().join(format!("ev-{full}.jsonl"));
        let mut args = vec!["--events", events.to_str().unwrap()];
        if full {
            args.push("--full");
        }
        args.extend(["--", "/bin/busybox", "rmdir", missing]);
        let (out, _tmp) = trace(&args);
        assert_eq!(out.status.code(), Some(1));
        let trace = read_records(std::fs::read(&events).unwrap().as_slice()).unwrap();
        assert_eq!(trace.header.unwrap().full, full);
        let seen = trace
            .events
            .iter()
            .any(|e| e.syscall.as_deref() == Some("rmdir") && e.errno.as_deref() == Some("ENOENT"));
        assert_eq!(seen, want, "--full={full}");
        // The record starts at the program's execve (the runner's own calls are not in it).
        assert_eq!(trace.events[0].syscall.as_deref(), Some("execve"));
    }
}

/// `unshare` stops only so that the tracer knows views changed; refused, it is recorded and
/// explained like a refused `mount`.
#[test]
fn a_refused_unshare_is_a_missing_capability() {
    if !common::root_for("dropping to nobody with setpriv") {
        return;
    }
    let dir = scratch();
    let events = dir.path().join("ev.jsonl");
    let (out, _tmp) = trace(&[
        "--format",
        "json",
        "--events",
        events.to_str().unwrap(),
        "--",
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "unshare",
        "--mount",
        "true",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = read_records(std::fs::read(&events).unwrap().as_slice()).unwrap();
    assert!(trace
        .events
        .iter()
        .any(|e| e.syscall.as_deref() == Some("unshare") && e.errno.as_deref() == Some("EPERM")));
    let report = json(&out);
    assert_eq!(report["findings"][0]["rule"], "cap.mount", "{report}");
    assert!(report["findings"][0]["summary"]
        .as_str()
        .unwrap()
        .contains("unshare"));
}

#[test]
fn bad_arguments_exit_2_with_one_line() {
    let (out, _tmp) = trace(&["--format", "nope", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let (out, _tmp) = trace(&[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn command_not_found_is_reported_not_an_error() {
    let (out, _tmp) = trace(&["--format", "json", "--", "no-such-command-dd"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["exit"]["code"], 127);
}

/// Traces `sh -c SCRIPT` (BusyBox) into an events file: the command's output and the trace's end.
fn traced_script_end(script: &str) -> (std::process::Output, End) {
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let (out, _tmp) = trace(&[
        "--events",
        events.to_str().unwrap(),
        "--",
        "/bin/busybox",
        "sh",
        "-c",
        script,
    ]);
    let trace = read_records(std::fs::read(&events).unwrap().as_slice()).unwrap();
    (out, trace.end.expect("an End record"))
}

/// A child killed with SIGKILL just before the main process ends is still running for a moment
/// (the signal pending, then exiting) and its death is not reported yet: it is not alive, and
/// the run is no daemon. Repeated, since the moment is short.
#[test]
fn a_child_killed_just_before_the_end_is_not_listed_alive() {
    for _ in 0..10 {
        let (out, end) = traced_script_end("/bin/busybox sleep 5 & kill -9 $!");
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(end.exit.code, Some(0));
        assert!(end.alive.is_empty(), "{:?}", end.alive);
    }
}

#[test]
fn daemon_left_behind_is_listed_alive() {
    // The background sleep outlives the main process; its pid is in `alive`.
    let (out, end) = traced_script_end("/bin/busybox sleep 1 >/dev/null 2>&1 & echo $!");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let pid: i32 = text.lines().next().unwrap().trim().parse().unwrap();
    assert_eq!(end.exit.code, Some(0));
    assert_eq!(end.alive, [pid]);
    assert!(end.processes >= 2);
}

#[test]
fn the_command_keeps_default_signal_dispositions() {
    // `trace` ignores Ctrl-C while it waits, but the command must not inherit that.
    let script = "kill -INT $$; echo survived";
    let bare = Command::new("/bin/busybox")
        .args(["sh", "-c", script])
        .output()
        .unwrap();
    assert!(bare.stdout.is_empty());
    let (out, _tmp) = trace(&["--format", "json", "--", "/bin/busybox", "sh", "-c", script]);
    let report = json(&out);
    assert_eq!(report["stdout_tail"], serde_json::json!([]));
    // Killed by its own SIGINT, as without us (an inherited SIG_IGN would let it survive).
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&bare.status),
        Some(libc::SIGINT)
    );
    assert_eq!(report["outcome"], "killed");
    assert_eq!(report["exit"]["signal"], "SIGINT");
}

#[test]
fn children_waited_for_are_not_alive() {
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let prog = common::program("spawn");
    let (out, _tmp) = trace(&[
        "--events",
        events.to_str().unwrap(),
        "--",
        prog.to_str().unwrap(),
        "/bin/busybox",
        "true",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let trace = read_records(std::fs::read(&events).unwrap().as_slice()).unwrap();
    let end = trace.end.unwrap();
    assert_eq!((end.exit.code, end.processes), (Some(0), 2));
    assert!(end.alive.is_empty(), "{:?}", end.alive);
}

/// `RLIMIT_NPROC` counts the tasks of a user id: with room for three, a shell of an otherwise
/// unused uid forks twice and is then refused; the runner names that limit, not the cgroup's.
#[test]
fn a_users_process_limit_is_named_with_its_uid() {
    if !common::root_for("dropping to an unused uid with setpriv") {
        return;
    }
    let (out, _tmp) = trace(&[
        "--format",
        "json",
        "--",
        "setpriv",
        "--reuid=64011",
        "--regid=64011",
        "--clear-groups",
        "prlimit",
        "--nproc=3",
        "sh",
        "-c",
        "for i in 1 2 3 4; do sleep 1 & done; wait",
    ]);
    let report = json(&out);
    assert_eq!(report["exit"]["code"], 2, "{report}");
    let finding = &report["findings"][0];
    assert_eq!(finding["kind"], "too-many-processes", "{report}");
    assert_eq!(finding["rule"], "proc.nproc-limit", "{report}");
    let summary = finding["summary"].as_str().unwrap();
    assert!(
        summary.contains("uid 64011") && summary.contains("`ulimit -u` 3"),
        "{summary}"
    );
}

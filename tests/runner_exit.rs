//! The traced program must not notice the runner: same exit code, same death by signal, same
//! output, signals sent to the runner's pid reach it, and no privilege is needed.

mod common;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use common::{bin, program, read_until_ready, run, scratch};
use docker_diagnose::trace::EventKind;

/// (code, signal) of a run.
/// Starts the runner on `argv` and waits for the program's "ready" line on its stdout.
fn start_until_ready<const N: usize>(
    events: &Path,
    argv: [&OsStr; N],
) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(bin())
        .arg("__run")
        .arg("--events")
        .arg(events)
        .arg("--")
        .args(argv)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = read_until_ready(&mut child);
    (child, out)
}

fn ending(status: std::process::ExitStatus) -> (Option<i32>, Option<i32>) {
    (status.code(), status.signal())
}

#[test]
fn exit_codes_and_deaths_are_the_programs_own() {
    let prog = program("exit_with");
    let p = prog.to_str().unwrap();
    let cases: &[&[&str]] = &[
        &["code", "0"],
        &["code", "1"],
        &["code", "3"],
        &["code", "127"],
        &["code", "255"],
        &["segv"],
        &["abort"],
        &["kill"],
    ];
    for args in cases {
        let bare = Command::new(p).args(*args).status().unwrap();
        let mut argv = vec![p];
        argv.extend_from_slice(args);
        let traced = run(&[], &argv);
        assert_eq!(ending(traced.status), ending(bare), "{args:?}");
        // The trace agrees with what the parent saw.
        let end = traced.trace.end.as_ref().expect("an end record");
        assert_eq!(end.exit.code, bare.code(), "{args:?}");
        assert_eq!(
            end.exit.signal.is_some(),
            bare.signal().is_some(),
            "{args:?}"
        );
    }
}

/// Only the main process stops at its exit; another process's end is recorded from the status
/// that reaps it: the same records (`exit_group(N)`, `+++ exited with N +++`, `+++ killed by
/// SIG +++`), and before its parent hears of it (the parent's SIGCHLD waits for our reaping).
#[test]
fn the_ends_of_child_processes_are_recorded_before_their_parent_hears() {
    let prog = program("exit_with");
    let p = prog.to_str().unwrap();
    let script = format!("{p} code 3; {p} kill; exit 4");
    let r = run(&[], &["/bin/busybox", "sh", "-c", &script]);
    assert_eq!(r.status.code(), Some(4));
    let events = &r.trace.events;
    let main = r.trace.main_pid().unwrap();
    let children: Vec<i32> = events
        .iter()
        .filter(|e| e.pid == main && e.kind == EventKind::Syscall)
        .filter(|e| {
            matches!(
                e.syscall.as_deref(),
                Some("fork" | "vfork" | "clone" | "clone3")
            )
        })
        .filter_map(|e| e.ret.map(|r| r as i32))
        .collect();
    assert_eq!(children.len(), 2, "{children:?}");
    let at = |pid: i32, kind: EventKind| {
        events
            .iter()
            .position(|e| e.pid == pid && e.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} record of {pid}"))
    };
    let exit = &events[at(children[0], EventKind::Exit)];
    assert_eq!(
        (exit.call.as_str(), exit.code),
        ("+++ exited with 3 +++", Some(3))
    );
    let call = events
        .iter()
        .find(|e| e.pid == children[0] && e.syscall.as_deref() == Some("exit_group"))
        .expect("the child's exit_group");
    assert_eq!(call.call, "exit_group(3) = ?");
    let killed = &events[at(children[1], EventKind::Killed)];
    assert_eq!(killed.call, "+++ killed by SIGKILL +++");
    for child in children {
        let end = events
            .iter()
            .position(|e| e.pid == child && matches!(e.kind, EventKind::Exit | EventKind::Killed))
            .unwrap();
        let born = events
            .iter()
            .position(|e| e.ret == Some(child as i64))
            .unwrap();
        let heard = events[born..]
            .iter()
            .position(|e| e.pid == main && e.signal.as_deref() == Some("SIGCHLD"))
            .map(|i| born + i)
            .expect("the parent's SIGCHLD");
        assert!(end < heard, "{child}: end at {end}, SIGCHLD at {heard}");
    }
    // The main process still ends the trace from its own exit stop.
    assert_eq!(events.last().unwrap().call, "+++ exited with 4 +++");
}

#[test]
fn sigterm_to_the_runner_reaches_the_program() {
    let prog = program("exit_with");
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let (mut child, mut out) = start_until_ready(&events, [prog.as_os_str(), "trap-term".as_ref()]);
    let mut line = String::new();
    // The runner's pid is the program's pid.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "got SIGTERM\n");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(42));
    let run = common::finish(
        std::process::Output {
            status,
            stdout: Vec::new(),
            stderr: Vec::new(),
        },
        &events,
    );
    assert!(run
        .trace
        .events
        .iter()
        .any(|e| e.kind == EventKind::Signal && e.signal.as_deref() == Some("SIGTERM")));
    assert_eq!(
        run.trace.header.as_ref().unwrap().main_pid,
        child.id() as i32
    );
}

#[test]
fn a_shell_trap_sees_sigterm() {
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let script = "trap 'echo trapped; exit 7' TERM; echo ready; while :; do sleep 0.05; done";
    let (mut child, mut out) = start_until_ready(
        &events,
        ["/bin/busybox", "sh", "-c", script].map(OsStr::new),
    );
    let mut line = String::new();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "trapped\n");
    assert_eq!(child.wait().unwrap().code(), Some(7));
}

#[test]
fn a_stopped_program_stays_stopped_until_sigcont() {
    // A group-stop must behave as without a tracer: stopped until SIGCONT.
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let child = Command::new(bin())
        .arg("__run")
        .arg("--events")
        .arg(&events)
        .args([
            "--",
            "/bin/busybox",
            "sh",
            "-c",
            "kill -STOP $$; echo resumed",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Wait until the SIGSTOP has been handed back to it (the tracer records it, then flushes
    // when it blocks) and the kernel shows it stopped. No time limit: a bug hangs the test.
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let state = stat.rsplit_once(") ").unwrap().1.chars().next().unwrap();
        let recorded = std::fs::read_to_string(&events).is_ok_and(|t| t.contains("\"SIGSTOP\""));
        if recorded && (state == 'T' || state == 't') {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGCONT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.stdout, b"resumed\n");
    assert!(out.status.success());
}

#[test]
fn output_passes_through_in_order_and_is_tailed() {
    let script = "for i in 1 2 3; do echo out$i; echo err$i >&2; done; printf 'no newline'";
    let bare = Command::new("/bin/busybox")
        .args(["sh", "-c", script])
        .output()
        .unwrap();
    let traced = run(&[], &["/bin/busybox", "sh", "-c", script]);
    assert_eq!(traced.stdout, bare.stdout);
    assert_eq!(traced.stderr, bare.stderr);
    let end = traced.trace.end.as_ref().unwrap();
    assert_eq!(end.stdout_tail, ["out1", "out2", "out3", "no newline"]);
    assert_eq!(end.stderr_tail, ["err1", "err2", "err3"]);
}

#[test]
fn stdin_passes_through() {
    use std::io::Write;
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let mut child = Command::new(bin())
        .arg("__run")
        .arg("--events")
        .arg(&events)
        .args(["--", "/bin/busybox", "tr", "a-z", "A-Z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.stdout, b"HELLO\n");
    assert!(out.status.success());
}

#[test]
fn runs_as_an_unprivileged_user() {
    // nobody (65534) with no capability traces itself and sees its own EACCES.
    let dir = scratch();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "x").unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let events = dir.path().join("events.jsonl");
    // As root, become nobody with no capability at all; as anyone else, stay as we are.
    let root = nix::unistd::geteuid().is_root();
    let uid = if root {
        65534
    } else {
        nix::unistd::geteuid().as_raw()
    };
    if !root {
        std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o000))
            .unwrap();
    }
    let mut cmd = Command::new(if root { "setpriv" } else { bin() });
    if root {
        cmd.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ])
        .arg(bin());
    }
    let out = cmd
        .arg("__run")
        .arg("--events")
        .arg(&events)
        .args(["--", "/bin/busybox", "cat"])
        .arg(&secret)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let meta = std::fs::metadata(&events).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), uid);
    let run = common::finish(out, &events);
    let denied = run
        .open(secret.to_str().unwrap())
        .expect("the open of the secret is recorded");
    assert_eq!(denied.errno.as_deref(), Some("EACCES"));
    let ev = denied.evidence.as_ref().expect("evidence");
    assert_eq!(ev.process_uid, Some(uid));
    assert_eq!(ev.mode, Some(if root { 0o600 } else { 0 }));
}

#[test]
fn events_file_in_out_dir_is_world_readable() {
    let dir = scratch();
    let out_dir = dir.path().join("vol");
    let status = Command::new(bin())
        .arg("__run")
        .arg("--out")
        .arg(&out_dir)
        .args(["--", "/bin/busybox", "true"])
        .status()
        .unwrap();
    assert!(status.success());
    let meta = std::fs::metadata(out_dir.join("events.jsonl")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o644
    );
}

#[test]
fn bad_runner_arguments_say_so_and_exit_2() {
    let out = Command::new(bin())
        .args(["__run", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--bogus"));
}

#[test]
fn an_unwritable_events_file_runs_the_program_untraced() {
    // The program still runs, with its own exit; the runner says why nothing was recorded.
    let out = Command::new(bin())
        .args(["__run", "--events", "/proc/self/no-such-dir/ev.jsonl", "--"])
        .args(["/bin/busybox", "sh", "-c", "echo ran; exit 5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(out.stdout, b"ran\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("running untraced"), "{err}");
}

#[test]
fn the_program_inherits_no_extra_descriptors() {
    let argv = ["/bin/busybox", "ls", "/proc/self/fd"];
    let bare = Command::new(argv[0]).args(&argv[1..]).output().unwrap();
    let traced = run(&[], &argv);
    assert_eq!(
        String::from_utf8_lossy(&traced.stdout),
        String::from_utf8_lossy(&bare.stdout)
    );
}

#[test]
fn an_init_dies_of_its_own_fault_as_without_the_runner() {
    // As PID 1 of a pid namespace (as in a container), a traced program's own SIGSEGV would be
    // dropped by the kernel and fault forever; the runner must let it die as it would untraced.
    if !common::root_for("a pid namespace") {
        return;
    }
    let prog = program("exit_with");
    for case in ["segv", "abort", "code"] {
        let bare = Command::new("unshare")
            .args(["-fp", "--mount-proc"])
            .arg(&prog)
            .arg(case)
            .status()
            .unwrap();
        let dir = scratch();
        let events = dir.path().join("events.jsonl");
        let traced = Command::new("unshare")
            .args(["-fp", "--mount-proc", bin(), "__run", "--events"])
            .arg(&events)
            .arg("--")
            .arg(&prog)
            .arg(case)
            .output()
            .unwrap();
        assert_eq!(ending(traced.status), ending(bare), "{case}");
        let run = common::finish(traced, &events);
        assert_eq!(run.trace.header.as_ref().unwrap().main_pid, 1);
        let end = run.trace.end.expect("an end record");
        if case == "segv" {
            assert_eq!(end.exit.signal.as_deref(), Some("SIGSEGV"));
        }
    }
}

#[test]
fn an_exec_from_a_second_thread_does_not_end_the_trace() {
    // The leader's exit stop during another thread's exec is not the end of the program.
    let prog = program("thread_exec");
    let traced = run(
        &[],
        &[prog.to_str().unwrap(), "/bin/busybox", "sh", "-c", "exit 5"],
    );
    assert_eq!(traced.status.code(), Some(5));
    let end = traced.trace.end.as_ref().expect("an end record");
    assert_eq!(end.exit.code, Some(5));
    assert!(traced
        .trace
        .events
        .iter()
        .any(|e| e.syscall.as_deref() == Some("execve")
            && e.ret == Some(0)
            && e.argv.as_ref().is_some_and(|a| a[0] == "/bin/busybox")));
}

#[test]
fn a_trace_cut_short_by_sigkill_is_still_readable() {
    // In a container, `docker kill` takes the tracer down with PID 1: what was recorded must
    // already be on disk (flushed whenever the tracer waits), only the end is missing.
    let prog = program("exit_with");
    let dir = scratch();
    let events = dir.path().join("cut.jsonl");
    // `_out` keeps the pipe open: the program must not see its reader go.
    let (mut child, _out) = start_until_ready(&events, [prog.as_os_str(), "trap-term".as_ref()]);
    // The tracer is the process still running as `__run` with our events file.
    let needle = events.to_str().unwrap();
    let tracer = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .find(|pid| {
            *pid != child.id() as i32
                && std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
        })
        .expect("the tracer process");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(tracer),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let trace =
        docker_diagnose::trace::read_records(std::fs::read(&events).unwrap().as_slice()).unwrap();
    assert!(trace.end.is_none());
    assert_eq!(trace.header.unwrap().main_pid, child.id() as i32);
    assert!(trace
        .events
        .iter()
        .any(|e| e.syscall.as_deref() == Some("execve") && e.ret == Some(0)));
}

#[test]
fn real_time_signals_are_delivered_and_kill_as_without_the_runner() {
    let prog = program("exit_with");
    let bare = Command::new(&prog).arg("rt").output().unwrap();
    let traced = run(&[], &[prog.to_str().unwrap(), "rt"]);
    assert_eq!(traced.stdout, bare.stdout);
    assert_eq!(traced.stdout, b"got SIGRTMIN+2\n");
    assert_eq!(ending(traced.status), ending(bare.status));
    let names: Vec<_> = traced
        .trace
        .events
        .iter()
        .filter_map(|e| e.signal.as_deref())
        .collect();
    assert_eq!(names, ["SIGRT_2", "SIGRT_3", "SIGRT_3"]);
    assert_eq!(
        traced.trace.end.unwrap().exit.signal.as_deref(),
        Some("SIGRT_3")
    );
}

#[test]
fn polling_for_stops_records_what_sleeping_records() {
    // A walk of thousands of calls, the case where the tracer polls (`runner::spin`); on a
    // machine with one usable CPU both runs sleep, and the test still holds.
    let argv = ["ls", "-R", "/usr/share"];
    let calls = |extra: &[&str]| {
        let r = run(extra, &argv);
        assert_eq!(r.status.code(), Some(0));
        // What each call asked and got; the call text holds buffer addresses, which ASLR moves.
        let calls: Vec<String> = (r.trace.events.iter())
            .map(|e| format!("{:?} {:?} {:?} {:?}", e.syscall, e.path, e.ret, e.errno))
            .collect();
        assert!(calls.len() > 1000, "a long walk: {} calls", calls.len());
        (calls, r.stdout)
    };
    let (polled, polled_out) = calls(&[]);
    let (slept, slept_out) = calls(&["--no-spin"]);
    assert!(polled_out == slept_out, "the program's output differs");
    let first_difference = polled.iter().zip(&slept).position(|(a, b)| a != b);
    assert_eq!(first_difference.map(|i| (&polled[i], &slept[i])), None);
    assert_eq!(polled.len(), slept.len());
}

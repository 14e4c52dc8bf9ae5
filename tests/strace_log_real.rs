//! The strace-log reader on logs recorded with the real strace 6 (`tests/strace-logs/record.sh`),
//! one per decoration variant: every variant of the same two-process run must read the same.

use docker_diagnose::trace::strace_log::{self, StraceLog};
use docker_diagnose::trace::{Event, EventKind};

fn read(name: &str) -> StraceLog {
    let path = format!("{}/tests/strace-logs/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    strace_log::read(&bytes).unwrap_or_else(|e| panic!("{path}: {e:#}"))
}

fn calls<'a>(log: &'a StraceLog, syscall: &str) -> Vec<&'a Event> {
    log.trace
        .events
        .iter()
        .filter(|e| e.syscall.as_deref() == Some(syscall))
        .collect()
}

fn exec_of<'a>(log: &'a StraceLog, program: &str) -> &'a Event {
    calls(log, "execve")
        .into_iter()
        .find(|e| e.path.as_deref() == Some(program))
        .unwrap_or_else(|| panic!("no execve of {program}"))
}

/// `sh -c 'ls /nope; cat /etc/hostname'`: sh forks ls (which fails on /nope and says so on
/// stderr, exit 2) and then cat (which prints the host name, exit 0); sh exits 0.
fn assert_two_commands(name: &str, statx_traced: bool) {
    let log = read(name);
    let trace = &log.trace;
    let main = trace.main_pid().unwrap();
    let sh = exec_of(&log, "/usr/bin/sh");
    assert_eq!(sh.pid, main, "{name}: sh is the main process");
    assert_eq!(
        sh.argv.as_deref(),
        Some(
            &[
                "sh".to_string(),
                "-c".into(),
                "ls /nope; cat /etc/hostname".into()
            ][..]
        )
    );
    let ls = exec_of(&log, "/usr/bin/ls");
    let cat = exec_of(&log, "/usr/bin/cat");
    assert_eq!(ls.ret, Some(0), "{name}: {}", ls.call);
    assert_eq!(
        ls.argv.as_deref(),
        Some(&["ls".to_string(), "/nope".into()][..])
    );
    assert!(
        ls.pid != main && cat.pid != main && ls.pid != cat.pid,
        "{name}: three processes"
    );

    if statx_traced {
        let nope = trace
            .events
            .iter()
            .find(|e| e.path.as_deref() == Some("/nope"))
            .unwrap_or_else(|| panic!("{name}: no call on /nope"));
        assert_eq!(nope.pid, ls.pid, "{name}: {}", nope.call);
        assert_eq!(
            nope.errno.as_deref(),
            Some("ENOENT"),
            "{name}: {}",
            nope.call
        );
        assert_eq!(nope.ret, Some(-1));
    }
    let hostname = calls(&log, "openat")
        .into_iter()
        .find(|e| e.path.as_deref() == Some("/etc/hostname"))
        .unwrap_or_else(|| panic!("{name}: no openat of /etc/hostname"));
    assert_eq!((hostname.pid, hostname.ret), (cat.pid, Some(3)), "{name}");
    assert_eq!(hostname.flags.as_deref(), Some("O_RDONLY"));

    let exits: Vec<(i32, Option<i32>)> = trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Exit)
        .map(|e| (e.pid, e.code))
        .collect();
    assert!(exits.contains(&(ls.pid, Some(2))), "{name}: {exits:?}");
    assert!(exits.contains(&(cat.pid, Some(0))), "{name}: {exits:?}");
    let end = trace
        .end
        .as_ref()
        .unwrap_or_else(|| panic!("{name}: no end"));
    assert_eq!(end.exit.code, Some(0), "{name}");
    assert_eq!(end.exit.signal, None);
    assert_eq!(end.processes, 3, "{name}");
    assert!(end.alive.is_empty(), "{name}: alive {:?}", end.alive);
    assert_eq!(
        log.stderr_tail,
        vec!["ls: cannot access '/nope': No such file or directory"],
        "{name}"
    );
    assert_eq!(end.stderr_tail, log.stderr_tail);

    for ev in &trace.events {
        assert!(ev.pid > 0, "{name}: pid of {}", ev.call);
        if ev.kind == EventKind::Syscall {
            let syscall = ev.syscall.as_deref().unwrap();
            assert!(
                ev.call.starts_with(&format!("{syscall}(")),
                "{name}: {}",
                ev.call
            );
            assert!(!ev.call.contains("unfinished"), "{name}: {}", ev.call);
            assert!(!ev.call.contains("resumed"), "{name}: {}", ev.call);
        }
    }
}

#[test]
fn pid_column() {
    assert_two_commands("f.log", true);
}

#[test]
fn pid_prefixes_with_program_output_on_the_same_terminal() {
    assert_two_commands("stderr.log", true);
    let log = read("stderr.log");
    // The program's output is skipped, also where it landed inside a call.
    let ls_write = log
        .trace
        .events
        .iter()
        .find(|e| e.data.as_deref() == Some("ls: "))
        .unwrap();
    assert_eq!(ls_write.call, r#"write(2, "ls: ", 4) = 4"#);
    let copy = calls(&log, "copy_file_range")[0];
    assert_eq!(
        copy.call, "copy_file_range(3, NULL, 1, NULL, 9223372035781033984, 0) = 3",
        "the host name cat printed, then a line break, sat inside the call"
    );
    // The vfork that strace interrupted with "Process N attached" is one call, with the child's pid.
    let vforks = calls(&log, "vfork");
    assert_eq!(vforks.len(), 2);
    assert_eq!(
        vforks[0].call,
        format!("vfork() = {}", exec_of(&log, "/usr/bin/ls").pid)
    );
}

#[test]
fn per_process_files_concatenated() {
    assert_two_commands("ff-cat.log", true);
}

#[test]
fn per_process_files_with_headers() {
    assert_two_commands("ff-headers.log", true);
}

#[test]
fn timestamps_of_day() {
    assert_two_commands("tt.log", true);
    assert_times("tt.log");
}

#[test]
fn timestamps_since_the_epoch() {
    assert_two_commands("ttt.log", true);
    assert_times("ttt.log");
}

#[test]
fn relative_timestamps() {
    assert_two_commands("r.log", true);
    assert_times("r.log");
}

fn assert_times(name: &str) {
    let log = read(name);
    let times: Vec<u64> = log
        .trace
        .events
        .iter()
        .map(|e| e.time_us.unwrap())
        .collect();
    assert_eq!(times[0], 0, "{name}: time counts from the first line");
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "{name}: time runs forward"
    );
    assert!(times.last().unwrap() > &0);
}

#[test]
fn durations() {
    assert_two_commands("T.log", true);
    let log = read("T.log");
    assert!(log.trace.events.iter().all(|e| !e.call.ends_with('>')));
}

#[test]
fn fd_paths() {
    assert_two_commands("y.log", true);
    let log = read("y.log");
    // `-y` names the file behind a descriptor: a read of the opened file carries its path.
    let read_hostname = calls(&log, "read")
        .into_iter()
        .chain(calls(&log, "copy_file_range"))
        .chain(calls(&log, "close"))
        .find(|e| e.path.as_deref() == Some("/etc/hostname"));
    assert!(read_hostname.is_some());
}

#[test]
fn fd_details_and_short_strings() {
    assert_two_commands("yy-s32.log", true);
}

#[test]
fn syscall_numbers_and_instruction_pointers() {
    assert_two_commands("n-i.log", true);
}

#[test]
fn command_names_after_pids() {
    assert_two_commands("comm.log", true);
}

#[test]
fn filtered_calls() {
    assert_two_commands("filtered.log", false);
}

#[test]
fn refused_connection_ipv4() {
    let log = read("connect.log");
    let connect = calls(&log, "connect")
        .into_iter()
        .find(|e| e.errno.is_some())
        .unwrap();
    assert_eq!(connect.errno.as_deref(), Some("ECONNREFUSED"));
    assert_eq!(connect.port, Some(5432));
    assert_eq!(connect.addr.as_deref(), Some("127.0.0.1"));
    assert_eq!(connect.family.as_deref(), Some("AF_INET"));
    assert_eq!(connect.fd, Some(3));
    let end = log.trace.end.unwrap();
    assert_eq!(end.exit.code, Some(1));
    assert!(end.stderr_tail[0].starts_with("nc: can't connect to remote host"));
}

#[test]
fn refused_connection_ipv6() {
    let log = read("connect6.log");
    let connect = calls(&log, "connect")
        .into_iter()
        .find(|e| e.errno.is_some())
        .unwrap();
    assert_eq!(connect.errno.as_deref(), Some("ECONNREFUSED"));
    assert_eq!(
        (connect.addr.as_deref(), connect.port),
        (Some("::1"), Some(5433))
    );
    assert_eq!(connect.family.as_deref(), Some("AF_INET6"));
}

#[test]
fn relative_paths_after_chdir() {
    let log = read("chdir.log");
    let missing = calls(&log, "openat")
        .into_iter()
        .find(|e| e.errno.as_deref() == Some("ENOENT") && e.call.contains("nope-relative"))
        .unwrap();
    assert_eq!(missing.path.as_deref(), Some("/etc/nope-relative"));
    let found = calls(&log, "openat")
        .into_iter()
        .find(|e| e.call.contains("\"hostname\""))
        .unwrap();
    assert_eq!(found.path.as_deref(), Some("/etc/hostname"));
}

#[test]
fn missing_program() {
    let log = read("exec-missing.log");
    let exec = calls(&log, "execve")
        .into_iter()
        .find(|e| e.errno.is_some())
        .unwrap();
    assert_eq!(exec.path.as_deref(), Some("/opt/app/bin/server"));
    assert_eq!(exec.errno.as_deref(), Some("ENOENT"));
    assert_eq!(
        exec.argv.as_deref(),
        Some(
            &[
                "/opt/app/bin/server".to_string(),
                "--port".into(),
                "80".into()
            ][..]
        )
    );
    assert_eq!(log.trace.end.unwrap().exit.code, Some(127));
    assert!(log
        .stderr_tail
        .last()
        .unwrap()
        .contains("/opt/app/bin/server: not found"));
}

#[test]
fn killed_by_its_own_signal() {
    let log = read("segv.log");
    let signal = log
        .trace
        .events
        .iter()
        .find(|e| e.kind == EventKind::Signal)
        .unwrap();
    assert_eq!(signal.signal.as_deref(), Some("SIGSEGV"));
    let end = log.trace.end.as_ref().unwrap();
    assert_eq!(
        (end.exit.code, end.exit.signal.as_deref()),
        (None, Some("SIGSEGV"))
    );
    // A plain `strace ./app` never names its pid, but sh's getpid() did.
    let getpid = calls(&log, "getpid")[0];
    assert_eq!(log.trace.main_pid(), getpid.ret.map(|p| p as i32));
}

#[test]
fn killed_by_sigkill() {
    let log = read("sigkill.log");
    let last = log.trace.events.last().unwrap();
    assert_eq!(last.kind, EventKind::Killed);
    assert_eq!(last.signal.as_deref(), Some("SIGKILL"));
    assert_eq!(last.call, "+++ killed by SIGKILL +++");
    assert_eq!(
        log.trace.end.unwrap().exit.signal.as_deref(),
        Some("SIGKILL")
    );
}

#[test]
fn a_child_outlives_the_main_process() {
    let log = read("daemon.log");
    let end = log.trace.end.as_ref().unwrap();
    assert_eq!(end.exit.code, Some(0));
    let sleep = exec_of(&log, "/usr/bin/sleep");
    assert_eq!(end.alive, vec![sleep.pid]);
}

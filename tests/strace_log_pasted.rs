//! The strace-log reader on logs as people paste them into tickets: wrapped, quoted, indented,
//! with prompts and program output, translated error texts, cut at the start, with interrupted
//! calls, with Windows line ends, with bytes that are not UTF-8, and plain garbage.

use docker_diagnose::trace::strace_log::{self, StraceLog};
use docker_diagnose::trace::{Event, EventKind};

fn read(name: &str) -> StraceLog {
    let path = format!("{}/tests/strace-logs/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    strace_log::read(&bytes).unwrap_or_else(|e| panic!("{path}: {e:#}"))
}

fn failing<'a>(log: &'a StraceLog, syscall: &str) -> &'a Event {
    log.trace
        .events
        .iter()
        .find(|e| e.syscall.as_deref() == Some(syscall) && e.errno.is_some())
        .unwrap_or_else(|| panic!("no failing {syscall}"))
}

#[test]
fn wrapped_by_a_ticket_system() {
    let log = read("pasted-wrapped.txt");
    let exec = &log.trace.events[0];
    assert_eq!(exec.pid, 12);
    assert_eq!(exec.path.as_deref(), Some("/app/server"));
    assert_eq!(
        exec.argv.as_deref(),
        Some(
            &[
                "/app/server".to_string(),
                "--config".into(),
                "/etc/app/config.yaml".into()
            ][..]
        ),
        "a line cut in the middle of a word is joined without a space"
    );
    let open = failing(&log, "openat");
    assert_eq!(open.path.as_deref(), Some("/etc/app/config.yaml"));
    assert_eq!(open.errno.as_deref(), Some("ENOENT"));
    assert_eq!(
        open.call,
        r#"openat(AT_FDCWD, "/etc/app/config.yaml", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)"#,
        "a line cut after a comma is joined with one space"
    );
    let connect = failing(&log, "connect");
    assert_eq!(connect.addr.as_deref(), Some("10.0.0.7"));
    assert_eq!(connect.port, Some(6379));
    assert_eq!(connect.errno.as_deref(), Some("ECONNREFUSED"));
    assert_eq!(
        log.stderr_tail,
        vec!["server: cannot read /etc/app/config.yaml: no such file"]
    );
    assert_eq!(log.trace.end.unwrap().exit.code, Some(1));
}

#[test]
fn quoted_indented_with_prompts_and_program_output() {
    let log = read("pasted-quoted.txt");
    let events = &log.trace.events;
    let exec = failing(&log, "execve");
    assert_eq!(exec.pid, 88);
    assert_eq!(exec.errno.as_deref(), Some("EACCES"));
    // The parent's fork is not in the paste; its pid is told by when each process lived.
    let main = log.trace.main_pid().unwrap();
    assert_eq!(main, 87);
    assert_eq!(events[0].syscall.as_deref(), Some("execve"));
    assert_eq!(events[0].pid, 87);
    assert_eq!(log.trace.header.as_ref().unwrap().uid, Some(1000));
    let end = log.trace.end.as_ref().unwrap();
    assert_eq!(end.exit.code, Some(126));
    assert!(end.alive.is_empty());
    assert_eq!(
        log.stderr_tail,
        vec!["sh: 1: ./entrypoint.sh: Permission denied"]
    );
    // Prose, prompts and the program's own line are skipped, not misread.
    assert_eq!(events.len(), 8);
    assert!(log.skipped_lines >= 6);
}

#[test]
fn translated_error_texts() {
    let log = read("pasted-localised.txt");
    let open = failing(&log, "openat");
    assert_eq!(open.errno.as_deref(), Some("ENOENT"));
    assert_eq!(
        open.path.as_deref(),
        Some("/etc/ssl/certs/ca-certificates.crt")
    );
    let mkdir = failing(&log, "mkdir");
    assert_eq!(
        (mkdir.errno.as_deref(), mkdir.mode),
        (Some("EACCES"), Some(0o750))
    );
    let bind = failing(&log, "bind");
    assert_eq!(
        (bind.errno.as_deref(), bind.port),
        (Some("EACCES"), Some(80))
    );
    assert!(bind.call.ends_with("(許可がありません)"));
    // Octal escapes are bytes: together they spell UTF-8 text.
    assert_eq!(log.stderr_tail, vec!["Ошибка: доступ запрещен"]);
    // No pid anywhere: the program is pid 1, as in a container.
    assert_eq!(log.trace.main_pid(), Some(1));
    assert!(log.trace.events.iter().all(|e| e.pid == 1));
}

#[test]
fn starts_in_the_middle() {
    let log = read("pasted-midtrace.txt");
    let events = &log.trace.events;
    assert_eq!(events[0].call, r#"read(..., "", 4096) = 0"#);
    assert_eq!(events[0].ret, Some(0));
    assert_eq!(events[1].syscall.as_deref(), Some("wait4"));
    assert_eq!(events[1].ret, Some(731));
    // The first pid seen is 731, but 730 is the one whose end the log shows after everyone's.
    let open = failing(&log, "openat");
    assert_eq!(open.path.as_deref(), Some("/run/secrets/db_password"));
    assert_eq!(open.pid, 730);
    assert_eq!(
        log.trace.main_pid(),
        Some(730),
        "wait4 told 731 is 730's child"
    );
    assert_eq!(log.trace.end.as_ref().unwrap().exit.code, Some(3));
    assert_eq!(
        log.stderr_tail,
        vec!["fatal: /run/secrets/db_password missing"]
    );
}

#[test]
fn interrupted_calls_are_merged() {
    let log = read("pasted-unfinished.txt");
    let events = &log.trace.events;
    let clone = events
        .iter()
        .find(|e| e.syscall.as_deref() == Some("clone"))
        .unwrap();
    assert_eq!(
        clone.call,
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0b) = 4002"
    );
    let open = failing(&log, "openat");
    assert_eq!(open.pid, 4002);
    assert_eq!(open.errno.as_deref(), Some("EROFS"));
    assert_eq!(open.path.as_deref(), Some("/data/cache"));
    assert_eq!(open.flags.as_deref(), Some("O_WRONLY|O_CREAT|O_TRUNC"));
    assert_eq!(open.mode, Some(0o644));
    // The thread's futex and the main exit_group never resumed: kept, without a result.
    let exit_group = events
        .iter()
        .rfind(|e| e.syscall.as_deref() == Some("exit_group"))
        .unwrap();
    assert_eq!((exit_group.pid, exit_group.ret), (4001, None));
    assert_eq!(exit_group.call, "exit_group(1) = ?");
    let end = log.trace.end.as_ref().unwrap();
    assert_eq!(end.exit.code, Some(1));
    // The thread (CLONE_THREAD) is not a process left behind, nor counted as one.
    assert!(end.alive.is_empty(), "{:?}", end.alive);
    assert_eq!(end.processes, 2);
    assert!(events.iter().all(|e| !e.call.contains("unfinished")));
}

#[test]
fn unix_sockets() {
    let log = read("pasted-unix.txt");
    let connects: Vec<&Event> = log
        .trace
        .events
        .iter()
        .filter(|e| e.syscall.as_deref() == Some("connect"))
        .collect();
    assert_eq!(connects[0].addr.as_deref(), Some("/var/run/docker.sock"));
    assert_eq!(connects[0].family.as_deref(), Some("AF_UNIX"));
    assert_eq!(connects[0].errno.as_deref(), Some("ENOENT"));
    assert_eq!(connects[1].addr.as_deref(), Some("@/tmp/.X11-unix/X0"));
    let socket = &log.trace.events[0];
    assert_eq!(socket.family.as_deref(), Some("AF_UNIX"));
    assert_eq!(socket.ret, Some(3));
}

#[test]
fn windows_line_ends() {
    let log = read("pasted-crlf.txt");
    let open = failing(&log, "openat");
    assert_eq!(open.path.as_deref(), Some("/etc/app.conf"));
    assert!(!open.call.contains('\r'));
    assert_eq!(log.trace.end.unwrap().exit.code, Some(2));
}

#[test]
fn bytes_that_are_not_utf8() {
    let mut log = b"openat(AT_FDCWD, \"/data/caf".to_vec();
    log.extend_from_slice(b"\xe9\xff\", O_RDONLY) = -1 ENOENT (No such file or directory)\n");
    log.extend_from_slice(b"\xfe\xfe garbage \x00\x01\n+++ exited with 1 +++\n");
    let log = strace_log::read(&log).unwrap();
    let open = &log.trace.events[0];
    assert_eq!(open.path.as_deref(), Some("/data/caf\u{fffd}\u{fffd}"));
    assert_eq!(log.trace.events.len(), 2);
    assert_eq!(log.skipped_lines, 1);
}

#[test]
fn garbage_and_empty_input_are_errors() {
    let err = strace_log::read(b"").unwrap_err().to_string();
    assert!(err.contains("empty"), "{err}");
    let err = strace_log::read(b"  \n\n").unwrap_err().to_string();
    assert!(err.contains("empty"), "{err}");
    let err = strace_log::read(b"\x7fELF\x02\x01\x01\0\0\0\nhello (world)\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("none of its 2 lines is strace output"),
        "{err}"
    );
}

#[test]
fn never_panics_on_cut_or_odd_lines() {
    // Every prefix of every fixture, and some odd lines, read without a panic.
    let odd = [
        "<... resumed>",
        "<... x resumed",
        "+++ exited with +++",
        "+++ killed by +++",
        "--- ---",
        "[pid ] x() = 1",
        "[pid 99999999999] x() = 1",
        "1 2 3 x( = 1",
        "x(\"\\",
        "x(\"\\x\") = 1",
        "x(\"\\777\") = 1",
        "write(1, \"\\",
        "write(2, [{iov_base=\"",
        "connect(3, {sa_family=AF_INET, sin_port=htons(99999999)}, 16) = -1 E",
        "00:00:00.999999999999 x() = 1",
        "99999999999999999999.1 x() = 1",
        "execve(\"a\", [\"b\", ",
        // Found by the fuzzer: an epoch time, then a time of day before it.
        "1 1795813560.985 x() = 0\n1 00:00:01.5 y() = 0",
        "[pid 2147483647] x() = 1\n[pid 1] y() = 1\nz() = 1",
    ];
    for line in odd {
        let _ = strace_log::read(line.as_bytes());
    }
    let dir = format!("{}/tests/strace-logs", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for cut in (0..bytes.len()).step_by(bytes.len() / 40 + 1) {
            let _ = strace_log::read(&bytes[..cut]);
        }
    }
}

#[test]
fn signal_then_kill_with_core() {
    let log = strace_log::read(
        b"12 --- SIGABRT {si_signo=SIGABRT, si_code=SI_TKILL, si_pid=12, si_uid=0} ---\n\
          12 +++ killed by SIGABRT (core dumped) +++\n",
    )
    .unwrap();
    let events = &log.trace.events;
    assert_eq!(events[0].kind, EventKind::Signal);
    assert_eq!(events[1].kind, EventKind::Killed);
    assert_eq!(events[1].signal.as_deref(), Some("SIGABRT"));
    let end = log.trace.end.unwrap();
    assert_eq!(
        (end.exit.code, end.exit.signal.as_deref()),
        (None, Some("SIGABRT"))
    );
}

//! strace is the oracle: for a corpus of failing commands, every failing (syscall, path or
//! port, errno) that `strace -f` shows for the prefiltered set, the runner shows, and the other
//! way round. The runner's call text is parsed with the same helper as strace's lines, so its
//! strace-style rendering (quoting, escapes, `htons(PORT)`) is checked too.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{program, run, scratch};
use docker_diagnose::runner::filter::traced_names;
use docker_diagnose::trace::EventKind;

/// (syscall, first quoted argument or `port N`, errno).
type Key = (String, String, String);

/// Calls whose result the runner does not wait for, or that strace 6.1 does not know.
const NOT_COMPARED: &[&str] = &["write", "writev", "exit_group", "fchmodat2"];

fn strace_set() -> String {
    traced_names()
        .into_iter()
        .filter(|n| *n != "fchmodat2")
        .collect::<Vec<_>>()
        .join(",")
}

/// The key of one strace-style line `name(args) = -1 ERRNO (text)`, if it is a failure.
fn key_of(line: &str) -> Option<Key> {
    let open = line.find('(')?;
    let name = line[..open].trim();
    // strace pads the ` = ` to a column.
    let (args, result) = line.rsplit_once(" = ")?;
    let args = args.trim_end().strip_suffix(')')?;
    let errno = result.strip_prefix("-1 ")?.split_whitespace().next()?;
    if NOT_COMPARED.contains(&name) || args.contains("AT_EMPTY_PATH") {
        return None;
    }
    Some((
        name.to_string(),
        subject(&args[open + 1..]),
        errno.to_string(),
    ))
}

/// The first quoted string (escapes kept as printed), or the port of a socket address.
fn subject(args: &str) -> String {
    if let Some(i) = args.find("htons(") {
        let rest = &args[i + 6..];
        return format!("port {}", &rest[..rest.find(')').unwrap_or(0)]);
    }
    let Some(start) = args.find('"') else {
        return String::new();
    };
    let mut out = String::new();
    let mut chars = args[start + 1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                out.extend(chars.next());
            }
            '"' => break,
            _ => out.push(c),
        }
    }
    out
}

/// The failing calls of an `strace -f -o FILE` log, `<unfinished ...>` lines joined.
fn strace_failures(log: &str) -> BTreeSet<Key> {
    let mut unfinished = std::collections::HashMap::new();
    let mut keys = BTreeSet::new();
    for line in log.lines() {
        let Some((pid, rest)) = line.split_once(' ') else {
            continue;
        };
        let rest = rest.trim_start();
        let full = if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            unfinished.insert(pid.to_string(), head.to_string());
            continue;
        } else if rest.starts_with("<... ") {
            let tail = &rest[rest.find("resumed>").map_or(0, |i| i + 8)..];
            format!("{}{}", unfinished.remove(pid).unwrap_or_default(), tail)
        } else {
            rest.to_string()
        };
        keys.extend(key_of(&full));
    }
    keys
}

/// Runs a command under strace and under the runner; returns both sets of failures.
fn both(argv: &[&str]) -> (BTreeSet<Key>, BTreeSet<Key>) {
    both_with(&[], argv)
}

/// The same with runner flags (`--full`); the runner's failures are kept to strace's call set.
fn both_with(flags: &[&str], argv: &[&str]) -> (BTreeSet<Key>, BTreeSet<Key>) {
    let (log, code) = strace(
        &["-f", "-qq", "-e", &format!("trace={}", strace_set())],
        argv,
    );
    let oracle = strace_failures(&log);
    assert!(code.is_some(), "strace ran {argv:?} to its end");
    let traced = run(flags, argv);
    let names = traced_names();
    let ours = traced
        .trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Syscall && e.errno.is_some())
        .filter_map(|e| {
            let key = key_of(&e.call)?;
            if !names.contains(&key.0.as_str()) {
                return None;
            }
            assert_eq!(Some(key.0.as_str()), e.syscall.as_deref(), "{}", e.call);
            assert_eq!(Some(key.2.as_str()), e.errno.as_deref(), "{}", e.call);
            Some(key)
        })
        .collect();
    (oracle, ours)
}

/// Asserts both agree, in prefiltered and in `--full` mode, and that the case's own failure is
/// among them.
fn agree(argv: &[&str], expect: (&str, &str, &str)) {
    agree_with(&[], argv, expect);
    agree_with(&["--full"], argv, expect);
}

fn agree_with(flags: &[&str], argv: &[&str], expect: (&str, &str, &str)) {
    let (oracle, ours) = both_with(flags, argv);
    let only_strace: Vec<_> = oracle.difference(&ours).collect();
    let only_runner: Vec<_> = ours.difference(&oracle).collect();
    assert!(
        only_strace.is_empty() && only_runner.is_empty(),
        "{flags:?} {argv:?}\nonly strace: {only_strace:#?}\nonly runner: {only_runner:#?}"
    );
    let expect = (
        expect.0.to_string(),
        expect.1.to_string(),
        expect.2.to_string(),
    );
    assert!(
        ours.contains(&expect),
        "{argv:?}: {expect:?} not in {ours:#?}"
    );
}

/// `argv` run under strace with these options and `-o FILE` (its output kept from the test's):
/// its log and the program's exit code.
fn strace(options: &[&str], argv: &[&str]) -> (String, Option<i32>) {
    let dir = scratch();
    let log = dir.path().join("strace.log");
    let status = Command::new("strace")
        .args(options)
        .arg("-o")
        .arg(&log)
        .args(argv)
        .output()
        .expect("strace runs")
        .status;
    (std::fs::read_to_string(&log).unwrap(), status.code())
}

/// `argv` run under `strace -e trace=CALLS` alone (no `-f`).
fn strace_only(calls: &str, argv: &[&str]) -> (String, Option<i32>) {
    strace(&["-qq", "-e", &format!("trace={calls}")], argv)
}

/// The first line of `syscall` in an strace log, its column padding squeezed.
fn first_line_of(log: &str, syscall: &str) -> String {
    log.lines()
        .find(|l| l.starts_with(&format!("{syscall}(")))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| panic!("strace shows no {syscall}:\n{log}"))
}

fn write_exec(path: &Path, body: &[u8]) {
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

/// A closed loopback port: bound once by us, then released.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn missing_file() {
    agree(
        &["cat", "/nonexistent-dd/file"],
        ("openat", "/nonexistent-dd/file", "ENOENT"),
    );
}

#[test]
fn unreadable_file_as_another_user() {
    let dir = scratch();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "x").unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let s = secret.to_str().unwrap();
    // Root reads anything: drop to nobody. Another user cannot read root's 0600 file anyway.
    let mut argv = vec!["/bin/cat", s];
    if nix::unistd::geteuid().is_root() {
        argv.splice(
            0..0,
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
            ],
        );
    } else {
        std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o000))
            .unwrap();
    }
    agree(&argv, ("openat", s, "EACCES"));
}

#[test]
fn missing_shebang_interpreter() {
    let dir = scratch();
    let script = dir.path().join("script");
    write_exec(&script, b"#!/nonexistent-dd/bash\necho hi\n");
    let s = script.to_str().unwrap();
    agree(&[s], ("execve", s, "ENOENT"));
}

#[test]
fn crlf_shebang() {
    let dir = scratch();
    let script = dir.path().join("crlf.sh");
    write_exec(&script, b"#!/bin/sh\r\necho hi\r\n");
    let s = script.to_str().unwrap();
    agree(&["/bin/busybox", "sh", "-c", s], ("execve", s, "ENOENT"));
}

#[test]
fn absent_elf_interpreter() {
    let dir = scratch();
    let bin = dir.path().join("no-loader");
    let mut bytes = std::fs::read(program("exit_with")).unwrap();
    let from = b"/lib64/ld-linux-x86-64.so.2";
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("a glibc PT_INTERP");
    bytes[at..at + from.len()].copy_from_slice(b"/lib64/ld-nolib-x86-64.so.2");
    write_exec(&bin, &bytes);
    let s = bin.to_str().unwrap();
    agree(&[s, "code", "0"], ("execve", s, "ENOENT"));
}

#[test]
fn connect_to_closed_port() {
    let port = closed_port().to_string();
    let prog = program("net");
    agree(
        &[prog.to_str().unwrap(), "connect", &port],
        ("connect", &format!("port {port}"), "ECONNREFUSED"),
    );
}

/// A non-blocking connect fails late: the runner's `getsockopt(SO_ERROR)` line is strace's, and
/// the trace read back folds its error into the connect (`trace::deferred`).
#[test]
fn connect_nonblocking_to_closed_port() {
    let port = closed_port().to_string();
    let prog = program("net");
    let argv = [prog.to_str().unwrap(), "connect-nonblocking", &port];
    let (log, code) = strace_only("connect,getsockopt", &argv);
    assert_eq!(code, Some(1), "the program saw its connect fail");
    let strace_line = first_line_of(&log, "getsockopt");
    let traced = run(&[], &argv);
    assert_eq!(traced.status.code(), Some(1));
    let events = &traced.trace.events;
    let ours = events
        .iter()
        .find(|e| e.syscall.as_deref() == Some("getsockopt"))
        .expect("the runner records a getsockopt that reported an error");
    assert_eq!(ours.call, strace_line);
    let connect = events
        .iter()
        .find(|e| e.syscall.as_deref() == Some("connect"))
        .expect("the connect is recorded");
    assert_eq!(
        connect.errno.as_deref(),
        Some("ECONNREFUSED"),
        "{}",
        connect.call
    );
    assert_eq!(connect.port, port.parse().ok());
    assert!(connect.call.contains("EINPROGRESS"), "{}", connect.call);
}

#[test]
fn dns_queries_name_their_host() {
    let prog = program("net");
    let argv = [
        prog.to_str().unwrap(),
        "dns-query",
        "orders-db.example.test",
    ];
    let (log, code) = strace_only("sendto,sendmmsg,write", &argv);
    assert_eq!(code, Some(1), "the program sent its queries");
    let squeezed = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    let strace_sends: Vec<String> = log
        .lines()
        .filter(|l| l.starts_with("sendto(") || l.starts_with("write("))
        .map(squeezed)
        .collect();
    let traced = run(&[], &argv);
    assert_eq!(traced.status.code(), Some(1));
    let sends: Vec<_> = traced
        .trace
        .events
        .iter()
        .filter(|e| {
            e.query.is_some() || e.syscall.as_deref().is_some_and(|s| s.starts_with("send"))
        })
        .collect();
    let names: Vec<_> = sends
        .iter()
        .map(|e| e.syscall.as_deref().unwrap())
        .collect();
    // The last two go to connected sockets, which the prefilter cannot tell from other traffic:
    // the tracer follows a task from its connect to port 53 to its send.
    assert_eq!(
        names,
        ["sendto", "sendmmsg", "sendto", "write"],
        "every query is recorded"
    );
    let ours: Vec<String> = [&sends[0], &sends[2], &sends[3]]
        .iter()
        .map(|e| squeezed(&e.call))
        .collect();
    assert_eq!(ours, strace_sends, "the sends read as strace shows them");
    assert_eq!(sends[0].port, Some(53));
    for e in &sends {
        assert_eq!(
            e.query.as_deref(),
            Some("orders-db.example.test"),
            "{}",
            e.call
        );
    }
    // strace's own lines of the same sends say the same to the log reader.
    let read = docker_diagnose::trace::strace_log::parse(log.as_bytes()).unwrap();
    let queries: Vec<_> = read
        .events
        .iter()
        .filter_map(|e| Some((e.syscall.as_deref()?, e.query.as_deref()?)))
        .collect();
    // Its 32 bytes of each buffer end inside the name: the reader says what it saw.
    let cut = "orders-db.example.t...";
    assert_eq!(
        queries,
        [
            ("sendto", cut),
            ("sendmmsg", cut),
            ("sendto", cut),
            ("write", cut)
        ]
    );
}

#[test]
fn connect_ipv6() {
    let port = closed_port().to_string();
    let prog = program("net");
    let (oracle, ours) = both(&[prog.to_str().unwrap(), "connect6", &port]);
    assert_eq!(oracle, ours);
    // Refused, or no IPv6 here: either way one failing connect on that port.
    assert!(ours
        .iter()
        .any(|k| k.0 == "connect" && k.1 == format!("port {port}")));
}

#[test]
fn connect_to_missing_unix_socket() {
    let prog = program("net");
    agree(
        &[
            prog.to_str().unwrap(),
            "connect-unix",
            "/nonexistent-dd/app.sock",
        ],
        ("connect", "/nonexistent-dd/app.sock", "ENOENT"),
    );
}

#[test]
fn bind_to_used_port() {
    let port = closed_port().to_string();
    let prog = program("net");
    agree(
        &[prog.to_str().unwrap(), "bind-twice", &port],
        ("bind", &format!("port {port}"), "EADDRINUSE"),
    );
}

#[test]
fn fork_exec_chain() {
    let prog = program("spawn");
    agree(
        &[
            prog.to_str().unwrap(),
            "/bin/busybox",
            "sh",
            "-c",
            "cat /nonexistent-dd/a; /bin/ls /nonexistent-dd/b",
        ],
        ("statx", "/nonexistent-dd/b", "ENOENT"),
    );
}

#[test]
fn vfork_exec_chain() {
    let prog = program("spawn");
    agree(
        &[prog.to_str().unwrap(), "vfork", "cat", "/nonexistent-dd/c"],
        ("openat", "/nonexistent-dd/c", "ENOENT"),
    );
}

#[test]
fn multithreaded() {
    let prog = program("threads");
    agree(
        &[prog.to_str().unwrap()],
        ("openat", "/tmp/dd-missing-thread-3", "ENOENT"),
    );
}

#[test]
fn non_utf8_and_odd_names() {
    let prog = program("oddnames");
    agree(
        &[prog.to_str().unwrap()],
        ("openat", r"/tmp/dd-\377\376-missing", "ENOENT"),
    );
    let (_, ours) = both(&[prog.to_str().unwrap()]);
    assert!(ours.contains(&(
        "openat".into(),
        r#"/tmp/dd-\0017-\"quoted\"\t-missing"#.into(),
        "ENOENT".into()
    )));
}

#[test]
fn mkdir_under_missing_parent() {
    agree(
        &["mkdir", "/nonexistent-dd/a"],
        ("mkdir", "/nonexistent-dd/a", "ENOENT"),
    );
}

#[test]
fn rename_missing() {
    agree(
        &["mv", "/tmp/dd-missing-src", "/tmp/dd-missing-dst"],
        ("renameat2", "/tmp/dd-missing-src", "ENOENT"),
    );
}

#[test]
fn unlink_chmod_chown_readlink_missing() {
    agree(
        &["rm", "/tmp/dd-missing-rm"],
        ("unlinkat", "/tmp/dd-missing-rm", "ENOENT"),
    );
    agree(
        &["chmod", "644", "/nonexistent-dd"],
        ("newfstatat", "/nonexistent-dd", "ENOENT"),
    );
    agree(
        &["chown", "1:1", "/nonexistent-dd"],
        ("newfstatat", "/nonexistent-dd", "ENOENT"),
    );
    agree(
        &["/bin/busybox", "readlink", "/nonexistent-dd"],
        ("readlink", "/nonexistent-dd", "ENOENT"),
    );
}

#[test]
fn shell_cd_and_command_not_found() {
    agree(
        &["/bin/busybox", "sh", "-c", "cd /nonexistent-dd"],
        ("chdir", "/nonexistent-dd", "ENOENT"),
    );
    agree(
        &["/bin/busybox", "sh", "-c", "/nonexistent-dd/cmd"],
        ("execve", "/nonexistent-dd/cmd", "ENOENT"),
    );
}

#[test]
fn exec_a_directory_and_a_non_executable() {
    let dir = scratch();
    let plain = dir.path().join("plain");
    std::fs::write(&plain, "echo hi\n").unwrap();
    let d = dir.path().to_str().unwrap();
    agree(&["/bin/busybox", "sh", "-c", d], ("execve", d, "EACCES"));
    let p = plain.to_str().unwrap();
    agree(&["/bin/busybox", "sh", "-c", p], ("execve", p, "EACCES"));
}

#[test]
fn parser_reads_strace_lines() {
    let log = "7 openat(AT_FDCWD, \"/a\\\"b\", O_RDONLY <unfinished ...>\n\
               8 connect(3, {sa_family=AF_INET, sin_port=htons(5432), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 ECONNREFUSED (Connection refused)\n\
               7 <... openat resumed>) = -1 ENOENT (No such file or directory)\n\
               7 newfstatat(3, \"\", 0x1, AT_EMPTY_PATH) = -1 EBADF (Bad file descriptor)\n\
               7 +++ exited with 1 +++\n";
    let keys = strace_failures(log);
    let want: BTreeSet<Key> = [
        ("openat", "/a\\\"b", "ENOENT"),
        ("connect", "port 5432", "ECONNREFUSED"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(keys, want);
}

/// (path, descriptor) of each successful `openat` in strace-style lines, sorted.
fn opened(lines: impl Iterator<Item = String>) -> Vec<(String, i64)> {
    let mut opened: Vec<_> = lines
        .filter_map(|line| {
            let args = &line[line.find("openat(")? + 7..];
            let (args, fd) = args.rsplit_once(" = ")?;
            Some((subject(args), fd.trim().parse::<i64>().ok()?))
        })
        .collect();
    opened.sort();
    opened
}

/// Every successful open is recorded with the descriptor the kernel returned (its exit stop;
/// a runner that foresaw descriptors was tried, see docs/bench.md): strace sees the same ones,
/// with holes in the table, a directory, a descriptor limit reached (EMFILE) and a thread.
#[test]
fn successful_opens_return_the_descriptors_strace_saw() {
    let dir = scratch();
    let d = dir.path().to_str().unwrap();
    for name in ["a", "b", "c"] {
        std::fs::write(dir.path().join(name), name).unwrap();
    }
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let script = format!(
        "ls -R {d} >/dev/null; exec 3<{d}/a 5<{d}/b; cat {d}/c {d}/a >/dev/null; exec 3<&-; \
         cat {d}/b >/dev/null; exec 8<{d}/sub; (exec 3<{d}/a 4<&-; ulimit -n 4; cat {d}/c); exit 0"
    );
    let thread = program("thread_open");
    let commands: [&[&str]; 2] = [
        &["/bin/busybox", "sh", "-c", &script],
        &[thread.to_str().unwrap(), d],
    ];
    for argv in commands {
        let (log, code) = strace(&["-f", "-qq", "-e", "trace=openat"], argv);
        assert_eq!(code, Some(0), "{argv:?}");
        let oracle = opened(log.lines().map(str::to_string));
        if argv[0] == "/bin/busybox" {
            assert!(
                log.contains("EMFILE"),
                "the descriptor limit is reached:\n{log}"
            );
        }
        let traced = run(&[], argv);
        assert_eq!(traced.status.code(), Some(0), "{argv:?}");
        let ours = opened(
            traced
                .trace
                .events
                .iter()
                .filter(|e| e.syscall.as_deref() == Some("openat") && e.errno.is_none())
                .map(|e| e.call.clone()),
        );
        assert_eq!(ours, oracle, "{argv:?}: runner (left), strace (right)");
        assert!(oracle.iter().any(|(p, _)| p.ends_with("/b")), "{oracle:?}");
    }
}

#[test]
fn dns_answers_say_what_the_name_server_answered() {
    if !common::root_for("a name server of its own on port 53") {
        return;
    }
    let prog = program("net");
    // glibc receives with recvfrom, Go with read; neither call stops in the prefilter.
    for how in ["recvfrom", "read"] {
        let argv = [prog.to_str().unwrap(), "dns-answer", how];
        let (log, code) = strace_only("sendto,recvfrom,read", &argv);
        assert_eq!(code, Some(1), "the program got its NXDOMAIN under strace");
        let traced = run(&[], &argv);
        assert_eq!(traced.status.code(), Some(1), "{how}");
        let answers: Vec<_> = traced
            .trace
            .events
            .iter()
            .filter(|e| e.rcode.is_some())
            .collect();
        assert_eq!(answers.len(), 1, "{how}: {answers:#?}");
        assert!(
            !traced
                .trace
                .events
                .iter()
                .any(|e| e.syscall.as_deref() == Some("poll")),
            "{how}: a wait that brought the answer is not recorded"
        );
        let answer = answers[0];
        assert_eq!(answer.syscall.as_deref(), Some(how));
        assert_eq!(answer.rcode.as_deref(), Some("NXDOMAIN"));
        assert_eq!(answer.answers, Some(0));
        let fd = answer.fd.expect("the socket");
        let strace_line = first_line_of(
            &log.lines()
                .filter(|l| l.starts_with(&format!("{how}({fd},")))
                .collect::<Vec<_>>()
                .join("\n"),
            how,
        );
        let ours = answer.call.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(ours, strace_line, "{how}: read as strace shows it");
        // The query that went before it names the host.
        assert!(
            traced
                .trace
                .events
                .iter()
                .any(|e| e.query.as_deref() == Some("db")),
            "{how}: the query is recorded"
        );
        // strace's line says the same to the log reader (glibc's recvfrom; a read is left alone).
        let read = docker_diagnose::trace::strace_log::parse(log.as_bytes()).unwrap();
        let rcodes: Vec<_> = read
            .events
            .iter()
            .filter_map(|e| e.rcode.as_deref())
            .collect();
        let want: &[&str] = if how == "recvfrom" {
            &["NXDOMAIN"]
        } else {
            &[]
        };
        assert_eq!(rcodes, want, "{how}");
    }
}

#[test]
fn signals_read_as_strace_shows_them_and_name_their_sender() {
    let prog = program("signals");
    let argv = [prog.to_str().unwrap()];
    let (log, code) = strace(&["-f", "-qq", "-e", "trace=none"], &argv);
    assert_eq!(code, Some(0));
    // Pids and the address of the trapped call differ between two runs: each `si_pid` is told
    // as the receiver itself or another process.
    let normal = |pid: i32, line: &str| -> String {
        line.split(", ")
            .map(|field| match field.split_once('=') {
                Some(("si_pid", n)) if n == pid.to_string() => "si_pid=self".to_string(),
                Some(("si_pid", _)) => "si_pid=other".to_string(),
                Some(("si_call_addr", _)) => "si_call_addr=ADDR".to_string(),
                _ => field.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let read = docker_diagnose::trace::strace_log::parse(log.as_bytes()).unwrap();
    let theirs: Vec<(String, Option<bool>)> = read
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Signal)
        .map(|e| (normal(e.pid, &e.call), e.sender.map(|s| s == e.pid)))
        .collect();
    let traced = run(&[], &argv);
    assert_eq!(traced.status.code(), Some(0));
    let ours: Vec<(String, Option<bool>)> = traced
        .trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Signal)
        .map(|e| (normal(e.pid, &e.call), e.sender.map(|s| s == e.pid)))
        .collect();
    assert_eq!(ours, theirs, "the runner's signal lines are strace's");
    let codes: Vec<&str> = ours
        .iter()
        .filter_map(|(line, _)| line.split("si_code=").nth(1)?.split([',', '}']).next())
        .collect();
    assert_eq!(
        codes,
        [
            "SI_USER",
            "SI_TKILL",
            "SI_QUEUE",
            "CLD_EXITED",
            "CLD_KILLED",
            "SEGV_MAPERR",
            "SYS_SECCOMP"
        ],
        "every sort of signal was delivered: {ours:#?}"
    );
    let senders: Vec<Option<bool>> = ours.iter().map(|(_, sender)| *sender).collect();
    assert_eq!(
        senders,
        [Some(true), Some(true), Some(true), None, None, None, None],
        "a signal a process sent names its sender (itself here); the kernel's name none"
    );
    assert!(ours[5].0.contains("si_addr=0x10"), "{}", ours[5].0);
    assert!(
        ours[6].0.contains("si_syscall=__NR_getppid"),
        "{}",
        ours[6].0
    );
}

#[test]
fn a_wait_for_an_answer_that_never_comes_names_the_silent_server() {
    if !common::root_for("a silent name server of its own on port 53") {
        return;
    }
    let prog = program("net");
    let argv = [prog.to_str().unwrap(), "dns-timeout"];
    let (log, code) = strace_only("connect,sendto,poll", &argv);
    assert_eq!(code, Some(1), "the wait timed out under strace");
    let strace_line = first_line_of(&log, "poll");
    let traced = run(&[], &argv);
    assert_eq!(traced.status.code(), Some(1));
    let waits: Vec<_> = traced
        .trace
        .events
        .iter()
        .filter(|e| e.syscall.as_deref() == Some("poll"))
        .collect();
    assert_eq!(waits.len(), 1, "{waits:#?}");
    let ours = waits[0]
        .call
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(ours, strace_line, "read as strace shows it");
    assert!(ours.ends_with("= 0 (Timeout)"), "{ours}");
    assert_eq!(
        (waits[0].addr.as_deref(), waits[0].port),
        (Some("127.0.0.3"), Some(53)),
        "the wait names the server it waited for"
    );
    // strace's own lines say the same to the log reader, which finds the server by the socket.
    let read = docker_diagnose::trace::strace_log::parse(log.as_bytes()).unwrap();
    let theirs: Vec<_> = read
        .events
        .iter()
        .filter(|e| e.syscall.as_deref() == Some("poll"))
        .map(|e| (e.addr.as_deref(), e.port))
        .collect();
    assert_eq!(theirs, [(Some("127.0.0.3"), Some(53))]);
}

/// SIGKILL reaches no tracer as a signal: the runner stops at the kill calls that send it (and
/// at no other), and reads them as strace does, naming the process they kill.
#[test]
fn kill_calls_that_send_sigkill_read_as_strace_shows_them() {
    let argv = [
        "/bin/sh",
        "-c",
        "sleep 5 & a=$!; sleep 5 & b=$!; kill -TERM $a; kill -KILL $b; wait",
    ];
    let (log, code) = strace(&["-f", "-qq", "-e", "trace=kill"], &argv);
    assert_eq!(code, Some(0));
    // strace splits a call another process's line interrupts; its reader joins them.
    let read = docker_diagnose::trace::strace_log::parse(log.as_bytes()).unwrap();
    let theirs: Vec<String> = read
        .events
        .iter()
        .filter(|e| e.signal.as_deref() == Some("SIGKILL") && e.syscall.as_deref() == Some("kill"))
        .map(|e| numbers_as_n(&e.call))
        .collect();
    assert_eq!(theirs, ["kill(N, SIGKILL) = N"], "{log}");
    let traced = run(&[], &argv);
    assert_eq!(traced.status.code(), Some(0));
    let kills: Vec<_> = traced
        .trace
        .events
        .iter()
        .filter(|e| e.syscall.as_deref() == Some("kill"))
        .collect();
    let ours: Vec<String> = kills.iter().map(|e| numbers_as_n(&e.call)).collect();
    assert_eq!(
        ours, theirs,
        "only the SIGKILL stops, and it reads as strace's"
    );
    let target = kills[0].target.expect("the kill names its target");
    assert_eq!(kills[0].signal.as_deref(), Some("SIGKILL"));
    assert!(
        traced
            .trace
            .events
            .iter()
            .any(|e| e.pid == target && e.kind == EventKind::Killed),
        "the target is the process that died: {:#?}",
        traced.trace.events
    );
}

/// `text` with every run of digits as one `N` (pids differ between two runs).
fn numbers_as_n(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('N') {
            out.push('N');
        }
    }
    out
}

/// A raise above the hard limit (`ulimit -n 65536` of a shell run with 1024:4096) is refused;
/// the runner renders the limit set as strace does (`64*1024`, `RLIM64_INFINITY`), and records
/// neither the reads of a limit nor the sets that succeed.
#[test]
fn refused_limit_raises_read_as_strace_prints_them() {
    if !common::root_for("dropping to nobody with setpriv") {
        return;
    }
    let argv = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "prlimit",
        "--nofile=1024:4096",
        "sh",
        "-c",
        "ulimit -n 65536; ulimit -l unlimited; ulimit -c 1000; exit 0",
    ];
    let (log, code) = strace_only("prlimit64", &argv);
    assert_eq!(code, Some(0));
    let refused: Vec<String> = log
        .lines()
        .filter(|l| l.contains("EPERM"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(refused.len(), 2, "{log}");
    let traced = run(&[], &argv);
    assert_eq!(traced.status.code(), Some(0));
    let ours: Vec<String> = traced
        .trace
        .events
        .iter()
        .filter(|e| e.syscall.as_deref() == Some("prlimit64"))
        .map(|e| e.call.clone())
        .collect();
    assert_eq!(ours, refused);
}

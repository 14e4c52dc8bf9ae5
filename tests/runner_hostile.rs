//! Hostile and odd programs under `docker-diagnose trace -- CMD` (issue 6, item 3): a thousand
//! threads, megabytes of argv and environment, non-UTF-8 arguments and 4 KiB paths, endless
//! output, a program that ignores SIGTERM, ten thousand execs, a set-user-ID program, a program
//! that uses ptrace itself, and `trace` run under `strace -f`. Each checks that the exit is
//! reported as the program gave it, that the records stay bounded (a `dropped` count in the
//! report when bounds were reached, a small tracer), and that the run ends.
//!
//! The programs are `tests/programs/hostile.c` (modes, see its header) and `exec_chain.c`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::{bin, program, program_built_with, read_until_ready, scratch};
use docker_diagnose::trace::{read_records, EventKind, Trace};

/// What one `trace --format json --events FILE -- ARGV` gave.
struct Traced {
    out: Output,
    /// The program's own stdout, before the report.
    program_stdout: Vec<u8>,
    report: serde_json::Value,
    trace: Trace,
    events_bytes: u64,
}

/// The JSON report starts here in `trace`'s stdout (the program's output comes first).
const REPORT_START: &[u8] = b"{\n  \"schema\": \"docker-diagnose.report/v1\"";

fn split_report(stdout: &[u8]) -> (Vec<u8>, serde_json::Value) {
    let at = stdout
        .windows(REPORT_START.len())
        .rposition(|w| w == REPORT_START)
        .unwrap_or_else(|| panic!("no JSON report in {:?}", String::from_utf8_lossy(stdout)));
    let report = serde_json::from_slice(&stdout[at..]).expect("the report is JSON");
    (stdout[..at].to_vec(), report)
}

fn trace_cmd(events: &Path, argv: &[&std::ffi::OsStr]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(["trace", "--format", "json", "--events"])
        .arg(events)
        .arg("--")
        .args(argv);
    cmd
}

fn finish(out: Output, events: &Path) -> Traced {
    let (program_stdout, report) = split_report(&out.stdout);
    let file = std::fs::File::open(events).expect("the events file");
    let events_bytes = file.metadata().unwrap().len();
    let trace = read_records(BufReader::new(file)).expect("the events parse");
    Traced {
        out,
        program_stdout,
        report,
        trace,
        events_bytes,
    }
}

/// Runs `argv` under `trace` and waits for it.
fn traced(argv: &[&str]) -> Traced {
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let os: Vec<&std::ffi::OsStr> = argv.iter().map(|a| a.as_ref()).collect();
    let out = trace_cmd(&events, &os)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    finish(out, &events)
}

fn hostile() -> String {
    program("hostile").display().to_string()
}

/// The report's exit and the `End` record's must both be the program's.
fn assert_exit(t: &Traced, code: i32) {
    assert_eq!(t.report["exit"]["code"], code, "report: {}", t.report);
    assert_eq!(t.report["exit"]["signal"], serde_json::Value::Null);
    let end = t.trace.end.as_ref().expect("an End record");
    assert_eq!(end.exit.code, Some(code));
    // `--expect running` (the default) is not met by a program that ends.
    assert_eq!(t.out.status.code(), Some(1));
}

/// The tracer of a run whose events go to `events`: the process still running as
/// `docker-diagnose __run --events FILE` (the runner's own pid became the program).
fn tracer_of(events: &Path) -> Option<u32> {
    let want = events.as_os_str().as_bytes();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            (args.get(1) == Some(&&b"__run"[..]) && args.contains(&want)).then_some(pid)
        })
}

/// A process's peak resident memory, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// The tracer's memory does not grow with what the program does: its peak stays far below
/// what recording everything in memory would take.
const TRACER_PEAK_KIB: u64 = 64 << 10;

/// Starts `argv` under `trace` with piped stdin and stdout, and reads stdout up to `ready`.
fn start_until_ready(
    events: &Path,
    argv: &[&str],
) -> (Child, BufReader<std::process::ChildStdout>) {
    let os: Vec<&std::ffi::OsStr> = argv.iter().map(|a| a.as_ref()).collect();
    let mut child = trace_cmd(events, &os)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = read_until_ready(&mut child);
    (child, stdout)
}

fn rest(child: Child, mut stdout: BufReader<std::process::ChildStdout>, events: &Path) -> Traced {
    let mut text = Vec::new();
    stdout.read_to_end(&mut text).unwrap();
    let mut out = child.wait_with_output().unwrap();
    out.stdout = text;
    finish(out, events)
}

#[test]
fn a_thousand_threads_end_as_without_tracing() {
    let t = traced(&[&hostile(), "threads", "1000"]);
    assert_eq!(t.program_stdout, b"1000 threads\n");
    assert_exit(&t, 7);
    // Threads are not processes; each thread's creation is a recorded clone.
    assert_eq!(t.trace.end.as_ref().unwrap().processes, 1);
    let clones = t
        .trace
        .events
        .iter()
        .filter(|e| e.syscall.as_deref().is_some_and(|s| s.starts_with("clone")))
        .count();
    assert!(clones >= 1000, "{clones} clones recorded");
}

/// Megabytes of command line and of environment: Linux refuses more than about 6 MiB of argv
/// and environment together (3/4 of the 8 MiB `_STK_LIM`, whatever the stack limit), so 10 MB is
/// not possible; 5.5 MB each, with the stack limit raised so that the kernel takes them.
#[test]
fn megabytes_of_argv_or_env_pass_through_and_records_stay_small() {
    let big_stack = || {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit with a valid struct, between fork and exec. Only the soft
        // limit is raised (up to the hard one), which needs no privilege.
        unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut lim) };
        lim.rlim_cur = lim.rlim_max.min(256 << 20);
        if unsafe { libc::setrlimit(libc::RLIMIT_STACK, &lim) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    let hostile = hostile();
    let arg = "a".repeat(100_000);
    let mut argv: Vec<&str> = vec![&hostile, "sizes"];
    argv.extend(std::iter::repeat_n(arg.as_str(), 55));
    let want_argv = argv.iter().map(|a| a.len()).sum::<usize>();

    let dir = scratch();
    let events = dir.path().join("argv.jsonl");
    let os: Vec<&std::ffi::OsStr> = argv.iter().map(|a| a.as_ref()).collect();
    let mut cmd = trace_cmd(&events, &os);
    // SAFETY: the closure only calls setrlimit.
    unsafe { cmd.pre_exec(big_stack) };
    let t = finish(cmd.stdin(Stdio::null()).output().unwrap(), &events);
    let said = String::from_utf8_lossy(&t.program_stdout).into_owned();
    assert!(
        said.starts_with(&format!("argv {want_argv} env ")),
        "{said}"
    );
    assert_exit(&t, 3);
    // The header and the report keep a bounded copy of the command: 32 strings of 256 bytes.
    let header = t.trace.header.as_ref().unwrap();
    assert_eq!(header.argv.len(), 32);
    assert!(header.argv.iter().all(|a| a.len() <= 256));
    assert!(
        t.events_bytes < 200_000,
        "{} bytes of events",
        t.events_bytes
    );
    let command = t.report["target"]["command"].as_array().unwrap();
    assert!(command.len() <= 32 && command.iter().all(|a| a.as_str().unwrap().len() <= 256));

    let events = dir.path().join("env.jsonl");
    let mut cmd = trace_cmd(&events, &[hostile.as_ref(), "sizes".as_ref()]);
    cmd.env_clear().env("PATH", "/usr/bin:/bin");
    for i in 0..55 {
        cmd.env(format!("BIG{i:02}"), &arg);
    }
    // SAFETY: as above.
    unsafe { cmd.pre_exec(big_stack) };
    let t = finish(cmd.stdin(Stdio::null()).output().unwrap(), &events);
    let said = String::from_utf8_lossy(&t.program_stdout).into_owned();
    let want_env = 55 * ("BIG00=".len() + arg.len()) + "PATH=/usr/bin:/bin".len();
    assert!(said.ends_with(&format!(" env {want_env}\n")), "{said}");
    assert_exit(&t, 3);
    assert!(
        t.events_bytes < 200_000,
        "{} bytes of events",
        t.events_bytes
    );
}

/// Odd file names in calls are covered by `runner_oracle`'s `non_utf8_and_odd_names`; here, a
/// non-UTF-8 argument to `trace` itself, and paths of 4095 and 5000 bytes.
#[test]
fn non_utf8_arguments_and_4096_byte_paths() {
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff");
    let hostile = hostile();
    let out = trace_cmd(&events, &[hostile.as_ref(), "sizes".as_ref(), odd])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let t = finish(out, &events);
    let bare = Command::new(&hostile)
        .arg("sizes")
        .arg(odd)
        .output()
        .unwrap();
    let argv_part = |s: &[u8]| {
        String::from_utf8_lossy(s)
            .split(" env")
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(argv_part(&t.program_stdout), argv_part(&bare.stdout));
    assert_exit(&t, 3);
    assert_eq!(t.report["target"]["command"][2], "caf\u{fffd}-\u{fffd}");

    let t = traced(&[&hostile, "longpath"]);
    assert_eq!(
        String::from_utf8_lossy(&t.program_stdout),
        "open 4095: No such file or directory\nopen 5000: File name too long\n"
    );
    assert_exit(&t, 4);
    let opens: Vec<_> = t
        .trace
        .events
        .iter()
        .filter(|e| e.path.as_deref().is_some_and(|p| p.starts_with("/tmp/ddd")))
        .collect();
    assert_eq!(opens.len(), 2, "{opens:?}");
    assert_eq!(opens[0].errno.as_deref(), Some("ENOENT"));
    assert_eq!(opens[0].path.as_ref().unwrap().len(), 4095);
    // A path longer than the kernel takes is still recorded, bounded to 4 KiB.
    assert_eq!(opens[1].errno.as_deref(), Some("ENAMETOOLONG"));
    assert!(opens[1].path.as_ref().unwrap().len() <= 4096 + 3);
}

/// 40 MiB to each of stdout and stderr: every byte reaches the reader, the tails stay at 50
/// lines, and the tracer's memory does not grow with the output.
#[test]
fn endless_output_passes_through_and_stays_bounded() {
    const BLOCKS: u64 = 10_000;
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let mut child = Command::new(bin())
        .args(["trace", "--format", "json", "--events"])
        .arg(&events)
        .args(["--", &hostile(), "flood", &BLOCKS.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let count = |mut r: Box<dyn Read + Send>| {
        let events = events.clone();
        std::thread::spawn(move || {
            let (mut total, mut buf) = (0u64, vec![0u8; 1 << 16]);
            let mut kept = Vec::new();
            let mut peak = 0;
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                total += n as u64;
                // The report follows the program's output on stdout: keep the last bytes.
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 1 << 20 {
                    kept.drain(..kept.len() - (1 << 19));
                }
                if peak == 0 && total > BLOCKS * 4096 / 2 {
                    peak = tracer_of(&events).and_then(peak_rss_kib).unwrap_or(0);
                }
            }
            (total, kept, peak)
        })
    };
    let out = count(Box::new(child.stdout.take().unwrap()));
    let err = count(Box::new(child.stderr.take().unwrap()));
    let (out_bytes, out_tail, peak_a) = out.join().unwrap();
    let (err_bytes, _, peak_b) = err.join().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    let (program_part, report) = split_report(&out_tail);
    let report_len = out_tail.len() - program_part.len();
    assert_eq!(out_bytes - report_len as u64, BLOCKS * 4096);
    assert_eq!(err_bytes, BLOCKS * 4096);
    assert_eq!(report["exit"]["code"], 5);
    let trace = read_records(BufReader::new(std::fs::File::open(&events).unwrap())).unwrap();
    let end = trace.end.unwrap();
    assert_eq!(end.exit.code, Some(5));
    assert!(end.stdout_tail.len() <= 50 && end.stderr_tail.len() <= 50);
    assert!(end.stdout_tail.iter().all(|l| l.len() <= 512 + 3));
    let peak = peak_a.max(peak_b);
    assert!(peak > 0, "the tracer was not found while the program wrote");
    assert!(peak < TRACER_PEAK_KIB, "the tracer peaked at {peak} KiB");
}

/// 52,000 recorded calls outgrow the recorder's soft bound (50,000): the rest are counted as
/// dropped, in the `End` record and in the JSON report's `trace.dropped`, and the tracer's
/// memory stays small.
#[test]
fn recorder_bounds_are_reported_as_dropped() {
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let (mut child, stdout) = start_until_ready(&events, &[&hostile(), "stats", "52000"]);
    let tracer = tracer_of(&events).expect("the tracer runs while the program waits");
    let peak = peak_rss_kib(tracer).expect("the tracer's memory");
    drop(child.stdin.take());
    let t = rest(child, stdout, &events);
    assert_exit(&t, 6);
    let end = t.trace.end.as_ref().unwrap();
    assert!(end.dropped >= 2_000, "dropped {}", end.dropped);
    assert_eq!(t.report["trace"]["dropped"], end.dropped);
    assert!(t.events_bytes < 64 << 20);
    assert!(peak < TRACER_PEAK_KIB, "the tracer peaked at {peak} KiB");
}

/// SIGTERM ignored by the program stays ignored under the tracer (the tracer sees it and
/// re-injects it; the kernel then discards it): the program answers after it, and its exit
/// is its own.
#[test]
fn a_program_that_ignores_sigterm_keeps_running() {
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let (mut child, mut stdout) = start_until_ready(&events, &[&hostile(), "ignore-term"]);
    let trace_pid = child.id();
    let children =
        std::fs::read_to_string(format!("/proc/{trace_pid}/task/{trace_pid}/children")).unwrap();
    let program: i32 = children.split_whitespace().next().unwrap().parse().unwrap();
    // SAFETY: kill(2) on our own grandchild.
    assert_eq!(unsafe { libc::kill(program, libc::SIGTERM) }, 0);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"ping\n").unwrap();
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "pong\n", "the program did not survive SIGTERM");
    drop(stdin);
    let t = rest(child, stdout, &events);
    assert_exit(&t, 9);
    assert!(
        t.trace
            .events
            .iter()
            .any(|e| e.kind == EventKind::Signal && e.signal.as_deref() == Some("SIGTERM")),
        "the ignored SIGTERM is recorded"
    );
}

/// A static program without libc (cheap to exec): `exec_chain N` execs itself N times.
fn exec_chain() -> PathBuf {
    program_built_with(
        "exec_chain",
        &["-O1", "-static", "-nostdlib", "-fno-stack-protector"],
    )
}

#[test]
fn ten_thousand_execs_are_followed_to_the_end() {
    let chain = exec_chain().display().to_string();
    let t = traced(&[&chain, "10000"]);
    assert_eq!(t.program_stdout, b"done\n");
    assert_exit(&t, 8);
    let execs = t
        .trace
        .events
        .iter()
        .filter(|e| e.syscall.as_deref() == Some("execve") && e.ret == Some(0))
        .count();
    assert_eq!(execs, 10_001, "the first exec and ten thousand more");
    assert_eq!(t.trace.end.as_ref().unwrap().processes, 1);
}

/// ptrace cannot honour set-user-ID: traced, the program runs as its caller and a root-only
/// file it reads untraced is refused. The runner says so (a note with the file's mode and the
/// ids the process kept) and the finding explains that the refusal may be an artefact, instead
/// of blaming the file's permissions.
#[test]
fn a_setuid_program_that_ran_without_its_privilege_is_said_so() {
    if !common::root_for("making a set-user-ID root program") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch();
    let prog = dir.path().join("suid-reader");
    std::fs::copy(program("hostile"), &prog).unwrap();
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "key\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let as_nobody = |cmd: &mut Command| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(cmd.get_program())
            .args(cmd.get_args());
        c
    };
    let argv = [prog.as_os_str(), "ids".as_ref(), secret.as_os_str()];

    let bare = as_nobody(Command::new(&prog).args(&argv[1..]))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&bare.stdout),
        "euid 0 egid 65534\nopened\n"
    );

    let events = dir.path().join("events.jsonl");
    let out = as_nobody(&mut trace_cmd(&events, &argv))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let t = finish(out, &events);
    assert_eq!(
        String::from_utf8_lossy(&t.program_stdout),
        "euid 65534 egid 65534\nopen: Permission denied\n"
    );
    assert_exit(&t, 13);
    let note = t
        .trace
        .events
        .iter()
        .find(|e| e.kind == EventKind::Note && e.syscall.as_deref() == Some("execve"))
        .expect("a note about the set-user-ID program");
    let ev = note.evidence.as_ref().unwrap();
    assert_eq!(
        (ev.mode, ev.uid, ev.process_uid),
        (Some(0o4755), Some(0), Some(65534))
    );
    assert!(
        ev.notes[0].contains("set-user-ID to uid 0"),
        "{:?}",
        ev.notes
    );
    let primary = &t.report["findings"][0];
    assert_eq!(primary["rule"], "cap.setuid-not-gained", "{}", t.report);
    let summary = primary["summary"].as_str().unwrap();
    assert!(
        summary.contains(prog.to_str().unwrap()) && summary.contains("EACCES"),
        "{summary}"
    );
}

/// The same for file capabilities (`setcap cap_dac_read_search+ep`): the note names them.
#[test]
fn a_program_with_file_capabilities_that_ran_without_them_is_said_so() {
    if !common::root_for("setcap") {
        return;
    }
    let dir = scratch();
    let prog = dir.path().join("cap-reader");
    std::fs::copy(program("hostile"), &prog).unwrap();
    let setcap = Command::new("setcap")
        .arg("cap_dac_read_search+ep")
        .arg(&prog)
        .status()
        .expect("setcap (libcap2-bin) is installed");
    assert!(setcap.success());
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "key\n").unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let bare = Command::new("setpriv")
        .args(nobody)
        .arg(&prog)
        .arg("ids")
        .arg(&secret)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&bare.stdout),
        "euid 65534 egid 65534\nopened\n"
    );
    let events = dir.path().join("events.jsonl");
    let traced = trace_cmd(
        &events,
        &[prog.as_os_str(), "ids".as_ref(), secret.as_os_str()],
    );
    let out = Command::new("setpriv")
        .args(nobody)
        .arg(traced.get_program())
        .args(traced.get_args())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let t = finish(out, &events);
    assert_exit(&t, 13);
    let note = t
        .trace
        .events
        .iter()
        .find(|e| e.kind == EventKind::Note)
        .expect("a note about the file capabilities");
    let notes = &note.evidence.as_ref().unwrap().notes;
    assert!(
        notes[0].contains("given file capabilities 0x4"),
        "{notes:?}"
    );
    assert_eq!(t.report["findings"][0]["rule"], "cap.setuid-not-gained");
}

/// A set-user-ID program that gains nothing (its owner is the caller) gets no note.
#[test]
fn a_setuid_program_of_the_callers_own_gets_no_note() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch();
    let prog = dir.path().join("own-suid");
    std::fs::copy(program("hostile"), &prog).unwrap();
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let t = traced(&[prog.to_str().unwrap(), "ids", "/"]);
    assert_exit(&t, 0);
    assert!(!t.trace.events.iter().any(|e| e.kind == EventKind::Note));
}

/// A program that uses ptrace itself (anti-debugging with PTRACE_TRACEME, or a crash reporter
/// attaching to its child) finds the process already traced: its ptrace fails with EPERM, as
/// under any debugger. The runner does not break, the program's exit is reported, the refused
/// call is recorded and the finding says that the tracing is the cause.
#[test]
fn a_program_that_uses_ptrace_itself_is_reported_plainly() {
    for (mode, said, code) in [
        ("traceme", "traced\n", 10),
        ("attach-child", "attach failed\n", 11),
    ] {
        let t = traced(&[&hostile(), mode]);
        assert_eq!(String::from_utf8_lossy(&t.program_stdout), said);
        assert_exit(&t, code);
        assert!(t.trace.end.as_ref().unwrap().alive.is_empty());
        let refused =
            t.trace.events.iter().any(|e| {
                e.syscall.as_deref() == Some("ptrace") && e.errno.as_deref() == Some("EPERM")
            });
        assert!(refused, "{mode}: the refused ptrace is recorded");
        assert_eq!(
            t.report["findings"][0]["rule"], "cap.ptrace-already-traced",
            "{mode}"
        );
    }
}

/// `trace` under another tracer: the runner's attach fails, the command runs untraced (its
/// output and exit are its own), and `trace` says so in one line and exits 2 instead of a
/// report that would blame the command.
#[test]
fn trace_under_strace_says_so_in_one_line_and_exits_2() {
    let dir = scratch();
    let out = Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null"])
        .arg(bin())
        .args(["trace", "--events"])
        .arg(dir.path().join("events.jsonl"))
        .args(["--", &hostile(), "longpath"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("open 4095: "));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("docker-diagnose: cannot trace the command")
            && err.contains("being traced")
            && err.contains("exited with 4"),
        "{err}"
    );
}

/// Endless output to a reader that stops: the program dies of SIGPIPE, as without us (the
/// runner gives SIGPIPE back the disposition it was started with; Rust's runtime ignores it),
/// and `trace`, whose report has nowhere to go, says so in one line and exits 2 (no panic).
#[test]
fn endless_output_to_a_closed_pipe_dies_of_sigpipe_as_untraced() {
    use std::os::unix::process::ExitStatusExt;
    let read_then_close = |cmd: &mut Command| {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut buf = vec![0u8; 1 << 20];
        stdout.read_exact(&mut buf).unwrap();
        drop(stdout);
        child.wait().unwrap()
    };
    let dir = scratch();
    let bare = read_then_close(
        Command::new(hostile())
            .args(["flood", "0"])
            .stderr(Stdio::null()),
    );
    assert_eq!(bare.signal(), Some(libc::SIGPIPE));

    let events = dir.path().join("events.jsonl");
    let err_path = dir.path().join("stderr");
    let status = read_then_close(
        trace_cmd(
            &events,
            &[hostile().as_ref(), "flood".as_ref(), "0".as_ref()],
        )
        .stderr(std::fs::File::create(&err_path).unwrap()),
    );
    assert_eq!(status.code(), Some(2));
    let err = std::fs::read(&err_path).unwrap();
    let last = String::from_utf8_lossy(err.rsplit(|&b| b == b'x').next().unwrap()).into_owned();
    assert_eq!(
        last.trim_start_matches('\n'),
        "docker-diagnose: cannot write the report: Broken pipe (os error 32)\n"
    );
    let trace = read_records(BufReader::new(std::fs::File::open(&events).unwrap())).unwrap();
    let end = trace.end.expect("an End record");
    assert_eq!(end.exit.signal.as_deref(), Some("SIGPIPE"));
    assert_eq!(end.exit.code, None);
}

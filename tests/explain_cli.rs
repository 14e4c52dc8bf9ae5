//! `docker-diagnose explain` as a user runs it: the real binary on strace logs and saved reports,
//! from files and from standard input, and on every kind of bad input (exit 2, one line).

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_docker-diagnose");

fn fixture(name: &str) -> String {
    format!("{}/tests/strace-logs/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn explain(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("explain")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn explain_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .arg("explain")
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // The reader may stop early (a size limit): a broken pipe here is expected then.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Exit 2 and a single line on stderr that contains `words`, no panic, nothing on stdout.
fn assert_tool_error(out: &Output, words: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("docker-diagnose: "), "{stderr}");
    assert!(stderr.contains(words), "{words:?} not in: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_strace_log_from_a_file() {
    let out = explain(&["--format", "json", &fixture("exec-missing.log")]);
    assert_eq!(out.status.code(), Some(1), "exited, not running: {out:?}");
    let report = json(&out);
    assert_eq!(report["schema"], "docker-diagnose.report/v1");
    assert_eq!(report["outcome"], "exited");
    assert_eq!(report["exit"]["code"], 127);
    assert_eq!(report["exit"]["signal"], serde_json::Value::Null);
    assert_eq!(report["target"]["entrypoint"][0], "sh");
    assert_eq!(report["trace"]["processes"], 2);
    let stderr_tail = report["stderr_tail"].as_array().unwrap();
    assert!(stderr_tail
        .last()
        .unwrap()
        .as_str()
        .unwrap()
        .contains("/opt/app/bin/server: not found"));
    assert!(!report["findings"].as_array().unwrap().is_empty());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_strace_log_from_standard_input() {
    let log = std::fs::read(fixture("segv.log")).unwrap();
    let out = explain_stdin(&["--format", "json", "-"], &log);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["outcome"], "killed");
    assert_eq!(report["exit"]["signal"], "SIGSEGV");
    assert_eq!(report["exit"]["code"], serde_json::Value::Null);
}

#[test]
fn expect_exit0_is_met_by_a_clean_exit() {
    let out = explain(&["--expect", "exit0", "--format", "json", &fixture("f.log")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["exit"]["code"], 0);
}

#[test]
fn a_log_without_the_end_says_the_exit_is_unknown() {
    let log = b"12 openat(AT_FDCWD, \"/etc/app.conf\", O_RDONLY) = -1 ENOENT (No such file or directory)\n";
    let out = explain_stdin(&["--format", "json", "-"], log);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["outcome"], "exited");
    assert_eq!(report["exit"]["code"], serde_json::Value::Null);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: the log does not show how process 12 ended"),
        "{stderr}"
    );
}

/// Python with a timeout connects without blocking: `connect` says EINPROGRESS, and the refusal
/// comes from `getsockopt(SO_ERROR)`. The finding still names the address and port.
#[test]
fn a_refused_non_blocking_connect_in_a_real_log() {
    let out = explain(&["--format", "json", &fixture("nonblocking-connect.log")]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let top = &report["findings"][0];
    assert_eq!(top["kind"], "connection-refused", "{top:#}");
    let summary = top["summary"].as_str().unwrap();
    assert!(summary.contains("127.0.0.1:6379"), "{summary}");
}

/// Python's resolver error names no host (`Name or service not known`); the DNS query glibc sent,
/// quoted in the log's `sendmmsg` line, does.
#[test]
fn an_unresolved_name_in_a_real_python_log() {
    let out = explain(&["--format", "json", &fixture("dns-python.log")]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let top = &report["findings"][0];
    assert_eq!(top["kind"], "dns-failure", "{top:#}");
    let summary = top["summary"].as_str().unwrap();
    assert!(summary.contains("orders-db"), "{summary}");
    let evidence = top["evidence"].as_array().unwrap();
    assert!(
        evidence.iter().any(
            |e| e["syscall"] == "sendmmsg" && e["call"].as_str().unwrap().contains("orders-db")
        ),
        "{evidence:#?}"
    );
}

#[test]
fn a_saved_report_is_rendered_again_unchanged() {
    let first = explain(&["--format", "json", &fixture("connect.log")]);
    assert_eq!(first.status.code(), Some(1));
    let saved = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(saved.path(), &first.stdout).unwrap();
    let again = explain(&["--format", "json", saved.path().to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&first.stdout)
    );
    // Also from standard input, and in the other formats.
    let piped = explain_stdin(&["--format", "json", "-"], &first.stdout);
    assert_eq!(piped.stdout, first.stdout);
    for format in ["human", "markdown", "junit"] {
        let out = explain(&["--format", format, saved.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(!out.stdout.is_empty(), "{format}");
    }
}

#[test]
fn several_saved_reports() {
    let one = explain(&["--format", "json", &fixture("connect.log")]).stdout;
    let two = explain(&["--format", "json", &fixture("f.log")]).stdout;
    let first: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let second: serde_json::Value = serde_json::from_slice(&two).unwrap();
    // Saved one after the other, or as the array `--format json` prints for several images.
    let in_a_row = [one.clone(), two.clone()].concat();
    let out = explain_stdin(&["--format", "json", "--expect", "exit0", "-"], &in_a_row);
    // One of the two exited 1: the whole does not meet --expect exit0.
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out), serde_json::json!([first, second]));
    let out_again = explain_stdin(&["--format", "json", "-"], &out.stdout);
    assert_eq!(out_again.stdout, out.stdout);
}

#[test]
fn a_missing_file() {
    let out = explain(&["/nonexistent/trace.log"]);
    assert_tool_error(&out, "cannot read /nonexistent/trace.log");
}

#[test]
fn a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = explain(&[dir.path().to_str().unwrap()]);
    assert_tool_error(&out, "is a directory");
}

#[test]
fn empty_input() {
    let empty = tempfile::NamedTempFile::new().unwrap();
    assert_tool_error(&explain(&[empty.path().to_str().unwrap()]), "empty");
    assert_tool_error(&explain_stdin(&["-"], b""), "empty");
    assert_tool_error(&explain_stdin(&["-"], b"\n  \n"), "empty");
}

#[test]
fn binary_garbage() {
    let out = explain(&["/bin/busybox"]);
    assert_tool_error(
        &out,
        "neither a docker-diagnose JSON report nor a strace log",
    );
    let noise: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert_tool_error(&explain_stdin(&["-"], &noise), "nor a strace log");
}

/// `strace -c` counts calls and shows none: the line says how to record the calls instead.
#[test]
fn a_call_summary_table() {
    let out = Command::new("strace")
        .args(["-c", "-f", "ls", "/nope"])
        .output()
        .expect("strace runs");
    let table = String::from_utf8_lossy(&out.stderr);
    assert!(table.contains("usecs/call"), "{table}");
    assert_tool_error(
        &explain_stdin(&["-"], table.as_bytes()),
        "strace -f -o trace.log COMMAND",
    );
}

#[test]
fn a_file_over_the_size_limit() {
    let big = tempfile::NamedTempFile::new().unwrap();
    // Sparse: no disk is used.
    big.as_file().set_len(300 << 20).unwrap();
    assert_tool_error(
        &explain(&[big.path().to_str().unwrap()]),
        "larger than 256 MiB",
    );
}

#[test]
fn standard_input_over_the_size_limit() {
    let line = b"openat(AT_FDCWD, \"/etc/x\", O_RDONLY) = 3\n";
    let big = line.repeat((256 << 20) / line.len() + 100);
    assert_tool_error(
        &explain_stdin(&["-"], &big),
        "standard input is larger than 256 MiB",
    );
}

#[test]
fn broken_or_foreign_json() {
    let report = explain(&["--format", "json", &fixture("f.log")]).stdout;
    let cut = &report[..report.len() / 2];
    assert_tool_error(&explain_stdin(&["-"], cut), "the JSON report is not valid");
    let other = br#"{"schema": "docker-diagnose.report/v9", "findings": []}"#;
    assert_tool_error(
        &explain_stdin(&["-"], other),
        "this version reads docker-diagnose.report/v1",
    );
    let foreign = br#"{"schema": "something/else"}"#;
    assert_tool_error(
        &explain_stdin(&["-"], foreign),
        "not a docker-diagnose.report/v1 report",
    );
    let no_findings = String::from_utf8_lossy(&report).replacen(
        "\"findings\": [",
        "\"findings\": [], \"x\": [",
        1,
    );
    assert_tool_error(
        &explain_stdin(&["-"], no_findings.as_bytes()),
        "no findings",
    );
}

#[test]
fn bad_arguments() {
    let out = explain(&[]);
    assert_tool_error(&out, "FILE");
    let out = explain(&["--format", "yaml", &fixture("f.log")]);
    assert_tool_error(&out, "yaml");
}

#[test]
fn secrets_from_the_logged_environment_never_show() {
    for format in ["human", "json", "markdown", "junit"] {
        let out = explain(&["--format", format, &fixture("pasted-secret.txt")]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.is_empty());
        assert!(!text.contains("s3cr3t-value-42"), "{format}: {text}");
    }
}

#[test]
fn a_big_log_reads_the_same_from_a_file_and_from_a_pipe() {
    // Past 16 MiB a file is read in two halves at once, and past 1 MiB the lines are parsed on
    // a second thread: the diagnosis must not change. The real failure comes last, after
    // hundreds of thousands of probes and recovered calls.
    let mut log = String::new();
    for i in 0..130_000 {
        log.push_str(&format!(
            "7 openat(AT_FDCWD, \"/usr/lib/x86_64-linux-gnu/tls/libfoo.so.{}\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)\n",
            i % 7
        ));
        log.push_str("7 openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3\n");
    }
    log.push_str("7 openat(AT_FDCWD, \"/etc/app/settings.toml\", O_RDONLY) = -1 ENOENT (No such file or directory)\n");
    log.push_str("7 write(2, \"cannot read /etc/app/settings.toml\\n\", 35) = 35\n");
    log.push_str("7 exit_group(1) = ?\n7 +++ exited with 1 +++\n");
    assert!(log.len() > 17 << 20, "{} bytes", log.len());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.log");
    std::fs::write(&file, &log).unwrap();
    let from_file = explain(&["--format", "json", file.to_str().unwrap()]);
    let from_pipe = explain_stdin(&["--format", "json", "-"], log.as_bytes());
    assert_eq!(
        from_file.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&from_file.stderr)
    );
    let (a, b) = (json(&from_file), json(&from_pipe));
    assert_eq!(a, b);
    let summary = a["findings"][0]["summary"].as_str().unwrap();
    assert!(summary.contains("/etc/app/settings.toml"), "{summary}");
}

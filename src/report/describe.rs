//! The words every format shares — the headline, the exit, the command line, the evidence lines —
//! so that the human, Markdown and JUnit reports say the same thing the same way.

use crate::trace::names::errno_description;

use super::{Confidence, EvidenceLine, Kind, Outcome, Report, Target};

/// `missing-interpreter: /app/server needs ...`: the primary finding's kind and summary.
pub fn headline(report: &Report) -> String {
    match report.findings.first() {
        Some(f) => format!("{}: {}", f.kind, one_line(&f.summary)),
        // The contract says never empty, but a hand-edited saved report may be.
        None => "unknown: the report holds no finding".into(),
    }
}

/// What happened to the program, in words: `exited with code 127 after 812 ms`. A strace log
/// without timestamps gives no duration (0): then no time is said.
pub fn exit(report: &Report) -> String {
    let took = match report.duration_ms {
        0 => String::new(),
        ms => format!(" after {}", duration(ms)),
    };
    let e = &report.exit;
    let mut text = match report.outcome {
        Outcome::Running => format!("still running{took}"),
        Outcome::Exited => match e.code {
            Some(code) => format!("exited with code {code}{took}"),
            None => format!("exited{took}"),
        },
        Outcome::Killed => match &e.signal {
            // Out of memory says more than "killed outright".
            Some(sig) if e.oom_killed => format!("killed by {sig}{took}"),
            Some(sig) => format!("killed by {}{took}", signal(sig)),
            None => format!("killed{took}"),
        },
        Outcome::NotStarted => "never started".to_string(),
    };
    if report.outcome != Outcome::Killed {
        if let Some(sig) = &e.signal {
            text += &format!(" (signal {})", signal(sig));
        }
    }
    if e.oom_killed {
        text += ", OOMKilled (over its memory limit)";
    }
    text
}

/// A signal's name with what it usually means: `SIGSEGV (segmentation fault)`.
fn signal(name: &str) -> String {
    let meaning = match name {
        "SIGSEGV" => "segmentation fault: an invalid memory access",
        "SIGBUS" => "bus error: a bad memory access, often a truncated mapped file",
        "SIGILL" => "illegal instruction: built for another CPU",
        "SIGFPE" => "arithmetic error, such as a division by zero",
        "SIGABRT" => "the program aborted itself",
        "SIGKILL" => "killed outright",
        "SIGTERM" => "asked to terminate",
        "SIGINT" => "interrupted",
        "SIGHUP" => "hang-up",
        "SIGPIPE" => "wrote to a closed pipe",
        "SIGSYS" => "bad system call, often refused by seccomp",
        "SIGTRAP" => "trace or breakpoint trap",
        _ => return name.to_string(),
    };
    format!("{name} ({meaning})")
}

/// `812 ms`, `5.0 s`, `2 min 5 s`.
pub fn duration(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

/// The program and its arguments as they were run: entrypoint then command.
pub fn argv(target: &Target) -> Vec<String> {
    target
        .entrypoint
        .iter()
        .chain(&target.command)
        .cloned()
        .collect()
}

/// The program's command line, shell-quoted, ready to copy.
pub fn command_line(target: &Target) -> String {
    argv(target)
        .iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `docker run` line that runs what was diagnosed; for a host trace, the command itself.
pub fn docker_run_line(target: &Target) -> String {
    let Some(image) = &target.image else {
        return command_line(target);
    };
    let mut words = vec!["docker".to_string(), "run".to_string(), "--rm".to_string()];
    let flags = [
        ("--user", &target.user),
        ("--workdir", &target.working_dir),
        ("--platform", &target.platform),
    ];
    for (flag, value) in flags {
        if let Some(v) = value {
            words.extend([flag.to_string(), shell_quote(v)]);
        }
    }
    // `--entrypoint` takes only the program; the entrypoint's own arguments go after the image.
    let mut rest = argv(target).into_iter();
    if let Some(program) = target.entrypoint.first() {
        words.extend(["--entrypoint".to_string(), shell_quote(program)]);
        rest.next();
    }
    words.push(shell_quote(image));
    words.extend(rest.map(|a| shell_quote(&a)));
    words.join(" ")
}

/// Quotes a word for a POSIX shell, leaving plain words as they are.
pub fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The name a run goes by: the image, else the command, else `trace`.
pub fn target_name(target: &Target) -> String {
    match &target.image {
        Some(image) => image.clone(),
        None if !argv(target).is_empty() => command_line(target),
        None => "trace".to_string(),
    }
}

/// An image id as `docker images` shows it: the first 12 hex digits.
pub fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    hex.get(..12).unwrap_or(hex)
}

/// Whether evidence lines need `[pid N]` prefixes: only when several processes were traced, as
/// with `strace -f`.
pub fn show_pids(report: &Report) -> bool {
    let mut pids = report
        .findings
        .iter()
        .flat_map(|f| &f.evidence)
        .filter_map(|e| e.pid);
    let first = pids.next();
    report.trace.processes > 1 || pids.any(|p| Some(p) != first)
}

/// An evidence line in strace syntax: `[pid 7] openat(...) = -1 ENOENT (No such file or directory)`.
/// The result is added from `errno` when the call text does not already carry it.
pub fn strace_line(line: &EvidenceLine, with_pid: bool) -> String {
    let mut text = String::new();
    if let (true, Some(pid)) = (with_pid, line.pid) {
        text += &format!("[pid {pid}] ");
    }
    text += &line.call;
    if let Some(errno) = &line.errno {
        if !line.call.contains(" = ") {
            text += &format!(" = -1 {errno}");
            if let Some(desc) = errno_description(errno) {
                text += &format!(" ({desc})");
            }
        }
    }
    text
}

/// Whether the human report shows the stdout tail: when stderr said nothing, or when the program's
/// own words are the best clue (errors some programs log to stdout, a finished command's output).
pub fn stdout_is_useful(report: &Report) -> bool {
    let kind = report.findings.first().map(|f| f.kind);
    !report.stdout_tail.is_empty()
        && (report.stderr_tail.is_empty()
            || matches!(
                kind,
                Some(Kind::AppError | Kind::Unknown | Kind::ExitedCleanly | Kind::Daemonized)
            ))
}

/// `high`, `medium`, `low`: the names the JSON report uses.
pub fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// `Trace: 412 events from 3 processes`, with the dropped count when events were lost.
pub fn trace_counts(report: &Report) -> String {
    let t = &report.trace;
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut text = format!(
        "Trace: {} from {}",
        count(t.events, "event", "events"),
        count(t.processes, "process", "processes")
    );
    if t.dropped > 0 {
        text += &format!(
            ", {} dropped when the recorder's bounds were reached",
            count(t.dropped, "event", "events")
        );
    }
    text
}

/// Joins lines into one, for headings.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Shows control characters a program printed (escape sequences, backspaces, bidirectional
/// overrides) as escapes, so that a hostile program cannot drive the reader's terminal or disguise
/// text through the report.
pub fn printable(text: &str) -> String {
    let hidden = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(shell_quote("/app/server"), "/app/server");
        assert_eq!(shell_quote("--port=8080"), "--port=8080");
        assert_eq!(shell_quote("echo hi"), "'echo hi'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn docker_run_line_splits_the_entrypoint() {
        let target = Target {
            image: Some("app:1".into()),
            entrypoint: vec!["/bin/sh".into(), "-c".into()],
            command: vec!["exec server".into()],
            user: Some("app".into()),
            ..Default::default()
        };
        assert_eq!(
            docker_run_line(&target),
            "docker run --rm --user app --entrypoint /bin/sh app:1 -c 'exec server'"
        );
    }

    #[test]
    fn adds_the_result_only_when_missing() {
        let mut line = EvidenceLine {
            pid: Some(7),
            call: r#"openat(AT_FDCWD, "/x", O_RDONLY)"#.into(),
            errno: Some("ENOENT".into()),
            ..Default::default()
        };
        assert_eq!(
            strace_line(&line, true),
            r#"[pid 7] openat(AT_FDCWD, "/x", O_RDONLY) = -1 ENOENT (No such file or directory)"#
        );
        line.call += " = -1 ENOENT (No such file or directory)";
        assert_eq!(strace_line(&line, false), line.call);
    }

    #[test]
    fn an_unknown_duration_is_not_said() {
        use crate::report::{model::Tool, Exit};
        let mut report = Report {
            schema: String::new(),
            tool: Tool::default(),
            target: Target::default(),
            outcome: Outcome::Exited,
            exit: Exit {
                code: Some(1),
                signal: None,
                oom_killed: false,
            },
            duration_ms: 0,
            findings: Vec::new(),
            stdout_tail: Vec::new(),
            stderr_tail: Vec::new(),
            trace: Default::default(),
        };
        assert_eq!(exit(&report), "exited with code 1");
        report.duration_ms = 812;
        assert_eq!(exit(&report), "exited with code 1 after 812 ms");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(812), "812 ms");
        assert_eq!(duration(5_000), "5.0 s");
        assert_eq!(duration(125_000), "2 min 5 s");
    }

    #[test]
    fn escapes_terminal_controls() {
        assert_eq!(printable("a\u{1b}[2Jb\tc"), "a\\u{1b}[2Jb\tc");
        assert_eq!(printable("x\u{202e}y"), "x\\u{202e}y");
    }
}

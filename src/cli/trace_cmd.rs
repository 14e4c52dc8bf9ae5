//! `docker-diagnose trace [OPTIONS] -- COMMAND [ARG...]`: runs a host command under the runner
//! (this same binary in `__run` mode, with the terminal's stdio), reads its records back and
//! prints the report.

use std::fs::File;
use std::io::BufReader;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};

use anyhow::{Context, Result};
use nix::sys::signal::{signal, SigHandler, Signal};

use super::rule_loading::Loading;
use super::{output, TraceArgs};
use crate::report::{Exit, Outcome, Target};
use crate::rules::{self, Health, Observation};
use crate::trace::{read_records, Trace};

pub fn run(args: &TraceArgs) -> Result<u8> {
    // A user's rules are read first: a broken file must stop us before the command runs. The
    // built-in ones are read while the command runs (a few ms of TOML parsing; their patterns
    // compile on first use).
    let rules = Loading::start(args.output.rules.as_deref())?;
    // The events go to the user's file, or to a temporary one removed on every path out.
    let temp;
    let events = match &args.events {
        Some(path) => path.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("docker-diagnose-trace-")
                .suffix(".jsonl")
                .tempfile()
                .context("cannot create a temporary events file")?;
            temp.path().to_path_buf()
        }
    };
    let status = run_runner(&events, args)?;
    let file = File::open(&events)
        .with_context(|| format!("the runner left no trace in {}", events.display()))?;
    let trace = read_records(BufReader::new(file))
        .with_context(|| format!("cannot read {}", events.display()))?;
    // Under another tracer (`strace -f docker-diagnose trace ...`, a debugger) our attach fails:
    // the command ran untraced, and a report would have nothing to explain it with.
    if let Some(note) = trace
        .events
        .iter()
        .find(|e| e.kind == crate::trace::EventKind::Note && e.syscall.as_deref() == Some("ptrace"))
    {
        anyhow::bail!(
            "cannot trace the command ({}); is docker-diagnose itself being traced (strace -f, a debugger)? The command {}",
            note.call,
            describe_status(status)
        );
    }
    let obs = observation(args, trace, status);
    let report = rules::diagnose(&obs, &rules.wait()?);
    Ok(output::print_reports(&[report], &args.output))
}

/// Runs `/proc/self/exe __run --events FILE -- COMMAND...` and waits for it.
fn run_runner(events: &std::path::Path, args: &TraceArgs) -> Result<ExitStatus> {
    let exe = std::env::current_exe().context("cannot find this program's own binary")?;
    let mut cmd = Command::new(exe);
    cmd.arg(crate::runner::RUNNER_MODE)
        .arg("--events")
        .arg(events);
    if args.full {
        cmd.arg("--full");
    }
    cmd.arg("--").args(&args.command);
    let mut child = cmd.spawn().context("cannot start the runner")?;
    // Like system(3): a Ctrl-C or Ctrl-\ at the terminal is for the command, and we report.
    // Only after the spawn: an ignored signal would be inherited by the command.
    let ignore = |sig| {
        // SAFETY: installs SIG_IGN or the saved disposition, no handler code.
        unsafe { signal(sig, SigHandler::SigIgn) }
    };
    let saved = [Signal::SIGINT, Signal::SIGQUIT].map(|s| (s, ignore(s)));
    let status = child.wait().context("cannot wait for the runner");
    for (sig, old) in saved {
        if let Ok(old) = old {
            // SAFETY: restores the disposition we replaced.
            let _ = unsafe { signal(sig, old) };
        }
    }
    status
}

/// `exited with 3` / `was killed by SIGKILL`, for the one-line error.
fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with {code}"),
        (None, Some(sig)) => format!(
            "was killed by {}",
            crate::runner::decode::flags::signal_name(sig)
        ),
        _ => "ended".into(),
    }
}

fn observation(args: &TraceArgs, trace: Trace, status: ExitStatus) -> Observation {
    let end = trace.end.clone();
    let exit = match &end {
        Some(end) => Exit {
            code: end.exit.code,
            signal: end.exit.signal.clone(),
            oom_killed: false,
        },
        None => Exit {
            code: status.code(),
            signal: status
                .signal()
                .map(crate::runner::decode::flags::signal_name),
            oom_killed: false,
        },
    };
    let outcome = if exit.signal.is_some() {
        Outcome::Killed
    } else {
        Outcome::Exited
    };
    let (stdout_tail, stderr_tail, duration_ms) = end
        .map(|e| (e.stdout_tail, e.stderr_tail, e.duration_ms))
        .unwrap_or_default();
    Observation {
        target: Target {
            command: crate::runner::bounded_argv(&args.command),
            working_dir: std::env::current_dir()
                .ok()
                .map(|d| d.display().to_string()),
            ..Target::default()
        },
        outcome,
        exit,
        duration_ms,
        trace,
        stdout_tail,
        stderr_tail,
        docker_error: None,
        memory_limit: None,
        health: Health::None,
        secrets: secret_env_values(),
        bind_mounts: Vec::new(),
        network: None,
    }
}

/// Values of secret-looking variables in the environment the command inherits.
fn secret_env_values() -> Vec<String> {
    const MARKS: [&str; 7] = [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "KEY",
        "CREDENTIAL",
        "AUTH",
    ];
    std::env::vars()
        .filter(|(k, v)| !v.is_empty() && MARKS.iter().any(|m| k.to_uppercase().contains(m)))
        .map(|(_, v)| v)
        .collect()
}

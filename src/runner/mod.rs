//! The runner: runs a container's real entrypoint under ptrace and records what the kernel
//! refused.
//!
//! `docker-diagnose __run (--out DIR | --events FILE) [--full] [--no-spin] [--tracer-cap CAP]...
//! [--deny CALL]... -- ARGV...` keeps its
//! own pid for the program (PID 1 in a container): it forks a tracer that seizes it, then execs
//! the program. See `launch` for the layout, `tracer` for the loop, `docs/runner.md` for the why.

mod accounts;
pub mod decode;
pub mod evidence;
pub mod filter;
mod launch;
mod limits;
mod predict;
mod spin;
mod tails;
mod tracer;
mod tracer_caps;
mod writer;

use std::ffi::OsString;
use std::path::PathBuf;

/// The hidden first argument that selects runner mode.
pub const RUNNER_MODE: &str = "__run";

/// The processes the runner adds to a container's count of tasks: the tracer, which makes no
/// threads (the docker layer raises `--pids-limit` by this much; `limits` leaves it out).
pub const TRACER_TASKS: u64 = 1;

/// The file the runner writes inside `--out DIR`.
pub const EVENTS_FILE: &str = "events.jsonl";

/// What runner mode was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Where the JSON Lines records go.
    pub events: PathBuf,
    /// Stop on every system call instead of the prefiltered set.
    pub full: bool,
    /// May poll for the next stop instead of sleeping (`spin`); `--no-spin` is for the
    /// benchmark, which measures what polling gains.
    pub spin: bool,
    /// Capabilities the container holds for the tracer alone: the program drops them before
    /// its exec (`tracer_caps`).
    pub tracer_caps: Vec<caps::Capability>,
    /// Calls the program's filter refuses with EPERM, as the container's seccomp profile would
    /// without `tracer_caps`.
    pub deny: Vec<syscalls::Sysno>,
    /// The program and its arguments, before any `PATH` search.
    pub argv: Vec<OsString>,
}

impl Options {
    /// Parses `[--out DIR | --events FILE] [--full] [--no-spin] [--tracer-cap CAP]... [--deny
    /// CALL]... -- ARGV...` (by hand: this mode starts before anything else and stays small).
    pub fn parse(args: &[OsString]) -> Result<Options, String> {
        let mut events = None;
        let mut full = false;
        let mut spin = true;
        let mut tracer_caps = Vec::new();
        let mut deny = Vec::new();
        let mut it = args.iter();
        fn value<'a>(
            flag: &str,
            it: &mut std::slice::Iter<'a, OsString>,
        ) -> Result<&'a OsString, String> {
            it.next().ok_or_else(|| format!("{flag} needs a value"))
        }
        while let Some(arg) = it.next() {
            match arg.to_str() {
                Some("--") => break,
                Some("--full") => full = true,
                Some("--no-spin") => spin = false,
                Some(flag @ "--tracer-cap") => {
                    tracer_caps.push(tracer_caps::parse(&value(flag, &mut it)?.to_string_lossy())?)
                }
                Some(flag @ "--deny") => {
                    let name = value(flag, &mut it)?.to_string_lossy();
                    deny.push(
                        name.parse()
                            .map_err(|_| format!("unknown system call {name:?}"))?,
                    )
                }
                Some(flag @ ("--out" | "--events")) => {
                    let path = PathBuf::from(value(flag, &mut it)?);
                    events = Some(if flag == "--out" {
                        path.join(EVENTS_FILE)
                    } else {
                        path
                    });
                }
                _ => return Err(format!("unexpected argument {arg:?} (usage: __run --out DIR|--events FILE [--full] [--no-spin] [--tracer-cap CAP]... [--deny CALL]... -- COMMAND...)")),
            }
        }
        let argv: Vec<OsString> = it.cloned().collect();
        if argv.is_empty() {
            return Err("no command to run after --".into());
        }
        let events = events.ok_or("--out DIR or --events FILE is required")?;
        Ok(Options {
            events,
            full,
            spin,
            tracer_caps,
            deny,
            argv,
        })
    }
}

/// A command as records and reports show it: bounded like an exec's argv (32 strings of 256
/// bytes, lossily decoded), so that a command line of megabytes does not make a trace header
/// or a report of megabytes.
pub fn bounded_argv(argv: &[OsString]) -> Vec<String> {
    use std::os::unix::ffi::OsStrExt;
    argv.iter()
        .take(decode::ARGV_MAX)
        .map(|a| {
            let bytes = a.as_bytes();
            String::from_utf8_lossy(&bytes[..bytes.len().min(decode::ARG_MAX)]).into_owned()
        })
        .collect()
}

/// Runner mode's entry point; returns the exit status to give when the program could not be
/// started (once it runs, its exit is ours).
pub fn main(args: &[OsString]) -> u8 {
    match Options::parse(args) {
        Ok(opts) => launch::run(&opts),
        Err(e) => {
            eprintln!("docker-diagnose: {e}");
            crate::cli::EXIT_TOOL_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn parses_runner_args() {
        let o = Options::parse(&os(&["--out", "/d", "--full", "--", "ls", "--out"])).unwrap();
        assert_eq!(o.events, PathBuf::from("/d/events.jsonl"));
        assert!(o.full);
        assert_eq!(o.argv, os(&["ls", "--out"]));
        let o = Options::parse(&os(&["--events", "/e", "--", "x"])).unwrap();
        assert_eq!(
            (o.events.to_str(), o.full, o.spin),
            (Some("/e"), false, true)
        );
        assert!(
            !Options::parse(&os(&["--events", "/e", "--no-spin", "--", "x"]))
                .unwrap()
                .spin
        );
        let o = Options::parse(&os(&[
            "--events",
            "/e",
            "--tracer-cap",
            "sys_ptrace",
            "--deny",
            "kcmp",
            "--",
            "x",
        ]))
        .unwrap();
        assert_eq!(o.tracer_caps, [caps::Capability::CAP_SYS_PTRACE]);
        assert_eq!(o.deny, [syscalls::Sysno::kcmp]);
        assert!(Options::parse(&os(&["--events", "/e", "--deny", "nope", "--", "x"])).is_err());
        assert!(Options::parse(&os(&["--events", "/e", "--tracer-cap"])).is_err());
        assert!(Options::parse(&os(&["--events", "/e", "--"])).is_err());
        assert!(Options::parse(&os(&["--", "x"])).is_err());
        assert!(Options::parse(&os(&["--bogus"])).is_err());
        assert!(Options::parse(&os(&["--out"])).is_err());
    }
}

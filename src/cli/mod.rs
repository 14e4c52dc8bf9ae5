//! The command line: a thin layer that parses arguments, calls the library, prints the report
//! and turns the outcome into the exit status of `../shared/REPORT.md` (0 met `--expect`,
//! 1 did not, 2 could not do the job).

pub mod args;
pub mod diagnose;
pub mod explain;
pub mod output;
mod rule_loading;
mod trace_cmd;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use args::{
    ColorChoice, DemoArgs, DiagnoseArgs, Expect, ExplainArgs, Format, OutputOpts, TraceArgs,
};

/// Exit status when the tool could not do its job.
pub const EXIT_TOOL_ERROR: u8 = 2;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    // The runner mode must start before anything else (no threads, no runtime): it becomes the
    // container's program.
    if argv.get(1).is_some_and(|a| a == crate::runner::RUNNER_MODE) {
        return ExitCode::from(crate::runner::main(&argv[2..]));
    }
    match dispatch(argv) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("docker-diagnose: {}", one_line(&err));
            ExitCode::from(EXIT_TOOL_ERROR)
        }
    }
}

/// The error and its context on one line.
fn one_line(err: &anyhow::Error) -> String {
    let text = format!("{err:#}");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn dispatch(mut argv: Vec<OsString>) -> anyhow::Result<u8> {
    // As a Docker CLI plugin we are called as `docker-diagnose diagnose ARGS`.
    if argv.get(1).is_some_and(|a| a == "diagnose") {
        argv.remove(1);
    }
    let sub = argv.get(1).and_then(|a| a.to_str()).unwrap_or("");
    match sub {
        "docker-cli-plugin-metadata" => {
            println!("{}", plugin_metadata());
            Ok(0)
        }
        "explain" => {
            let args = parse::<ExplainArgs>(&argv[1..])?;
            explain::run(&args)
        }
        "trace" => {
            let args = parse::<TraceArgs>(&argv[1..])?;
            trace_cmd::run(&args)
        }
        "demo" => {
            let args = parse::<DemoArgs>(&argv[1..])?;
            diagnose::demo(args)
        }
        _ => {
            let args = parse::<DiagnoseArgs>(&argv)?;
            diagnose::diagnose(args)
        }
    }
}

/// Parses with clap; help and version print and exit 0, errors become one line.
fn parse<P: Parser>(argv: &[OsString]) -> anyhow::Result<P> {
    match P::try_parse_from(argv) {
        Ok(p) => Ok(p),
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            let _ = e.print();
            std::process::exit(0)
        }
        Err(e) => {
            // clap's message can go on over lines ("not provided:" then the argument): keep
            // all of it up to the usage, on one line.
            let text = e.to_string();
            let message = text
                .lines()
                .map(str::trim)
                .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
                .collect::<Vec<_>>()
                .join(" ");
            let message = message.trim_start_matches("error: ");
            anyhow::bail!("{message} (see --help)")
        }
    }
}

/// The answer to `docker-cli-plugin-metadata`, which makes `docker diagnose` work.
fn plugin_metadata() -> String {
    serde_json::json!({
        "SchemaVersion": "0.1.0",
        "Vendor": "docker-diagnose",
        "Version": env!("CARGO_PKG_VERSION"),
        "ShortDescription": "Explain why a container exits at start-up",
        "URL": "https://github.com/docker-diagnose/docker-diagnose",
    })
    .to_string()
}

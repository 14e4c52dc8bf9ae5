//! `docker-diagnose explain FILE|-`: a saved JSON report, re-rendered in any format without
//! analysing anything again, or a pasted strace log, diagnosed by the same rules as a live run.
//!
//! Input is read whole, up to [`MAX_INPUT`] bytes (256 MiB): a strace log a hundred times the
//! size of a long start-up is still read in about a second, while the events of a larger one
//! would take several times its size in memory. Larger inputs are refused with one line, as are
//! missing, empty and unreadable ones.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{bail, Context};

use super::output::print_reports;
use super::ExplainArgs;
use crate::report::redact::redact;
use crate::report::{Exit, Outcome, Report, Target, REPORT_SCHEMA};
use crate::rules::{self, Health, Observation, RuleSet};
use crate::trace::strace_log::{self, StraceLog};

/// The largest input `explain` reads.
pub const MAX_INPUT: u64 = 256 * 1024 * 1024;

/// What an input turned out to be.
#[derive(Debug)]
pub enum Input {
    /// One or more saved reports (one JSON object, several in a row, or an array of them).
    Reports(Vec<Report>),
    /// A strace log.
    Log(Box<StraceLog>),
}

/// Runs `explain`; returns the exit status.
pub fn run(args: &ExplainArgs) -> anyhow::Result<u8> {
    let name = if args.file == "-" {
        "standard input"
    } else {
        args.file.as_str()
    };
    let bytes = read_input(&args.file)?;
    let input = load(&bytes).with_context(|| format!("cannot explain {name}"))?;
    let reports = match input {
        Input::Reports(reports) => reports,
        Input::Log(log) => {
            let mut rules = RuleSet::builtin()?;
            if let Some(dir) = &args.output.rules {
                rules = rules.with_dir(dir)?;
            }
            let (obs, note) = observation(*log);
            if let Some(note) = note {
                eprintln!("docker-diagnose: note: {note}");
            }
            let mut report = rules::diagnose(&obs, &rules);
            redact(&mut report, &obs.secrets);
            // The process ends once the report is printed: freeing the events of a big log one
            // small string at a time would cost a tenth of the run, for memory the exit frees.
            std::mem::forget(obs);
            std::mem::forget(rules);
            vec![report]
        }
    };
    Ok(print_reports(&reports, &args.output))
}

/// Reads a file, or standard input for `-`, refusing more than [`MAX_INPUT`] bytes.
pub fn read_input(file: &str) -> anyhow::Result<Vec<u8>> {
    let too_big = |what: &str| {
        anyhow::anyhow!(
            "{what} is larger than {} MiB, the most explain reads; cut it to the part around the failure",
            MAX_INPUT >> 20
        )
    };
    let mut bytes = Vec::new();
    if file == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        if bytes.len() as u64 > MAX_INPUT {
            return Err(too_big("standard input"));
        }
        return Ok(bytes);
    }
    let path = Path::new(file);
    let mut f = std::fs::File::open(path).with_context(|| format!("cannot read {file}"))?;
    let meta = f
        .metadata()
        .with_context(|| format!("cannot read {file}"))?;
    if meta.is_dir() {
        bail!("cannot read {file}: it is a directory");
    }
    if meta.len() > MAX_INPUT {
        return Err(too_big(file));
    }
    // Reading into a buffer of the file's size spares the copies of a growing one. A pipe or a
    // /proc file reports no size: the limit still holds while reading.
    let size = meta.len() as usize;
    if size >= READ_IN_HALVES_FROM {
        bytes = read_in_halves(&f, size).with_context(|| format!("cannot read {file}"))?;
        f.seek(SeekFrom::Start(size as u64))
            .with_context(|| format!("cannot read {file}"))?;
    } else {
        bytes.reserve_exact(size + 1);
    }
    // What is left: all of a small file, whatever a big one grew by meanwhile.
    (&mut f)
        .take(MAX_INPUT + 1 - bytes.len() as u64)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {file}"))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(too_big(file));
    }
    Ok(bytes)
}

/// From how many bytes a file is read by two threads.
const READ_IN_HALVES_FROM: usize = 16 << 20;

/// Reads the first `size` bytes of a big file, its two halves at once: the copying from the
/// page cache and the faults of the fresh buffer (a third of the read each, on a virtual
/// machine) are shared by two cores.
fn read_in_halves(f: &std::fs::File, size: usize) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    // Zeroed memory comes from the kernel untouched: each half faults in on its own core.
    let mut bytes = vec![0u8; size];
    let (first, second) = bytes.split_at_mut(size / 2);
    std::thread::scope(|s| {
        let second = s.spawn(|| f.read_exact_at(second, (size / 2) as u64));
        let first = f.read_exact_at(first, 0);
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        first.and(second)
    })
    .map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => std::io::Error::other("it was cut while being read"),
        _ => e,
    })?;
    Ok(bytes)
}

/// Tells a saved JSON report from a strace log, and reads it.
pub fn load(bytes: &[u8]) -> anyhow::Result<Input> {
    let text_start = bytes
        .strip_prefix(b"\xef\xbb\xbf") // a byte-order mark from an editor
        .unwrap_or(bytes);
    let first = text_start.iter().find(|b| !b.is_ascii_whitespace());
    let Some(first) = first else {
        bail!("the input is empty");
    };
    if matches!(first, b'{' | b'[') {
        if let Some(reports) = reports(text_start)? {
            return Ok(Input::Reports(reports));
        }
    }
    let log = strace_log::read(bytes)
        .context("it is neither a docker-diagnose JSON report nor a strace log")?;
    Ok(Input::Log(Box::new(log)))
}

/// Reads saved reports: `None` when the input is JSON but not reports (nor meant to be).
fn reports(bytes: &[u8]) -> anyhow::Result<Option<Vec<Report>>> {
    let mentions_schema = memchr::memmem::find(bytes, REPORT_SCHEMA.as_bytes()).is_some();
    let mut values = Vec::new();
    for value in serde_json::Deserializer::from_slice(bytes).into_iter::<serde_json::Value>() {
        match value {
            Ok(serde_json::Value::Array(items)) => values.extend(items),
            Ok(value) => values.push(value),
            Err(e) if mentions_schema => bail!("the JSON report is not valid: {e}"),
            Err(_) => return Ok(None),
        }
    }
    let mut reports = Vec::with_capacity(values.len());
    for (i, value) in values.into_iter().enumerate() {
        let schema = value.get("schema").and_then(|s| s.as_str());
        match schema {
            Some(REPORT_SCHEMA) => {}
            Some(other) if other.starts_with("docker-diagnose.report/") => {
                bail!("the report has schema {other}; this version reads {REPORT_SCHEMA}")
            }
            Some(other) => bail!("the JSON has schema {other}, not a {REPORT_SCHEMA} report"),
            None if mentions_schema => {
                bail!(
                    "JSON value {} has no \"schema\": \"{REPORT_SCHEMA}\"",
                    i + 1
                )
            }
            None => return Ok(None),
        }
        let report: Report = serde_json::from_value(value)
            .with_context(|| format!("report {} does not follow {REPORT_SCHEMA}", i + 1))?;
        if report.findings.is_empty() {
            bail!(
                "report {} has no findings; a v1 report always has one",
                i + 1
            );
        }
        reports.push(report);
    }
    if reports.is_empty() {
        bail!("the JSON holds no report");
    }
    Ok(Some(reports))
}

/// What the rules are given for a strace log, and a note when the log does not show how the
/// main process ended (then the outcome is `exited` with no code: unknown).
pub fn observation(log: StraceLog) -> (Observation, Option<String>) {
    let trace = log.trace;
    let header = trace.header.as_ref();
    let main = trace.main_pid().unwrap_or_default();
    let (outcome, exit, note) = match &trace.end {
        Some(end) => {
            let outcome = match end.exit.signal {
                Some(_) => Outcome::Killed,
                None => Outcome::Exited,
            };
            let exit = Exit {
                code: end.exit.code,
                signal: end.exit.signal.clone(),
                oom_killed: end.exit.oom_killed,
            };
            (outcome, exit, None)
        }
        None => (
            Outcome::Exited,
            Exit::default(),
            Some(format!(
                "the log does not show how process {main} ended (no `+++ exited` or `+++ killed` line for it); its exit is unknown"
            )),
        ),
    };
    let duration_ms = log.duration_ms;
    let target = Target {
        entrypoint: header.map(|h| h.argv.clone()).unwrap_or_default(),
        user: header.and_then(|h| h.uid).map(|uid| uid.to_string()),
        ..Target::default()
    };
    let obs = Observation {
        target,
        outcome,
        exit,
        duration_ms,
        stdout_tail: log.stdout_tail,
        stderr_tail: log.stderr_tail,
        trace,
        docker_error: None,
        memory_limit: None,
        health: Health::None,
        secrets: log.secrets,
        bind_mounts: Vec::new(),
        network: None,
    };
    (obs, note)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A big log that shrinks between its `stat` and its read (a log rotated or truncated
    /// meanwhile) ends the read with one plain reason, not an "unexpected end of file".
    #[test]
    fn a_file_cut_while_being_read_says_so() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &[b'x'; 1000]).unwrap();
        let whole = read_in_halves(&file, 1000).unwrap();
        assert_eq!(whole.len(), 1000);
        // The size read before the file was cut to 1000 bytes.
        let err = read_in_halves(&file, 4000).unwrap_err();
        assert_eq!(err.to_string(), "it was cut while being read");
    }
}

//! Loading rule fixtures: event JSON Lines (`*.jsonl`) and real strace logs (`*.strace`) into
//! the engine's `Observation`, with the facts a trace cannot carry (a Docker error, a memory
//! limit, a health check) taken from the fixture's `expect.toml`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use docker_diagnose::report::{Exit, Outcome, Target};
use docker_diagnose::rules::{BindMount, Health, HealthFailure, Observation};
use docker_diagnose::trace::{Record, Trace};
use serde::Deserialize;

/// The facts of a run that are not in its trace.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    pub outcome: Option<Outcome>,
    pub docker_error: Option<String>,
    pub memory_limit: Option<u64>,
    #[serde(default)]
    pub healthy: bool,
    #[serde(default)]
    pub bind_mounts: Vec<BindMount>,
    pub unhealthy: Option<HealthFailure>,
    #[serde(default)]
    pub health_pending: bool,
    pub network: Option<String>,
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules")
}

/// Reads an event JSON Lines trace.
pub fn read_jsonl(path: &Path) -> Trace {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut trace = Trace::default();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let record: Record = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), n + 1));
        match record {
            Record::Header(h) => trace.header = Some(h),
            Record::Event(e) => trace.events.push(e),
            Record::End(e) => trace.end = Some(e),
        }
    }
    trace
}

/// An observation of a trace as the producers build it: the exit and the output tails from the
/// trace's end, the rest from `facts`.
pub fn observe(trace: Trace, facts: &Facts) -> Observation {
    let end = trace.end.clone().unwrap_or_default();
    let exit = Exit {
        code: end.exit.code,
        signal: end.exit.signal.clone(),
        oom_killed: end.exit.oom_killed,
    };
    let outcome = facts.outcome.unwrap_or(if facts.docker_error.is_some() {
        Outcome::NotStarted
    } else if exit.signal.is_some() {
        Outcome::Killed
    } else {
        Outcome::Exited
    });
    let argv = trace
        .header
        .as_ref()
        .map(|h| h.argv.clone())
        .unwrap_or_default();
    Observation {
        target: Target {
            image: Some("fixture:latest".into()),
            entrypoint: argv,
            ..Target::default()
        },
        outcome,
        exit,
        duration_ms: end.duration_ms,
        stdout_tail: end.stdout_tail.clone(),
        stderr_tail: end.stderr_tail.clone(),
        docker_error: facts.docker_error.clone(),
        memory_limit: facts.memory_limit,
        health: match (&facts.unhealthy, facts.healthy, facts.health_pending) {
            (Some(check), _, _) => Health::Unhealthy(check.clone()),
            (None, true, _) => Health::Healthy,
            (None, false, true) => Health::Pending,
            (None, false, false) => Health::None,
        },
        secrets: Vec::new(),
        bind_mounts: facts.bind_mounts.clone(),
        network: facts.network.clone(),
        trace,
    }
}

/// Reads a real strace log the way `explain` does.
pub fn observe_strace(path: &Path) -> Observation {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let log = docker_diagnose::trace::strace_log::read(&bytes)
        .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
    docker_diagnose::cli::explain::observation(log).0
}

/// The files in a fixture directory with this extension, sorted.
pub fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    files
}

/// Each file with this extension in `dir`, named by its stem, with its entry of
/// `dir/expect.toml`: every file must have an entry and every entry a file.
pub fn with_expectations<E: serde::de::DeserializeOwned>(
    dir: &Path,
    ext: &str,
) -> Vec<(String, PathBuf, E)> {
    let text = std::fs::read_to_string(dir.join("expect.toml")).unwrap();
    let mut expect: std::collections::BTreeMap<String, E> = toml::from_str(&text).unwrap();
    let files = files_with_ext(dir, ext);
    assert_eq!(
        files.len(),
        expect.len(),
        "every {ext} file has an expectation"
    );
    files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let want = expect
                .remove(&name)
                .unwrap_or_else(|| panic!("no expectation for {name}"));
            (name, path, want)
        })
        .collect()
}

/// What is wrong with a primary finding: another kind (or rule) than expected, or a summary
/// that lacks a word it must name.
pub fn top_mismatches(
    name: &str,
    top: &docker_diagnose::report::Finding,
    kind: &str,
    rule: Option<&str>,
    mentions: &[String],
) -> Vec<String> {
    let mut failures = Vec::new();
    if top.kind.as_str() != kind || rule.is_some_and(|r| r != top.rule) {
        failures.push(format!(
            "{name}: {} ({}) first: {}",
            top.rule, top.kind, top.summary
        ));
    }
    for word in mentions {
        if !top.summary.contains(word.as_str()) {
            failures.push(format!("{name}: summary lacks {word:?}: {}", top.summary));
        }
    }
    failures
}

//! The rule engine: matches the trace against the rules in `rules/` and ranks the findings.
//!
//! Rules are data (`rules/*.toml`, compiled in; `--rules DIR` adds more): [`spec`] is their
//! format, [`pattern`] the small value languages inside it, [`matcher`] tests one condition,
//! [`analysis`] annotates the trace once (noise, recovery, the deciding processes) and [`rank`]
//! turns matches into ordered findings.

mod analysis;
mod builtin;
mod matcher;
pub mod observation;
mod pattern;
mod rank;
pub mod spec;

use std::path::Path;

use anyhow::Context;

pub use observation::{BindMount, Health, HealthFailure, Observation};
pub use spec::{Noise, Rule, RuleFile};

use crate::report::redact::redact;
use crate::report::{Confidence, Finding, Kind, Report, TraceSummary, REPORT_SCHEMA};
use crate::trace::EventKind;
use analysis::{is_stderr_write, Analysis};

/// At most this many calls are kept in the report's trace summary.
const MAX_CALLS: usize = 200;

/// The rules in force: the built-in ones, then a user's `--rules DIR`.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    noise: Vec<Noise>,
}

impl RuleSet {
    /// The rules compiled into the binary. Their patterns compile on first use: the tests
    /// check that every one compiles.
    pub fn builtin() -> anyhow::Result<RuleSet> {
        let mut set = RuleSet::default();
        for (name, text) in builtin::FILES {
            let file = pattern::lazily(|| RuleFile::parse(&format!("rules/{name}"), text))?;
            set.add(file, true)?;
        }
        Ok(set)
    }

    /// The built-in rules followed by every `*.toml` rule file in `dir`, in name order (or by
    /// the one file `dir` names). A rule with the id of an earlier one replaces it.
    pub fn with_dir(mut self, dir: &Path) -> anyhow::Result<RuleSet> {
        let mut files: Vec<_> = if dir.is_file() {
            vec![dir.to_path_buf()]
        } else {
            std::fs::read_dir(dir)
                .with_context(|| format!("cannot read the rules directory {}", dir.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        };
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the rule file {}", path.display()))?;
            self = self.with_text(&path.display().to_string(), &text)?;
        }
        Ok(self)
    }

    /// These rules followed by those of one rule file's text; `name` is what errors call it.
    pub fn with_text(mut self, name: &str, text: &str) -> anyhow::Result<RuleSet> {
        self.add(RuleFile::parse(name, text)?, false)?;
        Ok(self)
    }

    /// The rules, in the order they are tried.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The benign-failure patterns.
    pub fn noise(&self) -> &[Noise] {
        &self.noise
    }

    fn add(&mut self, file: RuleFile, strict: bool) -> anyhow::Result<()> {
        for rule in file.rule {
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(_) if strict => anyhow::bail!("two built-in rules have the id {}", rule.id),
                Some(old) => *old = rule,
                None => self.rules.push(rule),
            }
        }
        self.noise.extend(file.noise);
        Ok(())
    }
}

/// Explains an observation: the findings, most likely first, in a v1 report.
pub fn diagnose(obs: &Observation, rules: &RuleSet) -> Report {
    let analysis = Analysis::new(obs, &rules.noise);
    let mut findings = rank::findings(&analysis, &rules.rules);
    if findings.is_empty() {
        // Only a user's rule set that replaced the fallback rule can get here.
        findings.push(Finding {
            rule: "fallback.unknown".into(),
            kind: Kind::Unknown,
            confidence: Confidence::Low,
            summary: "No rule matched this run.".into(),
            explanation: String::new(),
            fix: String::new(),
            evidence: Vec::new(),
        });
    }
    let end = obs.trace.end.as_ref();
    let mut report = Report {
        schema: REPORT_SCHEMA.into(),
        tool: Default::default(),
        target: obs.target.clone(),
        outcome: obs.outcome,
        exit: analysis.exit.clone(),
        duration_ms: obs.duration_ms,
        findings,
        stdout_tail: obs.stdout_tail.clone(),
        stderr_tail: obs.stderr_tail.clone(),
        trace: TraceSummary {
            events: end.map_or(obs.trace.events.len() as u64 + obs.trace.omitted, |e| {
                e.events
            }),
            processes: end.map_or_else(|| process_count(obs), |e| e.processes),
            dropped: end.map_or(0, |e| e.dropped),
            calls: notable_calls(&analysis),
        },
    };
    // Findings quote paths, arguments and output: secrets never leave the engine.
    redact(&mut report, &obs.secrets);
    report
}

fn process_count(obs: &Observation) -> u64 {
    let pids: rustc_hash::FxHashSet<i32> = obs.trace.events.iter().map(|e| e.pid).collect();
    pids.len() as u64
}

/// The calls worth showing in full, strace style: programs started, failures that are not
/// probes, writes to stderr, connections, signals and exits. Bounded: the start and, mostly,
/// the end.
fn notable_calls(a: &Analysis) -> Vec<String> {
    let notable: Vec<String> = a
        .events
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            let sc = e.syscall.as_deref().unwrap_or("");
            e.kind != EventKind::Syscall
                || (e.errno.is_some() && !a.noise[*i])
                || is_stderr_write(e)
                || e.query.is_some()
                || matches!(
                    sc,
                    "execve" | "execveat" | "connect" | "bind" | "exit_group"
                )
        })
        .map(|(_, e)| format!("{} {}", e.pid, e.call))
        .collect();
    if notable.len() <= MAX_CALLS {
        return notable;
    }
    let head = MAX_CALLS / 5;
    let tail = MAX_CALLS - head - 1;
    let omitted = notable.len() - head - tail;
    let mut out = notable[..head].to_vec();
    out.push(format!("... {omitted} calls omitted ..."));
    out.extend_from_slice(&notable[notable.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_rules_load_and_cover_every_kind() {
        let set = RuleSet::builtin().unwrap();
        for kind in Kind::ALL {
            assert!(
                set.rules().iter().any(|r| r.kind == kind),
                "no built-in rule reports {kind}"
            );
        }
        assert!(!set.noise().is_empty());
    }

    #[test]
    fn every_builtin_rule_is_documented_and_uniquely_named() {
        let set = RuleSet::builtin().unwrap();
        let mut ids = std::collections::HashSet::new();
        for rule in set.rules() {
            assert!(ids.insert(rule.id.as_str()), "duplicate id {}", rule.id);
            assert!(rule.id.contains('.'), "{} is not family.name", rule.id);
            let docs = rule
                .docs
                .as_ref()
                .unwrap_or_else(|| panic!("{} has no docs", rule.id));
            for text in [&docs.detects, &docs.why, &docs.action, &docs.example] {
                assert!(
                    !text.trim().is_empty(),
                    "{} has an empty docs field",
                    rule.id
                );
            }
        }
    }

    #[test]
    fn every_builtin_pattern_compiles() {
        // Read as a user's file is: every glob and regex compiles as it is read.
        for (name, text) in builtin::FILES {
            if let Err(e) = RuleFile::parse(name, text) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn a_bad_pattern_in_a_users_file_names_its_line_even_after_the_builtin_rules() {
        let set = RuleSet::builtin().unwrap();
        let text = "[[noise]]\nid = \"x\"\nreason = \"r\"\ncall = { path_regex = \"(unclosed\" }\n";
        let err = set.with_text("mine.toml", text).unwrap_err().to_string();
        assert!(err.contains("mine.toml:4"), "{err}");
        assert!(err.contains("bad regex"), "{err}");
    }

    #[test]
    fn every_file_in_rules_is_compiled_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".toml") {
                assert!(
                    builtin::FILES.iter().any(|(n, _)| *n == name),
                    "rules/{name} is not listed in src/rules/builtin.rs"
                );
            }
        }
    }
}

//! The rule engine: matches the trace against the rules in `rules/` and ranks the findings.

pub mod observation;

use std::path::Path;

pub use observation::Observation;

use crate::report::{Confidence, EvidenceLine, Finding, Kind, Report, TraceSummary, REPORT_SCHEMA};

/// The rules in force: the built-in ones, then a user's `--rules DIR`.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {}

impl RuleSet {
    /// The rules compiled into the binary.
    pub fn builtin() -> anyhow::Result<RuleSet> {
        Ok(RuleSet {})
    }

    /// The built-in rules followed by every rule file in `dir`.
    pub fn with_dir(self, _dir: &Path) -> anyhow::Result<RuleSet> {
        Ok(self)
    }
}

/// Explains an observation: the findings, most likely first, in a v1 report.
pub fn diagnose(obs: &Observation, _rules: &RuleSet) -> Report {
    // Placeholder until the engine lands: name the last failing calls.
    let failing: Vec<EvidenceLine> = obs
        .trace
        .events
        .iter()
        .filter(|e| e.errno.is_some())
        .rev()
        .take(5)
        .map(|e| EvidenceLine {
            pid: Some(e.pid),
            syscall: e.syscall.clone(),
            call: e.call.clone(),
            errno: e.errno.clone(),
            path: e.path.clone(),
            note: None,
        })
        .collect();
    let end = obs.trace.end.as_ref();
    Report {
        schema: REPORT_SCHEMA.into(),
        tool: Default::default(),
        target: obs.target.clone(),
        outcome: obs.outcome,
        exit: obs.exit.clone(),
        duration_ms: obs.duration_ms,
        findings: vec![Finding {
            rule: "unknown".into(),
            kind: Kind::Unknown,
            confidence: Confidence::Low,
            summary: "No rule matched; the last failing calls are listed.".into(),
            explanation: String::new(),
            fix: String::new(),
            evidence: failing,
        }],
        stdout_tail: obs.stdout_tail.clone(),
        stderr_tail: obs.stderr_tail.clone(),
        trace: TraceSummary {
            events: end.map_or(obs.trace.events.len() as u64, |e| e.events),
            processes: end.map_or(0, |e| e.processes),
            dropped: end.map_or(0, |e| e.dropped),
            calls: Vec::new(),
        },
    }
}

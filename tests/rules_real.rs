//! Failing runs recorded with the real strace (`tests/rules/real/*.strace`, expectations in
//! `tests/rules/real/expect.toml`), read by the strace-log reader exactly as `explain` reads a
//! pasted log: the primary finding must name the real cause, and no probe may be blamed.

mod rules_support;

use docker_diagnose::rules::{diagnose, RuleSet};
use rules_support::{fixtures_dir, observe_strace, top_mismatches, with_expectations};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    kind: String,
    mentions: Vec<String>,
}

#[test]
fn real_failures_are_explained() {
    let rules = RuleSet::builtin().unwrap();
    let mut failures = Vec::new();
    for (name, log, want) in with_expectations::<Expect>(&fixtures_dir().join("real"), "strace") {
        let report = diagnose(&observe_strace(&log), &rules);
        failures.extend(top_mismatches(
            &name,
            &report.findings[0],
            &want.kind,
            None,
            &want.mentions,
        ));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

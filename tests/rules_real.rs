//! Failing runs recorded with the real strace (`tests/rules/real/*.strace`, expectations in
//! `tests/rules/real/expect.toml`), read by the strace-log reader exactly as `explain` reads a
//! pasted log: the primary finding must name the real cause, and no probe may be blamed.

mod rules_support;

use std::collections::BTreeMap;

use docker_diagnose::rules::{diagnose, RuleSet};
use rules_support::{files_with_ext, fixtures_dir, observe_strace};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    kind: String,
    mentions: Vec<String>,
}

#[test]
fn real_failures_are_explained() {
    let dir = fixtures_dir().join("real");
    let text = std::fs::read_to_string(dir.join("expect.toml")).unwrap();
    let expect: BTreeMap<String, Expect> = toml::from_str(&text).unwrap();
    let rules = RuleSet::builtin().unwrap();
    let logs = files_with_ext(&dir, "strace");
    assert_eq!(
        logs.len(),
        expect.len(),
        "every real log has an expectation"
    );
    let mut failures = Vec::new();
    for log in logs {
        let name = log.file_stem().unwrap().to_string_lossy().to_string();
        let want = expect
            .get(&name)
            .unwrap_or_else(|| panic!("no expectation for {name}"));
        let report = diagnose(&observe_strace(&log), &rules);
        let top = &report.findings[0];
        if top.kind.as_str() != want.kind {
            failures.push(format!(
                "{name}: {} ({}) first: {}",
                top.rule, top.kind, top.summary
            ));
        }
        for word in &want.mentions {
            if !top.summary.contains(word.as_str()) {
                failures.push(format!("{name}: summary lacks {word:?}: {}", top.summary));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

//! Every rule has a fixture directory `tests/rules/<rule-id>/` (hadolint style): `catches.jsonl`
//! must make that rule the primary finding (or the one at `rank`), with the expected kind and a summary that names the
//! expected path, port or name (`expect.toml`); `catches-not.jsonl`, a near miss, must not
//! produce a finding from that rule at all.

mod rules_support;

use std::path::Path;

use docker_diagnose::rules::{diagnose, RuleSet};
use rules_support::{fixtures_dir, observe, read_jsonl, Facts};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    catches: Catches,
    #[serde(default)]
    catches_not: CatchesNot,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catches {
    kind: String,
    mentions: Vec<String>,
    /// Where the rule's finding must be: 1 (the primary cause) unless said otherwise.
    #[serde(default = "first")]
    rank: usize,
    #[serde(default)]
    observation: Facts,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatchesNot {
    #[serde(default)]
    observation: Facts,
}

fn first() -> usize {
    1
}

fn expect(dir: &Path) -> Expect {
    let path = dir.join("expect.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_builtin_rule_has_fixtures() {
    let rules = RuleSet::builtin().unwrap();
    let missing: Vec<&str> = rules
        .rules()
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| {
            let dir = fixtures_dir().join(id);
            !["catches.jsonl", "catches-not.jsonl", "expect.toml"]
                .iter()
                .all(|f| dir.join(f).is_file())
        })
        .collect();
    assert!(missing.is_empty(), "rules without fixtures: {missing:?}");
}

#[test]
fn each_rule_catches_its_fixture_and_not_its_near_miss() {
    let rules = RuleSet::builtin().unwrap();
    let mut failures = Vec::new();
    for rule in rules.rules() {
        let dir = fixtures_dir().join(&rule.id);
        if !dir.is_dir() {
            continue; // reported by every_builtin_rule_has_fixtures
        }
        let want = expect(&dir);

        let obs = observe(
            read_jsonl(&dir.join("catches.jsonl")),
            &want.catches.observation,
        );
        let report = diagnose(&obs, &rules);
        let Some(top) = report.findings.get(want.catches.rank - 1) else {
            failures.push(format!("{}: catches.jsonl gave too few findings", rule.id));
            continue;
        };
        if top.rule != rule.id || top.kind.as_str() != want.catches.kind {
            failures.push(format!(
                "{}: catches.jsonl gave {} ({}) first: {}",
                rule.id, top.rule, top.kind, top.summary
            ));
        }
        for word in &want.catches.mentions {
            if !top.summary.contains(word.as_str()) {
                failures.push(format!(
                    "{}: summary does not mention {word:?}: {}",
                    rule.id, top.summary
                ));
            }
        }
        if top.rule == rule.id && top.evidence.is_empty() && rule.call.is_some() {
            failures.push(format!(
                "{}: a call rule's finding has no evidence",
                rule.id
            ));
        }

        let obs = observe(
            read_jsonl(&dir.join("catches-not.jsonl")),
            &want.catches_not.observation,
        );
        let report = diagnose(&obs, &rules);
        if let Some(f) = report.findings.iter().find(|f| f.rule == rule.id) {
            failures.push(format!(
                "{}: catches-not.jsonl still matched: {}",
                rule.id, f.summary
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

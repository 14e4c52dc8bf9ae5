//! Traces recorded by the real runner, on this host and as the entrypoint of the fixture images
//! (`tests/rules/runner/*.jsonl`, expectations in `expect.toml`): the runner's evidence about a
//! failed exec must turn into the precise finding, and its healthy starts (prefiltered and
//! `--full`) must stay clean and blame no probe even when the same run is said to have failed.

mod rules_support;

use docker_diagnose::rules::{diagnose, RuleSet};
use rules_support::{fixtures_dir, observe, read_jsonl, top_mismatches, with_expectations, Facts};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    kind: String,
    mentions: Vec<String>,
    rule: Option<String>,
    /// The container's memory limit, for traces recorded under `-m`.
    memory_limit: Option<u64>,
}

#[test]
fn runner_traces_are_explained_with_their_evidence() {
    let rules = RuleSet::builtin().unwrap();
    let mut failures = Vec::new();
    for (name, path, want) in with_expectations::<Expect>(&fixtures_dir().join("runner"), "jsonl") {
        let facts = Facts {
            memory_limit: want.memory_limit,
            ..Facts::default()
        };
        let report = diagnose(&observe(read_jsonl(&path), &facts), &rules);
        failures.extend(top_mismatches(
            &name,
            &report.findings[0],
            &want.kind,
            want.rule.as_deref(),
            &want.mentions,
        ));
        if want.kind == "exited-cleanly" {
            if report.findings.len() != 1 {
                failures.push(format!(
                    "{name}: a clean start has other findings: {:#?}",
                    report.findings
                ));
            }
            // The same calls in a run that failed: none of its probes may be blamed.
            let mut obs = observe(read_jsonl(&path), &Facts::default());
            obs.exit.code = Some(1);
            let report = diagnose(&obs, &rules);
            for f in &report.findings {
                for e in f.evidence.iter().filter(|e| e.errno.is_some()) {
                    failures.push(format!("{name}: {} blames the probe {}", f.rule, e.call));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_missing_library_is_shown_with_the_directories_searched() {
    // glibc tries CPU-specific subdirectories of each directory first (`glibc-hwcaps/x86-64-v3/`,
    // `tls/`, `x86_64/`): dozens of opens that would fill the evidence; the directories the
    // loader searches are what tells where the library should be.
    let rules = RuleSet::builtin().unwrap();
    let path = fixtures_dir().join("runner/image-missing-library.jsonl");
    let report = diagnose(&observe(read_jsonl(&path), &Facts::default()), &rules);
    let finding = &report.findings[0];
    assert_eq!(finding.rule, "lib.missing");
    let mut shown: Vec<&str> = finding
        .evidence
        .iter()
        .filter_map(|e| e.path.as_deref())
        .collect();
    shown.sort_unstable();
    assert_eq!(
        shown,
        [
            "/lib/libgreet.so.1",
            "/lib/x86_64-linux-gnu/libgreet.so.1",
            "/usr/lib/libgreet.so.1",
            "/usr/lib/x86_64-linux-gnu/libgreet.so.1",
        ]
    );
}

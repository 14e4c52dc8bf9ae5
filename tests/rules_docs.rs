//! `docs/rules-catalog.md` is generated from the rule files: every built-in rule's id, kind and
//! documentation, and the noise list. This test fails when the two differ; regenerate with
//! `UPDATE_RULE_DOCS=1 cargo test --test rules_docs`.

use std::fmt::Write;
use std::path::Path;

use docker_diagnose::rules::RuleSet;

fn catalog() -> String {
    let rules = RuleSet::builtin().unwrap();
    let mut out = String::from(
        "# Built-in rules\n\n<!-- Generated from rules/*.toml by tests/rules_docs.rs: do not edit. -->\n\n\
         The language these rules are written in is described in [rules.md](rules.md).\n",
    );
    for rule in rules.rules() {
        let confidence = serde_json::to_string(&rule.confidence).unwrap();
        let _ = write!(
            out,
            "\n## `{}`\n\nKind `{}`, confidence {}, priority {}.\n\n",
            rule.id,
            rule.kind,
            confidence.trim_matches('"'),
            rule.priority
        );
        if let Some(docs) = &rule.docs {
            let _ = write!(
                out,
                "**What it detects.** {}\n\n**Why it matters.** {}\n\n**What to do.** {}\n\n**Example.** {}\n\n",
                docs.detects, docs.why, docs.action, docs.example
            );
        }
        let _ = writeln!(out, "It says: *{}*", rule.summary);
    }
    out.push_str("\n# Noise: failures never blamed\n\n| id | why |\n| --- | --- |\n");
    for noise in rules.noise() {
        let _ = writeln!(out, "| `{}` | {} |", noise.id, noise.reason);
    }
    out
}

#[test]
fn the_rule_catalog_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules-catalog.md");
    let want = catalog();
    if std::env::var_os("UPDATE_RULE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules-catalog.md is stale: run UPDATE_RULE_DOCS=1 cargo test --test rules_docs"
    );
}

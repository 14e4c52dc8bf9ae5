//! The JSON report against the v1 contract of REPORT.md: every field name and type, the enum
//! values, one object for one report and an array for several, and a lossless round trip (what
//! `explain` relies on).

mod report_fixtures;

use std::collections::{BTreeMap, BTreeSet};

use docker_diagnose::cli::Format;
use docker_diagnose::report::{render, Confidence, Outcome, Report, Target, TraceSummary};
use report_fixtures as fx;
use serde_json::Value;

/// The fields of the example in REPORT.md ("The JSON report"), with the JSON types each may take.
/// `[]` marks the elements of an array. Embedded rather than parsed from REPORT.md so that the
/// test stands alone in CI.
const V1_FIELDS: &[(&str, &[&str])] = &[
    ("schema", &["string"]),
    ("tool", &["object"]),
    ("tool.name", &["string"]),
    ("tool.version", &["string"]),
    ("target", &["object"]),
    ("target.image", &["string", "null"]),
    ("target.image_id", &["string", "null"]),
    ("target.entrypoint", &["array"]),
    ("target.entrypoint[]", &["string"]),
    ("target.command", &["array"]),
    ("target.command[]", &["string"]),
    ("target.user", &["string", "null"]),
    ("target.working_dir", &["string", "null"]),
    ("target.platform", &["string", "null"]),
    ("outcome", &["string"]),
    ("exit", &["object"]),
    ("exit.code", &["number", "null"]),
    ("exit.signal", &["string", "null"]),
    ("exit.oom_killed", &["bool"]),
    ("duration_ms", &["number"]),
    ("findings", &["array"]),
    ("findings[]", &["object"]),
    ("findings[].rule", &["string"]),
    ("findings[].kind", &["string"]),
    ("findings[].confidence", &["string"]),
    ("findings[].summary", &["string"]),
    ("findings[].explanation", &["string"]),
    ("findings[].fix", &["string"]),
    ("findings[].evidence", &["array"]),
    ("findings[].evidence[]", &["object"]),
    ("findings[].evidence[].pid", &["number", "null"]),
    ("findings[].evidence[].syscall", &["string", "null"]),
    ("findings[].evidence[].call", &["string"]),
    ("findings[].evidence[].errno", &["string", "null"]),
    ("findings[].evidence[].path", &["string", "null"]),
    ("findings[].evidence[].note", &["string", "null"]),
    ("stdout_tail", &["array"]),
    ("stdout_tail[]", &["string"]),
    ("stderr_tail", &["array"]),
    ("stderr_tail[]", &["string"]),
    ("trace", &["object"]),
    ("trace.events", &["number"]),
    ("trace.processes", &["number"]),
    ("trace.dropped", &["number"]),
];

/// Fields added beyond the example (allowed by the contract: additions only), and only present
/// when they have something to say.
const ADDITIONS: &[(&str, &[&str])] =
    &[("trace.calls", &["array"]), ("trace.calls[]", &["string"])];

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every path in `v` with the types seen there.
fn shape(v: &Value, path: &str, out: &mut BTreeMap<String, BTreeSet<&'static str>>) {
    if !path.is_empty() {
        out.entry(path.to_string())
            .or_default()
            .insert(type_name(v));
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                shape(child, &p, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                shape(item, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

/// A report with every optional field filled, and one with every optional field empty.
fn full_and_sparse() -> [Report; 2] {
    let mut full = fx::port_in_use();
    full.target.user = Some("node".into());
    full.target.working_dir = Some("/srv".into());
    full.exit.signal = Some("SIGTERM".into());
    full.findings[0].evidence[0].errno = Some("EINVAL".into());
    full.findings[0].evidence[0].path = Some("/srv".into());
    let mut sparse = fx::trace_missing_file();
    sparse.target = Target::default();
    sparse.exit.code = None;
    sparse.findings[0].evidence[0] = Default::default();
    sparse.trace = TraceSummary::default();
    [full, sparse]
}

#[test]
fn json_has_exactly_the_v1_fields_and_types() {
    let allowed: BTreeMap<&str, &[&str]> = V1_FIELDS.iter().chain(ADDITIONS).copied().collect();
    let mut seen = BTreeMap::new();
    for report in full_and_sparse() {
        let text = render(&[report], Format::Json, false);
        let value: Value = serde_json::from_str(&text).expect("the JSON report parses");
        shape(&value, "", &mut seen);
    }
    for (path, types) in &seen {
        let Some(ok) = allowed.get(path.as_str()) else {
            panic!("field {path} is not in the v1 schema");
        };
        for t in types {
            assert!(
                ok.contains(t),
                "field {path} has type {t}, v1 allows {ok:?}"
            );
        }
    }
    for (path, _) in V1_FIELDS {
        assert!(seen.contains_key(*path), "v1 field {path} is missing");
    }
    assert!(
        seen.contains_key("trace.calls"),
        "the full report lists its calls"
    );
}

#[test]
fn enum_values_are_the_contracts() {
    let outcome = |o: Outcome| serde_json::to_value(o).unwrap();
    assert_eq!(outcome(Outcome::Running), "running");
    assert_eq!(outcome(Outcome::Exited), "exited");
    assert_eq!(outcome(Outcome::Killed), "killed");
    assert_eq!(outcome(Outcome::NotStarted), "not-started");
    let confidence = |c: Confidence| serde_json::to_value(c).unwrap();
    assert_eq!(confidence(Confidence::High), "high");
    assert_eq!(confidence(Confidence::Medium), "medium");
    assert_eq!(confidence(Confidence::Low), "low");
    let text = render(&[fx::missing_interpreter()], Format::Json, false);
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["schema"], "docker-diagnose.report/v1");
    assert_eq!(value["tool"]["name"], "docker-diagnose");
    assert_eq!(value["findings"][0]["kind"], "missing-interpreter");
}

#[test]
fn one_report_is_an_object_several_are_an_array() {
    let one = render(&[fx::healthy()], Format::Json, false);
    assert!(
        one.ends_with("}\n"),
        "pretty-printed, ending with a newline"
    );
    assert!(serde_json::from_str::<Value>(&one).unwrap().is_object());
    let two = render(&[fx::healthy(), fx::oom_killed()], Format::Json, false);
    assert!(two.ends_with("]\n"));
    let value: Value = serde_json::from_str(&two).unwrap();
    assert_eq!(value.as_array().map(Vec::len), Some(2));
    assert_eq!(value[1]["exit"]["oom_killed"], true);
}

#[test]
fn a_saved_report_reads_back_unchanged() {
    for report in [
        fx::missing_interpreter(),
        fx::port_in_use(),
        fx::trace_missing_file(),
    ] {
        let text = render(std::slice::from_ref(&report), Format::Json, false);
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
    }
}

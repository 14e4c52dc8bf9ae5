//! What every format must never do: leak a secret, colour where colour was not asked for, let a
//! program's escape sequences reach the terminal, or break its own structure (JUnit XML).

mod report_fixtures;

use docker_diagnose::cli::{Expect, Format};
use docker_diagnose::report::redact::{redact, secret_values};
use docker_diagnose::report::{render, render_with, Kind, Report};
use report_fixtures as fx;

const ALL_FORMATS: [Format; 4] = [Format::Human, Format::Json, Format::Markdown, Format::Junit];

fn all_formats(reports: &[Report], color: bool) -> Vec<(Format, String)> {
    ALL_FORMATS
        .into_iter()
        .map(|f| (f, render(reports, f, color)))
        .collect()
}

#[test]
fn secrets_appear_in_no_format() {
    let mut report = fx::leaky();
    redact(&mut report, &[fx::KNOWN_SECRET.to_string()]);
    for (format, text) in all_formats(&[report], true) {
        for secret in ["hunter2", fx::KNOWN_SECRET, "s3cr3t-token"] {
            assert!(!text.contains(secret), "{format:?} shows {secret}:\n{text}");
        }
        assert!(text.contains("***"), "{format:?} marks what it hid");
    }
}

#[test]
fn printed_secrets_are_masked_even_without_redact() {
    // A producer that forgot `redact`: render still masks NAME=value and the like.
    for (format, text) in all_formats(&[fx::leaky()], false) {
        assert!(
            !text.contains("hunter2"),
            "{format:?} shows hunter2:\n{text}"
        );
        assert!(
            text.contains("DB_PASSWORD=***"),
            "{format:?} keeps the name"
        );
    }
}

#[test]
fn secret_values_from_the_environment_are_redacted() {
    let env = [
        "PATH=/usr/local/bin:/usr/bin".to_string(),
        format!("API_TOKEN={}", fx::KNOWN_SECRET),
        "DB_PASSWORD=hunter2".to_string(),
    ];
    let secrets = secret_values(&env);
    assert_eq!(secrets, [fx::KNOWN_SECRET, "hunter2"]);
    let mut report = fx::app_error();
    report
        .stderr_tail
        .push(format!("token {} rejected", fx::KNOWN_SECRET));
    report.findings[0].summary = "login as admin with hunter2 failed".into();
    redact(&mut report, &secrets);
    for (format, text) in all_formats(&[report], false) {
        assert!(!text.contains(fx::KNOWN_SECRET), "{format:?}:\n{text}");
        assert!(!text.contains("hunter2"), "{format:?}:\n{text}");
    }
}

#[test]
fn colour_only_when_asked_and_only_in_human() {
    let reports = [fx::missing_interpreter(), fx::healthy()];
    let coloured = render(&reports, Format::Human, true);
    assert!(coloured.contains("\u{1b}["), "colour on gives ANSI escapes");
    for (format, text) in all_formats(&reports, false) {
        assert!(
            !text.contains('\u{1b}'),
            "{format:?} without colour has escapes"
        );
    }
    for format in [Format::Json, Format::Markdown, Format::Junit] {
        let text = render(&reports, format, true);
        assert!(!text.contains('\u{1b}'), "{format:?} is never coloured");
    }
}

#[test]
fn a_programs_escape_sequences_do_not_reach_the_terminal() {
    let mut report = fx::app_error();
    report.stderr_tail = vec!["\u{1b}]0;pwned\u{7}\u{1b}[2Jcleared".into()];
    report.findings[0].summary = "quoted \u{1b}[31mred".into();
    for (format, text) in all_formats(&[report], false) {
        assert!(
            !text.contains('\u{1b}'),
            "{format:?} passes an escape through"
        );
        assert!(!text.contains('\u{7}'), "{format:?} passes a bell through");
    }
}

#[test]
fn junit_has_one_suite_and_a_case_per_report() {
    let reports = [
        fx::healthy(),
        fx::missing_interpreter(),
        fx::trace_missing_file(),
    ];
    let xml = render(&reports, Format::Junit, false);
    let junit = quick_junit::Report::deserialize_from_str(&xml).expect("well-formed JUnit XML");
    assert_eq!(junit.test_suites.len(), 1);
    let suite = &junit.test_suites[0];
    assert_eq!(suite.name.as_str(), "docker-diagnose");
    let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "nginx:1.27-alpine",
            "my-api:latest",
            "./app --config /etc/app/config.yaml"
        ]
    );
    assert_eq!(suite.failures, 2);
    let failed = &suite.test_cases[1];
    match &failed.status {
        quick_junit::TestCaseStatus::NonSuccess {
            kind,
            message,
            ty,
            description,
            ..
        } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            assert_eq!(
                message.as_ref().map(|m| m.as_str()),
                Some(reports[1].findings[0].summary.as_str())
            );
            assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("missing-interpreter"));
            let body = description.as_ref().expect("the human report as body");
            assert!(body.contains("Why\n") && body.contains("Evidence\n"));
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(
        failed.system_err.as_ref().map(|s| s.as_str()),
        Some("exec /app/server: no such file or directory")
    );
}

#[test]
fn junit_judges_by_expect() {
    let mut done = fx::trace_missing_file();
    done.exit.code = Some(0);
    done.findings[0].kind = Kind::ExitedCleanly;
    let under = |expect| {
        let xml = render_with(std::slice::from_ref(&done), Format::Junit, false, expect);
        quick_junit::Report::deserialize_from_str(&xml)
            .unwrap()
            .failures
    };
    assert_eq!(under(Expect::Exit0), 0);
    assert_eq!(under(Expect::Running), 1);
}

#[test]
fn a_report_without_findings_still_renders() {
    // The contract says never empty, but a hand-edited saved report may be.
    let mut report = fx::healthy();
    report.findings.clear();
    for (format, text) in all_formats(&[report], false) {
        assert!(!text.is_empty(), "{format:?} is empty");
    }
}

#[test]
fn hostile_text_keeps_every_format_well_formed() {
    let nasty = "a\u{0}b\u{7f}c\u{fffe}d ]]> <x> &amp; ``` `e` \\ \u{202e}f";
    let mut report = fx::port_in_use();
    report.target.image = Some(nasty.into());
    report.findings[0].summary = nasty.into();
    report.findings[0].evidence[0].call = nasty.into();
    report.findings[0].evidence[0].note = Some(nasty.into());
    report.stderr_tail = vec![nasty.into()];
    report.stdout_tail = vec![nasty.into()];
    report.trace.calls = vec![nasty.into()];
    let reports = [report];

    let json = render(&reports, Format::Json, false);
    let back: Report = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(back.stderr_tail, [nasty]);

    let xml = render(&reports, Format::Junit, false);
    let junit = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    assert_eq!(junit.test_suites[0].test_cases.len(), 1);

    let markdown = render(&reports, Format::Markdown, false);
    // Every fence closes: the stderr block's fence outgrows the ``` inside it.
    assert!(markdown.contains("\n````text\n"));
    assert!(!markdown.contains('\u{0}'));

    let human = render(&reports, Format::Human, true);
    for hidden in ['\u{0}', '\u{7f}', '\u{202e}'] {
        assert!(!human.contains(hidden) && !markdown.contains(hidden));
    }
}

//! The JUnit report, for CI systems: one `testsuite` named docker-diagnose and one `testcase` per
//! run, failed when the outcome did not meet `--expect`.
//!
//! A failure carries the primary finding's summary as its message, its kind as its type and the
//! human report (without colour) as its body; the output tails go to system-out/system-err.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::{describe, human, meets, Report};
use crate::cli::Expect;

const NAME: &str = "docker-diagnose";

pub fn render(reports: &[Report], expect: Expect) -> String {
    let mut suite = TestSuite::new(NAME);
    suite.add_test_cases(reports.iter().map(|r| test_case(r, meets(r, expect))));
    let mut junit = quick_junit::Report::new(NAME);
    junit.add_test_suite(suite);
    // Writing XML into a String cannot fail: quick-junit already removed what XML cannot hold.
    junit.to_string().expect("a JUnit report always serializes")
}

fn test_case(report: &Report, passed: bool) -> TestCase {
    let primary = report.findings.first();
    let status = if passed {
        TestCaseStatus::success()
    } else {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        if let Some(f) = primary {
            status.set_message(describe::one_line(&f.summary));
            status.set_type(f.kind.as_str());
        }
        status.set_description(human::render(report, false, passed));
        status
    };
    let mut case = TestCase::new(describe::target_name(&report.target), status);
    case.set_classname(NAME)
        .set_time(Duration::from_millis(report.duration_ms));
    if let Some(f) = primary {
        case.add_properties([
            Property::new("kind", f.kind.as_str()),
            Property::new("rule", f.rule.as_str()),
        ]);
    }
    case.add_property(Property::new("exit", describe::exit(report)));
    if !report.stdout_tail.is_empty() {
        case.set_system_out(report.stdout_tail.join("\n"));
    }
    if !report.stderr_tail.is_empty() {
        case.set_system_err(report.stderr_tail.join("\n"));
    }
    case
}

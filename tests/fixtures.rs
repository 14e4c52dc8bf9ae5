//! Every fixture in `fixtures/` on the real Docker engine: build it, run it with bare
//! `docker run`, run docker-diagnose on it, and check that the report names the expected cause
//! and gives the exit that bare `docker run` gave. All failures are reported together.

mod fixtures_support;

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use docker_diagnose::report::model::{Kind, Outcome, Report};
use fixtures_support::{
    all_fixtures, bare_docker_run, build, docker, run_until, shell_code, signal_number, Fixture,
};

/// How many fixtures run at once: enough to overlap the waiting, few enough for 2 cores.
const PARALLEL: usize = 3;
/// The longest docker-diagnose may take on one fixture beyond its `--wait`.
const DIAGNOSE_GRACE: Duration = Duration::from_secs(120);

/// Every kind of REPORT.md has at least one fixture, and every fixture names a real kind.
#[test]
fn every_kind_has_a_fixture() {
    let fixtures = all_fixtures();
    let covered: BTreeSet<&str> = fixtures.iter().map(|f| f.expect.kind.as_str()).collect();
    let known: BTreeSet<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    let missing: Vec<_> = known.difference(&covered).collect();
    let unknown: Vec<_> = covered.difference(&known).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "kinds without a fixture: {missing:?}; fixtures with a kind REPORT.md lacks: {unknown:?}"
    );
}

/// Every expect.toml speaks the report's language: an outcome of REPORT.md, a real signal name,
/// a duration docker-diagnose's `--wait` accepts.
#[test]
fn every_expectation_is_well_formed() {
    let mut bad = Vec::new();
    for fixture in all_fixtures() {
        let expect = &fixture.expect;
        let outcome = serde_json::from_value::<Outcome>(serde_json::json!(expect.outcome));
        if outcome.is_err() {
            bad.push(format!(
                "{}: outcome {:?} is not a REPORT.md outcome",
                fixture.name, expect.outcome
            ));
        }
        if let Some(signal) = &expect.signal {
            if signal_number(signal).is_none() {
                bad.push(format!("{}: {signal:?} is not a signal name", fixture.name));
            }
        }
        if let Some(wait) = &expect.wait {
            if humantime::parse_duration(wait).is_err() {
                bad.push(format!("{}: wait {wait:?} is not a duration", fixture.name));
            }
        }
        if expect.mentions.as_deref() == Some("") {
            bad.push(format!(
                "{}: an empty `mentions` checks nothing",
                fixture.name
            ));
        }
    }
    assert!(bad.is_empty(), "malformed expect.toml:\n{}", bad.join("\n"));
}

#[test]
fn every_fixture_is_diagnosed_like_bare_docker_run() {
    // The bases first, one at a time: the fixtures build on them in parallel.
    for base in ["_base/busybox", "_base/glibc", "_base/debian"] {
        build(base).unwrap_or_else(|e| panic!("{e}"));
    }
    let queue = Mutex::new(all_fixtures());
    let failures = Mutex::new(Vec::<String>::new());
    thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| loop {
                let Some(fixture) = queue.lock().unwrap().pop() else {
                    break;
                };
                let problems = check_fixture(&fixture);
                if !problems.is_empty() {
                    let text = format!(
                        "fixtures/{}:\n  - {}",
                        fixture.name,
                        problems.join("\n  - ")
                    );
                    failures.lock().unwrap().push(text);
                }
            });
        }
    });

    let mut failures = failures.into_inner().unwrap();
    if let Some(left) = leftover_containers() {
        failures.push(left);
    }
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} fixture check(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Builds, runs bare and diagnoses one fixture; returns what disagrees with its expect.toml.
fn check_fixture(fixture: &Fixture) -> Vec<String> {
    let expect = &fixture.expect;
    let image = match build(&fixture.name) {
        Ok(image) => image,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();

    let bare = bare_docker_run(fixture, &image);
    let bare_code = bare.status.as_ref().map(shell_code);
    // The fixture itself must cause what it claims, whatever docker-diagnose says.
    match (expect.outcome.as_str(), bare_code) {
        ("running", Some(code)) => problems.push(format!(
            "fixture broken: bare docker run exited {code} but the fixture should keep running\n{}",
            bare.output()
        )),
        ("running", None) => {}
        (_, None) => problems.push(format!(
            "fixture broken: bare docker run was still running after 60 s\n{}",
            bare.output()
        )),
        (_, Some(code)) => {
            if let Some(signal) = &expect.signal {
                if signal_number(signal).map(|n| 128 + n) != Some(code) {
                    problems.push(format!(
                        "fixture broken: bare docker run exited {code}, not 128 + {signal}\n{}",
                        bare.output()
                    ));
                }
            }
        }
    }

    let (report, tool_status) = match diagnose(fixture, &image) {
        Ok(done) => done,
        Err(e) => {
            problems.push(e);
            return problems;
        }
    };
    let kind = report.findings.first().map(|f| f.kind.as_str());
    if kind != Some(expect.kind.as_str()) {
        problems.push(format!(
            "primary finding is {kind:?}, expected {:?}; findings: {}",
            expect.kind,
            describe_findings(&report)
        ));
    }
    if let (Some(mentions), Some(finding)) = (&expect.mentions, report.findings.first()) {
        if !finding.summary.contains(mentions.as_str()) {
            problems.push(format!(
                "primary finding's summary does not mention {mentions:?}: {:?}",
                finding.summary
            ));
        }
    }
    let outcome = outcome_name(report.outcome);
    if outcome != expect.outcome {
        problems.push(format!(
            "outcome is {outcome:?}, expected {:?}",
            expect.outcome
        ));
    }
    // Exit fidelity: the code bare `docker run` gave (none while still running).
    if report.exit.code != bare_code {
        problems.push(format!(
            "exit code is {:?}, bare docker run gave {bare_code:?}",
            report.exit.code
        ));
    }
    if report.exit.signal != expect.signal {
        problems.push(format!(
            "exit signal is {:?}, expected {:?}",
            report.exit.signal, expect.signal
        ));
    }
    let oom = expect.kind == "oom-killed";
    if report.exit.oom_killed != oom {
        problems.push(format!(
            "exit.oom_killed is {}, expected {oom}",
            report.exit.oom_killed
        ));
    }
    // REPORT.md: 0 when the outcome met `--expect running` (the default), else 1; a container
    // that is up but unhealthy did not meet it.
    let good_start = expect.outcome == "running" && expect.kind != "unhealthy";
    let want_status = if good_start { 0 } else { 1 };
    if tool_status != Some(want_status) {
        problems.push(format!(
            "docker-diagnose exited {tool_status:?}, expected {want_status} for outcome {:?}",
            expect.outcome
        ));
    }
    problems
}

/// Runs docker-diagnose on the fixture; its parsed JSON report and its exit code.
fn diagnose(fixture: &Fixture, image: &str) -> Result<(Report, Option<i32>), String> {
    let wait = fixture.expect.wait.as_deref().unwrap_or("5s");
    let mut command = Command::new(env!("CARGO_BIN_EXE_docker-diagnose"));
    command
        .args(["--format", "json", "--wait", wait])
        .args(&fixture.expect.run_flags)
        .arg(image)
        .args(&fixture.expect.command);
    let deadline = fixture.wait() + DIAGNOSE_GRACE;
    let run = run_until(command, |elapsed| elapsed >= deadline);
    let Some(status) = run.status else {
        return Err(format!(
            "docker-diagnose did not finish within {deadline:?}\n{}",
            run.output()
        ));
    };
    let report: Report = serde_json::from_str(&run.stdout).map_err(|e| {
        format!(
            "docker-diagnose exited {status} without a JSON report ({e})\n{}",
            run.output()
        )
    })?;
    Ok((report, status.code()))
}

fn describe_findings(report: &Report) -> String {
    let list: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{} ({}): {}", f.kind.as_str(), f.rule, f.summary))
        .collect();
    format!("[{}]", list.join("; "))
}

fn outcome_name(outcome: Outcome) -> String {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Containers of the fixture images that docker-diagnose (label `io.docker-diagnose`) or this
/// test (bare runs) left behind, if any. Only containers of fixture images count: on a shared
/// machine other suites may be running.
fn leftover_containers() -> Option<String> {
    let listed = |args: &[&str]| -> Result<Vec<String>, String> {
        Ok(docker(args)?.lines().map(str::to_string).collect())
    };
    let found = (|| -> Result<Vec<String>, String> {
        let fixture_images = listed(&[
            "images",
            "-q",
            "--no-trunc",
            "--filter",
            "reference=docker-diagnose-fixture/*",
        ])?;
        let mut left = listed(&[
            "ps",
            "-a",
            "-q",
            "--filter",
            "name=docker-diagnose-fixture-bare-",
        ])?;
        for id in listed(&["ps", "-a", "-q", "--filter", "label=io.docker-diagnose"])? {
            // Gone since it was listed: not left behind.
            let Ok(image) = docker(&["inspect", "-f", "{{.Image}}", &id]) else {
                continue;
            };
            if fixture_images.iter().any(|f| f == image.trim()) {
                left.push(id);
            }
        }
        Ok(left)
    })();
    match found {
        Ok(left) if left.is_empty() => None,
        Ok(left) => Some(format!("containers left behind: {}", left.join(" "))),
        Err(e) => Some(format!("cannot list containers: {e}")),
    }
}

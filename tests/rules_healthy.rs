//! Real traces of healthy starts, recorded with the real strace (`tests/rules/healthy/*.strace`:
//! python3 importing json and ssl, through a pyenv shim and directly; python3 as a user who may not
//! write its bytecode cache; `ls /`; `busybox sh`;
//! `date` with good and bad time zones; `id` with NSS; `setpriv` to a uid without a name (systemd's
//! userdb probed); node with and without a module walk; a
//! shell's PATH search). Each is full of benign failures: the engine must call the start clean
//! and blame none of those probes, even when the same run is told to have failed.

mod rules_support;

use docker_diagnose::report::Kind;
use docker_diagnose::rules::{diagnose, RuleSet};
use rules_support::{files_with_ext, fixtures_dir, observe_strace};

fn healthy_logs() -> Vec<std::path::PathBuf> {
    let logs = files_with_ext(&fixtures_dir().join("healthy"), "strace");
    assert!(logs.len() >= 8, "the healthy fixtures are missing");
    logs
}

#[test]
fn healthy_starts_exit_cleanly_and_nothing_else_is_found() {
    let rules = RuleSet::builtin().unwrap();
    let mut probes = 0;
    for log in healthy_logs() {
        let obs = observe_strace(&log);
        probes += obs
            .trace
            .events
            .iter()
            .filter(|e| e.errno.is_some())
            .count();
        let report = diagnose(&obs, &rules);
        assert_eq!(report.exit.code, Some(0), "{}", log.display());
        let kinds: Vec<Kind> = report.findings.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            vec![Kind::ExitedCleanly],
            "{}: {:#?}",
            log.display(),
            report.findings
        );
    }
    assert!(
        probes > 1000,
        "only {probes} failing probes in the healthy fixtures"
    );
}

#[test]
fn probes_are_never_blamed_even_when_the_run_failed() {
    let rules = RuleSet::builtin().unwrap();
    for log in healthy_logs() {
        let mut obs = observe_strace(&log);
        // The same calls, but the run exits 1: whatever is blamed must not be a probe.
        obs.exit.code = Some(1);
        let report = diagnose(&obs, &rules);
        for finding in &report.findings {
            let blamed: Vec<&str> = finding
                .evidence
                .iter()
                .filter(|e| e.errno.is_some())
                .map(|e| e.call.as_str())
                .collect();
            assert!(
                blamed.is_empty(),
                "{}: {} blames probes: {blamed:#?}",
                log.display(),
                finding.rule
            );
        }
        assert_ne!(report.findings[0].kind, Kind::ExitedCleanly);
    }
}

#[test]
fn a_healthy_start_still_running_is_healthy_and_nothing_else() {
    let rules = RuleSet::builtin().unwrap();
    for log in healthy_logs() {
        let mut obs = observe_strace(&log);
        obs.outcome = docker_diagnose::report::Outcome::Running;
        obs.exit = Default::default();
        let report = diagnose(&obs, &rules);
        let kinds: Vec<Kind> = report.findings.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            vec![Kind::Healthy],
            "{}: {:#?}",
            log.display(),
            report.findings
        );
    }
}

//! The rule loader: any text given as a `--rules` file is loaded or refused with an error that
//! names the file, never a panic; and rules that load are run by the engine, without a panic,
//! on two real runs (a failed exec, and a connection refused). The fuzzed rules run alone, not
//! after the built-in ones: a user's rule meets the same engine either way, at a tenth of the cost.
#![no_main]

use std::sync::OnceLock;

use docker_diagnose::cli::explain;
use docker_diagnose::rules::{self, Observation, RuleSet};
use docker_diagnose::trace::strace_log;
use libfuzzer_sys::fuzz_target;

const LOGS: [&[u8]; 2] = [
    include_bytes!("../../tests/strace-logs/pasted-unfinished.txt"),
    include_bytes!("../../tests/strace-logs/connect.log"),
];

fn runs() -> &'static [Observation] {
    static RUNS: OnceLock<Vec<Observation>> = OnceLock::new();
    RUNS.get_or_init(|| {
        LOGS.iter()
            .map(|log| explain::observation(strace_log::read(log).unwrap()).0)
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match RuleSet::default().with_text("fuzz.toml", text) {
        Err(e) => assert!(e.to_string().contains("fuzz.toml"), "{e}"),
        Ok(set) => {
            for run in runs() {
                let report = rules::diagnose(run, &set);
                assert!(!report.findings.is_empty());
            }
        }
    }
});

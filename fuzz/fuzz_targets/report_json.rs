//! The saved-report loader: serde's own reading of a v1 report, and `explain`'s detection of a
//! report or a strace log in whatever bytes it is given. Neither may panic.
#![no_main]

use docker_diagnose::cli::explain::{self, Input};
use docker_diagnose::report::Report;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = serde_json::from_slice::<Report>(data) {
        // A report that was read writes back and reads the same.
        let text = serde_json::to_string(&report).unwrap();
        assert_eq!(serde_json::from_str::<Report>(&text).unwrap(), report);
    }
    if let Ok(Input::Reports(reports)) = explain::load(data) {
        assert!(!reports.is_empty());
    }
});

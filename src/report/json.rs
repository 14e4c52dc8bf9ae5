//! The JSON report: exactly the v1 schema of REPORT.md, for scripts and for `explain`.
//!
//! One report is printed as one JSON object; several reports (several images) as a JSON array of
//! those objects, in order. Pretty-printed, ending with a newline.

use super::Report;

pub fn render(reports: &[Report]) -> String {
    let text = match reports {
        [one] => serde_json::to_string_pretty(one),
        many => serde_json::to_string_pretty(many),
    };
    // The report holds only strings, numbers and plain structs: serializing it cannot fail.
    text.expect("a report always serializes") + "\n"
}

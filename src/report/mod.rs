//! Reports: the v1 model and its renderings (human, JSON, Markdown, JUnit).

pub mod model;

pub use model::*;

use crate::cli::Format;

/// Renders reports in a format; `color` only matters to `human`.
pub fn render(reports: &[Report], format: Format, _color: bool) -> String {
    let _ = format;
    reports
        .iter()
        .map(|r| serde_json::to_string_pretty(r).expect("a report always serializes") + "\n")
        .collect()
}

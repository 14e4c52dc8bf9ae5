//! Reports: the v1 model and its renderings (human, JSON, Markdown, JUnit).
//!
//! Every rendering goes through [`render_with`], which first masks secret-looking
//! `NAME=value` patterns in a copy of the reports ([`redact::mask_patterns`]): a caller that
//! forgot to call [`redact::redact`] still prints no password a program wrote to its stderr.
//! Known secret *values* (from the environment) can only be removed by [`redact::redact`], which
//! the producer of the report calls with `Observation.secrets`.

mod describe;
mod human;
mod json;
mod junit;
mod markdown;
pub mod model;
pub mod redact;

pub use describe::shell_quote;
pub use model::*;

use crate::cli::{Expect, Format};

/// Renders reports in a format; `color` only matters to `human`. Judges every outcome against
/// the default `--expect running`; see [`render_with`].
pub fn render(reports: &[Report], format: Format, color: bool) -> String {
    render_with(reports, format, color, Expect::Running)
}

/// Renders reports in a format, judging each outcome against `expect` (the headline's ✓ or ✗,
/// JUnit's pass or failure). Secret-looking patterns are masked in every format.
///
/// JSON: one report gives one object, several give an array of objects (in order).
pub fn render_with(reports: &[Report], format: Format, color: bool, expect: Expect) -> String {
    let masked: Vec<Report> = reports
        .iter()
        .map(|r| {
            let mut r = r.clone();
            redact::mask_patterns(&mut r);
            r
        })
        .collect();
    match format {
        Format::Human => human::render_all(&masked, color, expect),
        Format::Json => json::render(&masked),
        Format::Markdown => markdown::render_all(&masked, expect),
        Format::Junit => junit::render(&masked, expect),
    }
}

/// Whether a run counts as a good start under `expect`. A container that is up but whose
/// HEALTHCHECK reported unhealthy is not one.
pub fn meets(report: &Report, expect: Expect) -> bool {
    match expect {
        Expect::Running => {
            report.outcome == Outcome::Running
                && report.findings.first().map(|f| f.kind) != Some(Kind::Unhealthy)
        }
        Expect::Exit0 => report.outcome == Outcome::Exited && report.exit.code == Some(0),
    }
}

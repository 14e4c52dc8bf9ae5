//! Printing reports and turning their outcome into the exit status.

use std::io::IsTerminal;

use super::{ColorChoice, Expect, OutputOpts};
use crate::report::{self, Outcome, Report};

/// Prints the reports in the chosen format and returns the exit status: 0 when every outcome met
/// `--expect`, else 1.
pub fn print_reports(reports: &[Report], opts: &OutputOpts) -> u8 {
    let color = match opts.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
        }
    };
    print!("{}", report::render(reports, opts.format, color));
    if reports.iter().all(|r| meets(r, opts.expect)) {
        0
    } else {
        1
    }
}

/// Whether a run counts as a good start.
pub fn meets(report: &Report, expect: Expect) -> bool {
    match expect {
        Expect::Running => report.outcome == Outcome::Running,
        Expect::Exit0 => report.outcome == Outcome::Exited && report.exit.code == Some(0),
    }
}

//! Printing reports and turning their outcome into the exit status.

use std::io::IsTerminal;

use super::{ColorChoice, OutputOpts};
use crate::report::{self, Report};

pub use crate::report::meets;

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
    print!(
        "{}",
        report::render_with(reports, opts.format, color, opts.expect)
    );
    if reports.iter().all(|r| meets(r, opts.expect)) {
        0
    } else {
        1
    }
}

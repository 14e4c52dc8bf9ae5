//! Printing reports and turning their outcome into the exit status.

use std::io::{IsTerminal, Write};

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
    let text = report::render_with(reports, opts.format, color, opts.expect);
    // Not `print!`: it panics when stdout is a closed pipe (`docker-diagnose ... | head -1`).
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("docker-diagnose: cannot write the report: {e}");
        return super::EXIT_TOOL_ERROR;
    }
    if reports.iter().all(|r| meets(r, opts.expect)) {
        0
    } else {
        1
    }
}

//! The strace-log reader: turns what people paste from `strace` into the shared event model, so
//! that a log is diagnosed by the same rules as a trace the runner recorded.
//!
//! It takes the log as it arrives in tickets: `strace -f` with pid columns or `[pid N]`
//! prefixes, `-t`/`-tt`/`-ttt`/`-r` timestamps, `-T` durations, `-y`/`-yy` fd decorations,
//! `<unfinished ...>`/`<... resumed>` halves (merged into one event), per-process `-ff -o` files
//! concatenated (with or without `==> file.PID <==` headers), lines indented, quoted or wrapped by
//! a ticket system, shell prompts and program output mixed in (skipped), and logs that start
//! mid-trace. Errors are read by their name (`ENOENT`), never by their text, which may be
//! translated. Lines are split with memchr and only the calls that can carry a path, an address
//! or output have their arguments decoded. On a log of a megabyte or more, finding, parsing and
//! decoding the lines ([`lexer`]) runs on two more threads, which take the log's parts in turn a
//! few parts ahead of the [`reader`], which follows the processes.
//!
//! Lines without a pid belong to the process strace was following alone at the time. Where the
//! log never names that process (a plain `strace ./app`), it is given pid 1 (or, when 1 is taken,
//! the next free number), as the program in a container would have.

mod decode;
mod lexer;
mod prefix;
mod reader;
mod syntax;

use super::Trace;

/// The most lines kept of what the processes wrote to stdout and to stderr.
pub const TAIL_LINES: usize = 50;

/// A strace log read into events, with what the reader learned on the way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StraceLog {
    /// The events; `trace.end` is set when the log shows how the main process ended.
    pub trace: Trace,
    /// The last lines written to fd 1 and fd 2 (also when the main process's end is not in the
    /// log, where `trace.end` would carry them).
    pub stdout_tail: Vec<String>,
    pub stderr_tail: Vec<String>,
    /// Lines that were not trace lines (program output, prompts, garbage).
    pub skipped_lines: u64,
    /// From the first line's time to the latest, when the log has times (else 0).
    pub duration_ms: u64,
    /// Values of secret-looking environment variables seen in an exec's environment (`-v`):
    /// they must never appear in a report.
    pub secrets: Vec<String>,
}

/// Reads a strace log into the shared event model.
///
/// Fails only when not one line of the input is a trace line.
pub fn parse(input: &[u8]) -> anyhow::Result<Trace> {
    read(input).map(|log| log.trace)
}

/// Reads a strace log, keeping the output tails and the count of skipped lines.
pub fn read(input: &[u8]) -> anyhow::Result<StraceLog> {
    reader::Reader::default().read(input).map_err(|e| {
        if is_call_summary(input) {
            anyhow::anyhow!(
                "it holds only strace -c's summary table (calls counted, none shown); record the calls themselves with `strace -f -o trace.log COMMAND`"
            )
        } else {
            e
        }
    })
}

/// `strace -c`'s table: `% time     seconds  usecs/call     calls    errors syscall`.
fn is_call_summary(input: &[u8]) -> bool {
    let head = &input[..input.len().min(64 * 1024)];
    memchr::memmem::find(head, b"usecs/call").is_some()
        && memchr::memmem::find(head, b"% time").is_some()
}

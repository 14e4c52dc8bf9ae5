//! The JSON Lines record writer: bounded in events and bytes, counting what it drops, and
//! flushed whenever the tracer is about to block so a later SIGKILL loses nothing. Flushing is
//! enough: data written with write(2) is in the page cache and outlives the process and its
//! container (the host reads the file after the container stops); no fsync is needed.

use std::fs::File;
use std::io::{BufWriter, Write};

use crate::trace::{Event, Record};

/// Successful calls recorded before only failures, signals and exits are kept.
const SOFT_EVENT_CAP: u64 = 50_000;
/// Events recorded at most.
const HARD_EVENT_CAP: u64 = 200_000;
/// Bytes written at most (the `End` record always fits).
const BYTE_CAP: u64 = 64 << 20;

pub struct Writer {
    out: BufWriter<File>,
    events: u64,
    dropped: u64,
    bytes: u64,
    dirty: bool,
    broken: bool,
}

impl Writer {
    pub fn new(file: File) -> Writer {
        Writer {
            out: BufWriter::with_capacity(64 << 10, file),
            events: 0,
            dropped: 0,
            bytes: 0,
            dirty: false,
            broken: false,
        }
    }

    /// Events written so far (also the next event's `seq`).
    pub fn events(&self) -> u64 {
        self.events
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Writes an event unless a bound is reached; fills in its `seq`.
    pub fn event(&mut self, mut event: Event) {
        let important = event.errno.is_some() || event.kind != crate::trace::EventKind::Syscall;
        if self.events >= HARD_EVENT_CAP
            || self.bytes >= BYTE_CAP
            || (self.events >= SOFT_EVENT_CAP && !important)
        {
            self.dropped += 1;
            return;
        }
        event.seq = self.events;
        self.events += 1;
        self.record(&Record::Event(event));
    }

    /// Writes any record (the header and the end are never dropped).
    pub fn record(&mut self, record: &Record) {
        if self.broken {
            return;
        }
        let mut line = match serde_json::to_vec(record) {
            Ok(line) => line,
            Err(_) => return,
        };
        line.push(b'\n');
        self.bytes += line.len() as u64;
        self.dirty = true;
        // A full disk must not stop the tracer: it keeps the program running, unrecorded.
        if self.out.write_all(&line).is_err() {
            self.broken = true;
        }
    }

    /// Whether lines are buffered that the file does not have yet.
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    /// Pushes buffered lines to the file when there are any.
    pub fn flush(&mut self) {
        if self.dirty {
            self.dirty = false;
            if self.out.flush().is_err() {
                self.broken = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::EventKind;

    #[test]
    fn caps_successes_first_and_counts_drops() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let mut w = Writer::new(tmp.reopen().unwrap());
        for _ in 0..SOFT_EVENT_CAP + 10 {
            w.event(Event::default());
        }
        assert_eq!(w.events(), SOFT_EVENT_CAP);
        assert_eq!(w.dropped(), 10);
        w.event(Event {
            kind: EventKind::Exit,
            ..Event::default()
        });
        assert_eq!(w.events(), SOFT_EVENT_CAP + 1);
        w.flush();
        let text = std::fs::read_to_string(tmp.path()).unwrap();
        assert_eq!(text.lines().count() as u64, SOFT_EVENT_CAP + 1);
    }
}

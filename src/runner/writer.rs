//! The JSON Lines record writer: bounded in events and bytes, counting what it drops, and
//! flushed whenever the tracer is about to block so a later SIGKILL loses nothing. Flushing is
//! enough: data written with write(2) is in the page cache and outlives the process and its
//! container (the host reads the file after the container stops); no fsync is needed.
//!
//! An event is held, numbered but not yet serialised, until [`Writer::release`]: the tracer
//! releases after resuming the stopped task, so the JSON is written while the program runs
//! instead of while it waits. Any other record, a flush and a release write the held events
//! first, in their order.

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
    /// Events accepted and numbered, not yet serialised.
    held: Vec<Event>,
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
            held: Vec::new(),
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

    /// Accepts an event unless a bound is reached, fills in its `seq` and holds it until the
    /// next release.
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
        self.held.push(event);
    }

    /// Serialises the held events.
    pub fn release(&mut self) {
        // Taken and put back so that the vector keeps its capacity.
        let mut held = std::mem::take(&mut self.held);
        for event in held.drain(..) {
            self.write(&Record::Event(event));
        }
        self.held = held;
    }

    /// Writes any record after the held events (the header and the end are never dropped).
    pub fn record(&mut self, record: &Record) {
        self.release();
        self.write(record);
    }

    fn write(&mut self, record: &Record) {
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

    /// Whether events are held or lines buffered that the file does not have yet.
    pub fn dirty(&self) -> bool {
        self.dirty || !self.held.is_empty()
    }

    /// Pushes held events and buffered lines to the file when there are any.
    pub fn flush(&mut self) {
        self.release();
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

    #[test]
    fn held_events_reach_the_file_before_any_later_record() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let mut w = Writer::new(tmp.reopen().unwrap());
        assert!(!w.dirty());
        w.event(Event::default());
        w.event(Event::default());
        // Numbered at once, serialised later: still something the file lacks.
        assert_eq!(w.events(), 2);
        assert!(w.dirty());
        w.flush();
        assert!(!w.dirty());
        w.event(Event::default());
        w.record(&Record::End(crate::trace::End::default()));
        w.flush();
        let text = std::fs::read_to_string(tmp.path()).unwrap();
        let seqs: Vec<_> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|v| v["seq"].as_u64().or(v["type"].as_str().map(|_| u64::MAX)))
            .collect();
        assert_eq!(seqs, [Some(0), Some(1), Some(2), Some(u64::MAX)]);
    }
}

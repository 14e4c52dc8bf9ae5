//! The trace: the event model shared by the runner and the strace-log reader, and the in-memory
//! [`Trace`] the rule engine reads.

pub mod deferred;
pub mod dns;
pub mod event;
pub mod names;
pub mod path;
pub mod records;
pub mod strace_log;

pub use event::{
    ElfFacts, End, Event, EventKind, Evidence, ExitFacts, Header, MountFacts, ParentFacts,
    ProcessLimits, Record, Shebang, EVENTS_SCHEMA,
};
pub use names::Name;
pub use records::read_records;

/// A whole trace in memory, whatever its source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    pub header: Option<Header>,
    pub events: Vec<Event>,
    /// Events read but not kept: a strace log's routine calls (`mmap`, `read`, `close`...),
    /// which no rule reads. They count in the trace's size.
    pub omitted: u64,
    /// `None` when the trace was cut short (no end record).
    pub end: Option<End>,
}

impl Trace {
    /// The process whose exit decides the container's exit: the header's, else the first seen.
    pub fn main_pid(&self) -> Option<i32> {
        self.header
            .as_ref()
            .map(|h| h.main_pid)
            .or_else(|| self.events.first().map(|e| e.pid))
    }
}

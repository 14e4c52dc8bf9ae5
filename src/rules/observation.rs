//! What the engine is given: everything observed about one run, whatever produced it
//! (a container, a host `trace`, a pasted strace log, a saved report).

use crate::report::{Exit, Outcome, Target};
use crate::trace::Trace;

#[derive(Debug, Clone)]
pub struct Observation {
    pub target: Target,
    pub outcome: Outcome,
    pub exit: Exit,
    pub duration_ms: u64,
    pub trace: Trace,
    pub stdout_tail: Vec<String>,
    pub stderr_tail: Vec<String>,
    /// The engine's own words when it refused to create or start the container.
    pub docker_error: Option<String>,
    /// The container's memory limit in bytes, when one was set (tells SIGKILL at the limit).
    pub memory_limit: Option<u64>,
    /// Whether the image has a HEALTHCHECK and it reported healthy before `--wait` ran out.
    pub healthy: bool,
    /// Values of secret-looking environment variables: never shown in any report.
    pub secrets: Vec<String>,
}

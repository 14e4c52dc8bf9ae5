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
    /// What the image's HEALTHCHECK had said when the wait ended.
    pub health: Health,
    /// Values of secret-looking environment variables: never shown in any report.
    pub secrets: Vec<String>,
    /// The host paths mounted into the container (`-v /host:/path`, `--mount type=bind`): a
    /// finding about a mount point names what the user mounted there.
    pub bind_mounts: Vec<BindMount>,
    /// The container's network (`--network`: `none`, `host`, `bridge`, a network's name), when
    /// a container ran; `none` leaves it only the loopback interface.
    pub network: Option<String>,
}

impl Observation {
    /// The host path mounted at `target`, when the user mounted one there.
    pub fn bind_source(&self, target: &str) -> Option<&str> {
        let target = target.trim_end_matches('/');
        self.bind_mounts
            .iter()
            .find(|b| b.target.trim_end_matches('/') == target)
            .map(|b| b.source.as_str())
    }
}

/// What a HEALTHCHECK had said when `--wait` ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Health {
    /// No HEALTHCHECK (or not a container).
    #[default]
    None,
    /// A HEALTHCHECK that had given no verdict yet (`starting`).
    Pending,
    Healthy,
    /// It failed as many times in a row as its retries allow: its last check.
    Unhealthy(HealthFailure),
}

/// A HEALTHCHECK that failed: the check as the image gives it, its last exit code and output.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
pub struct HealthFailure {
    pub command: String,
    pub exit_code: Option<i64>,
    pub output: String,
}

/// A host file or directory mounted into the container.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct BindMount {
    /// The path on the engine's host.
    pub source: String,
    /// Where it appears in the container.
    pub target: String,
}

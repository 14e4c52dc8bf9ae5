//! The report, version 1: the contract of `../shared/REPORT.md` as Rust types.
//!
//! Every output format renders this one structure, and `explain` reads it back from JSON, so a
//! field added here is added everywhere. Fields beyond the contract are additions only.

use serde::{Deserialize, Serialize};

/// The schema name every JSON report carries.
pub const REPORT_SCHEMA: &str = "docker-diagnose.report/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: Tool,
    pub target: Target,
    pub outcome: Outcome,
    pub exit: Exit,
    pub duration_ms: u64,
    /// Never empty; `findings[0]` is the primary cause.
    pub findings: Vec<Finding>,
    pub stdout_tail: Vec<String>,
    pub stderr_tail: Vec<String>,
    pub trace: TraceSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "docker-diagnose".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// What was run: the image and the command as Docker would run it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The image reference; for `trace` and strace logs, absent.
    pub image: Option<String>,
    pub image_id: Option<String>,
    pub entrypoint: Vec<String>,
    pub command: Vec<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub platform: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Running,
    Exited,
    Killed,
    NotStarted,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exit {
    pub code: Option<i32>,
    pub signal: Option<String>,
    pub oom_killed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub kind: Kind,
    pub confidence: Confidence,
    pub summary: String,
    pub explanation: String,
    pub fix: String,
    pub evidence: Vec<EvidenceLine>,
}

/// One line of evidence, reading like strace's own output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvidenceLine {
    pub pid: Option<i32>,
    pub syscall: Option<String>,
    pub call: String,
    pub errno: Option<String>,
    pub path: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceSummary {
    pub events: u64,
    pub processes: u64,
    pub dropped: u64,
    /// Addition to v1: the notable calls of the trace in strace syntax (bounded), for the
    /// Markdown `<details>` block and for re-rendering a saved report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<String>,
}

/// Why the container exited or failed to start: the list in REPORT.md, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    MissingExecutable,
    MissingInterpreter,
    BadShebang,
    ExecFormat,
    NotExecutable,
    MissingLibrary,
    LibraryVersion,
    MissingFile,
    PermissionDenied,
    ReadOnlyFilesystem,
    NoSpace,
    TooManyOpenFiles,
    /// No new process or thread could be made: `--pids-limit`, `--ulimit nproc` (beyond
    /// REPORT.md).
    TooManyProcesses,
    PortInUse,
    PrivilegedPort,
    AddressNotAvailable,
    ConnectionRefused,
    DnsFailure,
    MissingCapability,
    OomKilled,
    Crashed,
    Daemonized,
    ExitedCleanly,
    AppError,
    DockerError,
    Healthy,
    /// Up, but its HEALTHCHECK reported unhealthy before `--wait` ran out (beyond REPORT.md).
    Unhealthy,
    Unknown,
}

impl Kind {
    pub const ALL: [Kind; 28] = [
        Kind::MissingExecutable,
        Kind::MissingInterpreter,
        Kind::BadShebang,
        Kind::ExecFormat,
        Kind::NotExecutable,
        Kind::MissingLibrary,
        Kind::LibraryVersion,
        Kind::MissingFile,
        Kind::PermissionDenied,
        Kind::ReadOnlyFilesystem,
        Kind::NoSpace,
        Kind::TooManyOpenFiles,
        Kind::TooManyProcesses,
        Kind::PortInUse,
        Kind::PrivilegedPort,
        Kind::AddressNotAvailable,
        Kind::ConnectionRefused,
        Kind::DnsFailure,
        Kind::MissingCapability,
        Kind::OomKilled,
        Kind::Crashed,
        Kind::Daemonized,
        Kind::ExitedCleanly,
        Kind::AppError,
        Kind::DockerError,
        Kind::Healthy,
        Kind::Unhealthy,
        Kind::Unknown,
    ];

    /// The kebab-case name used in reports and rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MissingExecutable => "missing-executable",
            Kind::MissingInterpreter => "missing-interpreter",
            Kind::BadShebang => "bad-shebang",
            Kind::ExecFormat => "exec-format",
            Kind::NotExecutable => "not-executable",
            Kind::MissingLibrary => "missing-library",
            Kind::LibraryVersion => "library-version",
            Kind::MissingFile => "missing-file",
            Kind::PermissionDenied => "permission-denied",
            Kind::ReadOnlyFilesystem => "read-only-filesystem",
            Kind::NoSpace => "no-space",
            Kind::TooManyOpenFiles => "too-many-open-files",
            Kind::TooManyProcesses => "too-many-processes",
            Kind::PortInUse => "port-in-use",
            Kind::PrivilegedPort => "privileged-port",
            Kind::AddressNotAvailable => "address-not-available",
            Kind::ConnectionRefused => "connection-refused",
            Kind::DnsFailure => "dns-failure",
            Kind::MissingCapability => "missing-capability",
            Kind::OomKilled => "oom-killed",
            Kind::Crashed => "crashed",
            Kind::Daemonized => "daemonized",
            Kind::ExitedCleanly => "exited-cleanly",
            Kind::AppError => "app-error",
            Kind::DockerError => "docker-error",
            Kind::Healthy => "healthy",
            Kind::Unhealthy => "unhealthy",
            Kind::Unknown => "unknown",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_match_serde() {
        for k in Kind::ALL {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
    }
}

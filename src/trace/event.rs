//! The event model: what the runner records and what the strace-log reader produces.
//!
//! Both sources speak this one vocabulary, so the rule engine and the reports never need to know
//! where a trace came from. On disk a trace is JSON Lines (`docker-diagnose.events/v1`): a
//! [`Record::Header`], then one [`Record::Event`] per recorded call or process event, then a
//! [`Record::End`] with the exit and the bounded output tails. A trace cut short (the container
//! was killed while the runner wrote) has no `End`, and its last line may be cut mid-way.

use serde::{Deserialize, Serialize};

use super::Name;

/// The schema name written in every trace header.
pub const EVENTS_SCHEMA: &str = "docker-diagnose.events/v1";

/// One line of a trace file.
// Events dominate a trace; boxing them would cost an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Record {
    Header(Header),
    Event(Event),
    End(End),
}

/// What was traced, written before the first event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub schema: String,
    pub tool_version: String,
    /// The argv the runner was asked to run, before any `PATH` search.
    pub argv: Vec<String>,
    /// Process id of the program (1 inside a container).
    pub main_pid: i32,
    /// Whether every system call stopped (`--full`) or only the prefiltered set.
    #[serde(default)]
    pub full: bool,
    /// The process's user and group ids at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
}

/// What a traced process did: a system call with its result, a signal, an exit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Order of recording, from 0 (strace logs: line order).
    pub seq: u64,
    /// Microseconds since the trace began, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_us: Option<u64>,
    pub pid: i32,
    pub kind: EventKind,
    /// The system call's name (`openat`), for [`EventKind::Syscall`].
    #[serde(default)]
    pub syscall: Option<Name>,
    /// The line as strace prints it: `openat(AT_FDCWD, "/etc/app.conf", O_RDONLY) = -1 ENOENT (No such file or directory)`.
    pub call: String,
    /// The path the call names, made absolute where the dirfd or cwd was known.
    #[serde(default)]
    pub path: Option<String>,
    /// A second path (rename's target, symlink's link, exec's resolved program).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path2: Option<String>,
    /// Socket address for connect/bind/sendto: an IP address or a unix socket path.
    #[serde(default)]
    pub addr: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    /// Address family for socket calls (`AF_INET`, `AF_INET6`, `AF_UNIX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The return value; `-1` when the call failed (then `errno` is set); absent when unfinished.
    #[serde(default)]
    pub ret: Option<i64>,
    /// The error name (`ENOENT`) when the call failed, else null.
    #[serde(default)]
    pub errno: Option<Name>,
    /// Decoded flags, strace style (`O_WRONLY|O_CREAT|O_TRUNC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<String>,
    /// A mode argument (open with O_CREAT, mkdir, chmod), as a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// The file descriptor a call acts on (write's fd 1 or 2, fstat's fd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fd: Option<i32>,
    /// For execve: the argument vector (bounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argv: Option<Vec<String>>,
    /// For writes to fd 1/2: the text written (bounded, lossily decoded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// For a send that carried a DNS query, or a receive that carried its answer: the host name
    /// asked for (see [`super::dns`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// For a receive that carried a DNS answer: its response code (`NXDOMAIN`, `NOERROR`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcode: Option<String>,
    /// ... and how many answer records it held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<u16>,
    /// For signals and kills: the signal's name (`SIGSEGV`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// For a signal a process sent (kill, tgkill, sigqueue): the sender's pid as the receiver's
    /// pid namespace numbers it; 0 when the sender is outside it (`docker stop`, `docker kill`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<i32>,
    /// For kill calls (`kill`, `tkill`, `tgkill`): the process the signal was sent to, as the
    /// caller numbers it (negative: a process group; 0: the caller's group; -1: every process
    /// the caller may signal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<i32>,
    /// For exits: the exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// What the runner found out about the failure from inside (exec and open failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Box<Evidence>>,
    /// What the runner found about the process limits when a fork or a new thread was refused
    /// (`EAGAIN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Box<ProcessLimits>>,
}

/// The sort of thing an [`Event`] records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// A system call and its result.
    #[default]
    Syscall,
    /// A signal delivered to the process (`--- SIGSEGV {...} ---`).
    Signal,
    /// The process exited (`+++ exited with 3 +++`).
    Exit,
    /// The process was killed by a signal (`+++ killed by SIGKILL +++`).
    Killed,
    /// Something the runner itself observed and wants said (e.g. a name not found in `PATH`).
    Note,
}

/// Facts gathered from inside the container about the target of a failing call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The file the evidence is about.
    pub path: String,
    pub exists: bool,
    /// `file`, `dir`, `symlink`, `char-device`, `block-device`, `other` (a FIFO, a socket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    /// For a device node: its type and numbers as a device cgroup rule names them (`c 10:229`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// What the first bytes say: `elf`, `script` (`#!`), `utf8-bom`, `utf16`, `empty`, `text`,
    /// `binary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub magic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elf: Option<ElfFacts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shebang: Option<Shebang>,
    /// The mount the path lives on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount: Option<MountFacts>,
    /// For a path that does not exist because it is a symbolic link to nothing: where it points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dangling_link: Option<String>,
    /// For a path that does not exist (or cannot be created): its nearest existing parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearest_parent: Option<ParentFacts>,
    /// For a call refused with EACCES: the first directory on the way to the path that the
    /// calling process may not search (no execute permission for its uid, its gid or its
    /// groups), so nothing below it can be reached, whatever the file's own mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsearchable: Option<ParentFacts>,
    /// For a program that is not there: executables beside where it was looked for whose names
    /// differ from its name only in a version (`python3` for `python`, `python3.11` for
    /// `python3.12`), at most three, shortest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// The ids of the process that made the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_gid: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process_groups: Vec<u32>,
    /// Free-text observations, each one sentence (shown as evidence notes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// An ELF file's header facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ElfFacts {
    /// `ELF32` or `ELF64`.
    pub class: String,
    /// The machine, in `uname -m` spelling (`x86_64`, `aarch64`, `arm`...).
    pub machine: String,
    /// Whether the machine can run here (same as the runner's).
    pub runnable_machine: bool,
    /// `PT_INTERP`, the program interpreter (dynamic loader), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter_exists: Option<bool>,
    /// When the interpreter is a symbolic link to nothing: where it points (`COPY` of
    /// `/lib64/ld-linux-x86-64.so.2` copies the link, not the loader).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter_link: Option<String>,
    /// `DT_NEEDED` libraries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needed: Vec<String>,
    /// Whether the header could not be fully read (truncated file).
    #[serde(default)]
    pub truncated: bool,
}

/// A script's `#!` line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shebang {
    /// The line as written, without `#!` and with escapes for odd bytes (`\r`).
    pub line: String,
    pub interpreter: String,
    pub interpreter_exists: bool,
    /// When the interpreter is a symbolic link to nothing: where it points (a virtual
    /// environment's `bin/python`, made where Python lived at another path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter_link: Option<String>,
    /// The line ends in `\r` (the script has CRLF line endings).
    pub trailing_cr: bool,
}

/// The mount a path lives on, from `/proc/self/mountinfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MountFacts {
    pub mount_point: String,
    pub fs_type: String,
    pub read_only: bool,
    pub noexec: bool,
    #[serde(default)]
    pub nosuid: bool,
}

/// A directory's place and permissions: the nearest existing one above a missing or
/// unwritable path, or one the process may not search.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParentFacts {
    pub path: String,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// The limits on how many processes and threads may exist, read inside the container when a
/// `clone`, `fork` or `vfork` failed with `EAGAIN`. Counts leave out the tracer's own process:
/// they are what the program had (the docker layer raises `--pids-limit` by one for the tracer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessLimits {
    /// Which limit refused: `pids` (the container's pids cgroup, `--pids-limit`), `nproc` (the
    /// calling user's `RLIMIT_NPROC`, `--ulimit nproc`), or `unknown` (a limit of the whole
    /// host: `kernel.pid_max`, `kernel.threads-max`).
    pub reached: String,
    /// The pids cgroup's limit and how many tasks it held, when it has a limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids_max: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids_current: Option<u64>,
    /// The caller's soft `RLIMIT_NPROC`, when it is not unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nproc: Option<u64>,
    /// The caller's real uid, whose tasks `RLIMIT_NPROC` counts on the whole host...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// ... and how many of them (threads included) this container's processes hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid_tasks: Option<u64>,
}

/// The end of a trace: how the main process ended and what it printed last.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct End {
    pub exit: ExitFacts,
    /// Events recorded, and events dropped once the bounds were reached.
    pub events: u64,
    pub dropped: u64,
    /// Processes seen in all.
    pub processes: u64,
    /// Processes still alive when the main process ended (a daemon left behind).
    #[serde(default)]
    pub alive: Vec<i32>,
    #[serde(default)]
    pub stdout_tail: Vec<String>,
    #[serde(default)]
    pub stderr_tail: Vec<String>,
    pub duration_ms: u64,
    /// Calls whose result the runner foresaw at their entry, so that they cost one stop
    /// (`runner::predict`; 0 from other sources).
    #[serde(default)]
    pub predicted: u64,
}

/// How a process ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitFacts {
    pub code: Option<i32>,
    /// The signal's name, when it died from one.
    pub signal: Option<String>,
    #[serde(default)]
    pub oom_killed: bool,
}

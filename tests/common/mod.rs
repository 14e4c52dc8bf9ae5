//! Shared helpers of the runner's integration tests: the binary, the C test programs compiled
//! once per test process, running a command under the runner and reading its records.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output};

use docker_diagnose::trace::{read_records, Event, Trace};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_docker-diagnose")
}

/// Compiles `tests/programs/NAME.c` (when the binary is missing or older than its source) into
/// Cargo's per-target scratch directory, and returns the executable.
pub fn program(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("runner-programs");
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/programs")
        .join(format!("{name}.c"));
    let out = dir.join(name);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&out) < modified(&src) {
        // Several test processes may compile at once: build aside, then rename into place.
        static BUILDS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!("{name}.{}.{n}.tmp", std::process::id()));
        let status = Command::new("gcc")
            .args(["-O1", "-pthread", "-o"])
            .arg(&tmp)
            .arg(&src)
            .status()
            .expect("gcc runs");
        assert!(status.success(), "gcc failed on {}", src.display());
        std::fs::rename(&tmp, &out).unwrap();
    }
    out
}

/// A scratch directory for one test.
pub fn scratch() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("dd-runner-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    dir
}

/// What one run under the runner gave.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub trace: Trace,
}

impl Run {
    /// The events that failed.
    pub fn failures(&self) -> Vec<&Event> {
        self.trace
            .events
            .iter()
            .filter(|e| e.errno.is_some())
            .collect()
    }

    /// The first event of `syscall` whose path is `path`.
    pub fn event(&self, syscall: &str, path: &str) -> Option<&Event> {
        self.trace
            .events
            .iter()
            .find(|e| e.syscall.as_deref() == Some(syscall) && e.path.as_deref() == Some(path))
    }
}

/// Runs `argv` under `__run --events FILE [extra...]`, capturing its output.
pub fn run(extra: &[&str], argv: &[&str]) -> Run {
    let dir = scratch();
    let events = dir.path().join("events.jsonl");
    let out = Command::new(bin())
        .arg("__run")
        .arg("--events")
        .arg(&events)
        .args(extra)
        .arg("--")
        .args(argv)
        .output()
        .expect("runner starts");
    finish(out, &events)
}

pub fn finish(out: Output, events: &Path) -> Run {
    let file = std::fs::File::open(events).expect("the runner wrote its events");
    let trace = read_records(std::io::BufReader::new(file)).expect("the events parse");
    Run {
        status: out.status,
        stdout: out.stdout,
        stderr: out.stderr,
        trace,
    }
}

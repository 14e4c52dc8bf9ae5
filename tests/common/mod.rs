//! Helpers shared by the integration tests.
//!
//! The runner's: the binary, the C test programs compiled once per test process, running a
//! command under the runner and reading its records. The Docker path's: the busybox base image,
//! tiny test images built from it, running our binary with a run id of its own, and checking
//! that a run left nothing behind.
#![allow(dead_code)] // each test crate uses its own subset

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use docker_diagnose::trace::{read_records, Event, EventKind, Trace};

/// Our binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_docker-diagnose")
}

/// Compiles `tests/programs/NAME.c` (when the binary is missing or older than its source) into
/// Cargo's per-target scratch directory, and returns the executable.
pub fn program(name: &str) -> PathBuf {
    program_built_with(name, &["-O1", "-pthread"])
}

/// [`program`] compiled with these `gcc` flags (e.g. `-static -nostdlib` for a program without
/// libc).
pub fn program_built_with(name: &str, flags: &[&str]) -> PathBuf {
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
            .args(flags)
            .arg("-o")
            .arg(&tmp)
            .arg(&src)
            .status()
            .expect("gcc runs");
        assert!(status.success(), "gcc failed on {}", src.display());
        std::fs::rename(&tmp, &out).unwrap();
    }
    out
}

/// Reads a started child's stdout up to the `ready` line its program prints once it is set up.
pub fn read_until_ready(child: &mut Child) -> BufReader<ChildStdout> {
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n", "the program did not start");
    stdout
}

/// Whether the test runs as root, which `what` needs; if not, says that it is skipped. (The
/// test command runs as root, so CI checks these; a developer's plain `cargo test` may not.)
pub fn root_for(what: &str) -> bool {
    let root = nix::unistd::geteuid().is_root();
    if !root {
        eprintln!("skipped: {what} needs root");
    }
    root
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

    /// The first `open` or `openat` of `path` (which of the two a libc uses varies).
    pub fn open(&self, path: &str) -> Option<&Event> {
        self.event("open", path)
            .or_else(|| self.event("openat", path))
    }

    /// The launcher's note (a name its `PATH` search did not find).
    pub fn note(&self) -> &Event {
        self.trace
            .events
            .iter()
            .find(|e| e.kind == EventKind::Note)
            .expect("a note")
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

// ---- The Docker path ----

/// The base of the test images: Debian's static busybox with its applets in `/bin`, a root and
/// an `app` (1000) user. The fixtures build on it too.
pub const BUSYBOX: &str = "docker-diagnose-test/busybox:latest";

const BUSYBOX_DOCKERFILE: &str = "\
FROM scratch
COPY busybox /bin/busybox
RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]
RUN mkdir -p /tmp /root /home/app /var/run /etc && chmod 1777 /tmp && chown 1000:1000 /home/app
COPY passwd group /etc/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
";

/// Runs the docker CLI.
pub fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the docker CLI runs")
}

/// Builds [`BUSYBOX`] unless it exists. Safe when several test binaries call it at once: the
/// build runs under an exclusive lock on a file in cargo's target temp dir.
pub fn ensure_busybox_image() {
    if image_exists(BUSYBOX) {
        return;
    }
    // In the target dir, not /tmp: the tests leave nothing in the temp dir.
    let lock_path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("docker-diagnose-test-busybox.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .expect("the lock file opens");
    let _lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| e)
        .expect("the lock is taken");
    if image_exists(BUSYBOX) {
        return;
    }
    let busybox =
        std::fs::read("/bin/busybox").expect("busybox-static is installed at /bin/busybox");
    build_image(
        BUSYBOX,
        BUSYBOX_DOCKERFILE,
        &[
            ("busybox", &busybox, 0o755),
            (
                "passwd",
                b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n",
                0o644,
            ),
            ("group", b"root:x:0:\napp:x:1000:\n", 0o644),
        ],
    );
}

pub fn image_exists(tag: &str) -> bool {
    docker(&["image", "inspect", tag]).status.success()
}

/// Builds `tag` from a Dockerfile and files (name, content, mode) in a temp context.
///
/// Without the build cache: tests run in parallel, and two builds of the same steps would share
/// an untagged layer that one test's `rmi` deletes while the other still builds on it ("failed
/// to get digest"; seen in CI).
pub fn build_image(tag: &str, dockerfile: &str, files: &[(&str, &[u8], u32)]) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    for (name, data, mode) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, data).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
    let out = Command::new("docker")
        .args(["build", "--no-cache", "--force-rm", "-q", "-t", tag])
        .arg(dir.path())
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .expect("docker build runs");
    assert!(
        out.status.success(),
        "docker build of {tag} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds a test image on top of [`BUSYBOX`] from Dockerfile lines (after its `FROM`).
pub fn busybox_image(tag: &str, lines: &str) {
    ensure_busybox_image();
    build_image(tag, &format!("FROM {BUSYBOX}\n{lines}\n"), &[]);
}

/// What one run of our binary gave.
pub struct Diagnosis {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The `DOCKER_DIAGNOSE_RUN_ID` it ran with: its containers and volumes carry it.
    pub run_id: String,
}

impl Diagnosis {
    /// The JSON report (the run must have used `--format json`).
    pub fn report(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "not a JSON report ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// A run id unique to this test process and call.
pub fn new_run_id() -> String {
    format!(
        "test-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::SeqCst)
    )
}

/// Runs our binary with `args`, a fresh run id and `extra_env`.
pub fn diagnose_env(args: &[&str], extra_env: &[(&str, &str)]) -> Diagnosis {
    let run_id = new_run_id();
    let out = Command::new(bin())
        .args(args)
        .env("DOCKER_DIAGNOSE_RUN_ID", &run_id)
        .env("NO_COLOR", "1")
        .envs(extra_env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("our binary runs");
    Diagnosis {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        run_id,
    }
}

pub fn diagnose(args: &[&str]) -> Diagnosis {
    diagnose_env(args, &[])
}

/// Containers and volumes that carry `run_id`'s label.
pub fn leftovers(run_id: &str) -> Vec<String> {
    let filter = format!("label=io.docker-diagnose.run={run_id}");
    let mut left = Vec::new();
    let queries: [&[&str]; 2] = [
        &["ps", "-aq", "--filter", &filter],
        &["volume", "ls", "-q", "--filter", &filter],
    ];
    for args in queries {
        let out = docker(args);
        assert!(out.status.success(), "docker {args:?} failed");
        left.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string),
        );
    }
    left
}

/// Asserts that the run left no container and no volume behind.
pub fn assert_nothing_left(run: &Diagnosis) {
    let left = leftovers(&run.run_id);
    assert!(left.is_empty(), "run {} left {left:?} behind", run.run_id);
}

/// The ids of the containers a `--keep` run kept, one per line.
pub fn kept(run_id: &str) -> String {
    let filter = format!("label=io.docker-diagnose.run={run_id}");
    let out = docker(&["ps", "-aq", "--filter", &filter]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Removes what a `--keep` run kept.
pub fn remove_kept(run_id: &str) {
    for id in kept(run_id).lines() {
        docker(&["rm", "-fv", id]);
    }
}

/// The exit status of bare `docker run --rm ARGS`.
pub fn bare_docker_run(args: &[&str]) -> i32 {
    let mut all = vec!["run", "--rm"];
    all.extend(args);
    docker(&all).status.code().unwrap_or(-1)
}

/// Writes `text` to a file in `dir` and returns its path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    path
}

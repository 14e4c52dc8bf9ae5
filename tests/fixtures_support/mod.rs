//! The fixtures' side of the fixture test: reading `fixtures/*/expect.toml`, building the images
//! with `scripts/build-fixture`, and running a fixture with bare `docker run` — the reference
//! that docker-diagnose's report must agree with.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// The repository root (where `fixtures/` and `scripts/` are).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one fixture must produce: its `expect.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The primary finding's kind.
    pub kind: String,
    /// A string the primary finding's summary must contain (a path, port or name).
    pub mentions: Option<String>,
    /// `docker run` flags, given to bare `docker run` and to docker-diagnose alike.
    #[serde(default)]
    pub run_flags: Vec<String>,
    /// Arguments after the image.
    #[serde(default)]
    pub command: Vec<String>,
    /// docker-diagnose's `--wait`; also how long bare `docker run` is watched when it keeps running.
    pub wait: Option<String>,
    /// The report's outcome.
    pub outcome: String,
    /// The signal the report must name (a death by signal).
    pub signal: Option<String>,
}

/// A fixture directory and its expectation.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub expect: Expect,
}

impl Fixture {
    /// docker-diagnose's `--wait` for this fixture (its default when not given).
    pub fn wait(&self) -> Duration {
        let text = self.expect.wait.as_deref().unwrap_or("5s");
        humantime::parse_duration(text)
            .unwrap_or_else(|e| panic!("fixtures/{}: bad wait {text:?}: {e}", self.name))
    }
}

/// Every fixture: each directory under `fixtures/` with an `expect.toml`, by name.
pub fn all_fixtures() -> Vec<Fixture> {
    let dir = repo_root().join("fixtures");
    let mut fixtures = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("read fixtures/") {
        let path = entry.expect("read fixtures/ entry").path();
        let expect_path = path.join("expect.toml");
        if !expect_path.is_file() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&expect_path).expect("read expect.toml");
        let expect: Expect =
            toml::from_str(&text).unwrap_or_else(|e| panic!("fixtures/{name}/expect.toml: {e}"));
        fixtures.push(Fixture { name, expect });
    }
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    fixtures
}

/// Builds fixture `name` (or a base, `_base/NAME`) with `scripts/build-fixture`; returns its tag.
pub fn build(name: &str) -> Result<String, String> {
    let output = Command::new(repo_root().join("scripts/build-fixture"))
        .arg(name)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run scripts/build-fixture: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "scripts/build-fixture {name} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// A finished (or stopped) process: its status and what it printed.
#[derive(Debug)]
pub struct Run {
    /// `None` when it was still running at the deadline and had to be stopped.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout and stderr, for failure messages.
    pub fn output(&self) -> String {
        format!(
            "stdout: {}\nstderr: {}",
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

/// Runs `command` until it exits or `until` says to stop (checked every 100 ms, with the time
/// since start); a process still running then is killed and reported with `status: None`.
pub fn run_until(mut command: Command, mut until: impl FnMut(Duration) -> bool) -> Run {
    let out = tempfile::tempfile().expect("temp file");
    let err = tempfile::tempfile().expect("temp file");
    let mut child: Child = command
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("dup"))
        .stderr(err.try_clone().expect("dup"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break Some(status);
        }
        if until(started.elapsed()) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(100));
    };
    Run {
        status,
        stdout: read_all(out),
        stderr: read_all(err),
    }
}

fn read_all(mut file: File) -> String {
    use std::io::{Read, Seek};
    let mut text = String::new();
    file.rewind().expect("rewind");
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).expect("read output");
    text.push_str(&String::from_utf8_lossy(&bytes));
    text
}

/// Bare `docker run --rm FLAGS IMAGE COMMAND`: what the user sees without docker-diagnose.
/// A container still up after `wait` (or healthy by its HEALTHCHECK) is "still running":
/// `status` is `None`, and the container is removed. Exited ones get up to a minute.
pub fn bare_docker_run(fixture: &Fixture, image: &str) -> Run {
    let name = format!("docker-diagnose-fixture-bare-{}", fixture.name);
    let _ = docker(&["rm", "-f", &name]);
    let mut command = Command::new("docker");
    command
        .args(["run", "--rm", "--name", &name])
        .args(&fixture.expect.run_flags)
        .arg(image)
        .args(&fixture.expect.command);
    let keeps_running = fixture.expect.outcome == "running";
    let deadline = if keeps_running {
        fixture.wait()
    } else {
        Duration::from_secs(60)
    };
    let mut last_health_check = Duration::ZERO;
    let run = run_until(command, |elapsed| {
        if elapsed >= deadline {
            return true;
        }
        // Like `--wait`: a container with a HEALTHCHECK has started once it is healthy.
        if keeps_running && elapsed >= last_health_check + Duration::from_millis(500) {
            last_health_check = elapsed;
            return docker(&[
                "inspect",
                "-f",
                "{{if .State.Health}}{{.State.Health.Status}}{{end}}",
                &name,
            ])
            .is_ok_and(|health| health.trim() == "healthy");
        }
        false
    });
    if run.status.is_none() {
        let _ = docker(&["rm", "-f", &name]);
    }
    run
}

/// Runs `docker ARGS`; its stdout, or its stderr as the error.
pub fn docker(args: &[&str]) -> Result<String, String> {
    let output = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr)
            .trim_end()
            .to_string())
    }
}

/// The exit status as the shell shows it: the code, or 128 + the signal that killed the process.
pub fn shell_code(status: &ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// The number of a signal given by name (`SIGSEGV`).
pub fn signal_number(name: &str) -> Option<i32> {
    name.parse::<nix::sys::signal::Signal>()
        .ok()
        .map(|s| s as i32)
}

//! Bad input and faults on the Docker path: one clear line on stderr and exit 2, never a panic;
//! and nothing left behind when interrupted.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// Asserts the run failed the way REPORT.md says: status 2, one line on stderr, no report.
fn assert_one_line_error(run: &Diagnosis, needle: &str) {
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert_eq!(
        run.stderr.trim_end().lines().count(),
        1,
        "not one line: {:?}",
        run.stderr
    );
    assert!(
        run.stderr.starts_with("docker-diagnose: "),
        "{:?}",
        run.stderr
    );
    assert!(
        run.stderr.contains(needle),
        "{:?} lacks {needle:?}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn no_engine_is_one_line() {
    let run = diagnose_env(&["busybox"], &[("DOCKER_HOST", "unix:///nonexistent.sock")]);
    assert_one_line_error(&run, "no Docker engine answers at unix:///nonexistent.sock");
    let run = diagnose_env(&["busybox"], &[("DOCKER_HOST", "tcp://127.0.0.1:1")]);
    assert_one_line_error(&run, "no Docker engine answers at tcp://127.0.0.1:1");
}

#[test]
fn missing_image_is_one_line() {
    let run = diagnose(&["dd-test-docker/no-such-image:never"]);
    assert_one_line_error(&run, "no such image: dd-test-docker/no-such-image:never");
}

#[test]
fn invalid_reference_is_one_line() {
    let run = diagnose(&["Not:A/Valid Reference"]);
    assert_one_line_error(&run, "invalid image reference");
}

#[test]
fn bad_flag_values_are_one_line() {
    ensure_busybox_image();
    for (args, needle) in [
        (&["-m", "1x", BUSYBOX][..], "--memory"),
        (&["--wait", "soon", BUSYBOX][..], "--wait"),
        (&["--ulimit", "nofile", BUSYBOX][..], "--ulimit"),
        (&["-p", "x:y", BUSYBOX][..], "--publish"),
        (
            &["--mount", "type=bind,src=/a", BUSYBOX][..],
            "target is required",
        ),
        (
            &["--env-file", "/nonexistent/env", BUSYBOX][..],
            "--env-file",
        ),
        (
            &["--from-container", "dd-test-docker-no-such-container"][..],
            "no such container",
        ),
        (&[][..], "no IMAGE"),
    ] {
        let run = diagnose(args);
        assert_one_line_error(&run, needle);
        assert_nothing_left(&run);
    }
}

#[test]
fn socket_permission_denied_is_one_line() {
    // As an unprivileged user (nobody), the root-owned socket refuses us.
    let out = std::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            bin(),
            "busybox",
        ])
        .env_remove("DOCKER_HOST")
        .output()
        .expect("setpriv runs");
    let run = Diagnosis {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        run_id: String::new(),
    };
    assert_one_line_error(&run, "permission denied");
}

#[test]
fn detach_and_tty_flags_are_ignored_with_a_note() {
    ensure_busybox_image();
    let run = diagnose(&["--format", "json", "-d", "-it", BUSYBOX, "true"]);
    assert_eq!(run.report()["target"]["command"][0], "true");
    assert!(
        run.stderr.contains("-d/--detach is ignored"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("-t/--tty is ignored"), "{}", run.stderr);
    assert_nothing_left(&run);
}

#[test]
fn sigint_mid_run_leaves_nothing_behind() {
    ensure_busybox_image();
    let run_id = new_run_id();
    let child = std::process::Command::new(bin())
        .args([
            "--format", "json", "--wait", "120s", BUSYBOX, "sleep", "120",
        ])
        .env("DOCKER_DIAGNOSE_RUN_ID", &run_id)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("our binary starts");
    // Interrupt once its container is running.
    let filter = format!("label=io.docker-diagnose.run={run_id}");
    let give_up = Instant::now() + Duration::from_secs(60);
    loop {
        let out = docker(&[
            "ps",
            "-q",
            "--filter",
            &filter,
            "--filter",
            "status=running",
        ]);
        if !String::from_utf8_lossy(&out.stdout).trim().is_empty() {
            break;
        }
        assert!(Instant::now() < give_up, "the container never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    let left = leftovers(&run_id);
    assert!(left.is_empty(), "left {left:?} behind");
}

/// Runs interrupted at random moments (SIGINT or SIGTERM, from the first milliseconds to well
/// into the run) leave nothing behind. `DOCKER_DIAGNOSE_INTERRUPT_RUNS` sets how many (200 for
/// the full hardening run; the default keeps the suite short).
#[test]
fn runs_interrupted_at_random_points_leave_nothing_behind() {
    use nix::sys::signal::{kill, Signal};
    ensure_busybox_image();
    let runs: usize = std::env::var("DOCKER_DIAGNOSE_INTERRUPT_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(24);
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("seed {seed}");
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut run_ids = Vec::new();
    // Four at a time, as a CI machine running several jobs would.
    for _ in 0..runs.div_ceil(4) {
        let mut batch = Vec::new();
        for _ in 0..4 {
            let run_id = new_run_id();
            let child = std::process::Command::new(bin())
                .args(["--format", "json", "--wait", "30s", BUSYBOX, "sleep", "30"])
                .env("DOCKER_DIAGNOSE_RUN_ID", &run_id)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let delay = Duration::from_millis(next() % 3000);
            let signal = if next() % 2 == 0 {
                Signal::SIGINT
            } else {
                Signal::SIGTERM
            };
            batch.push((child, delay, signal));
            run_ids.push(run_id);
        }
        let start = Instant::now();
        for (child, delay, signal) in &batch {
            if let Some(left) = delay.checked_sub(start.elapsed()) {
                std::thread::sleep(left);
            }
            let _ = kill(nix::unistd::Pid::from_raw(child.id() as i32), *signal);
        }
        for (child, _, _) in batch {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_ne!(out.status.code(), Some(0), "{stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
    for run_id in run_ids {
        let left = leftovers(&run_id);
        assert!(left.is_empty(), "run {run_id} left {left:?} behind");
    }
}

#[test]
fn the_docker_cli_context_is_followed() {
    let config = tempfile::tempdir().unwrap();
    let config_dir = config.path().to_str().unwrap();
    for args in [
        &[
            "context",
            "create",
            "dd-test-ctx",
            "--docker",
            "host=unix:///nonexistent-ctx.sock",
        ][..],
        &["context", "use", "dd-test-ctx"][..],
    ] {
        let out = std::process::Command::new("docker")
            .args(args)
            .env("DOCKER_CONFIG", config_dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let run = diagnose_env(
        &["busybox"],
        &[("DOCKER_CONFIG", config_dir), ("DOCKER_HOST", "")],
    );
    assert_one_line_error(&run, "unix:///nonexistent-ctx.sock");
    // DOCKER_HOST wins over the context, as with the docker CLI.
    let run = diagnose_env(
        &["busybox"],
        &[
            ("DOCKER_CONFIG", config_dir),
            ("DOCKER_HOST", "unix:///nonexistent-host.sock"),
        ],
    );
    assert_one_line_error(&run, "unix:///nonexistent-host.sock");
}

#[test]
fn pull_never_and_ignored_flags() {
    ensure_busybox_image();
    let run = diagnose(&["--pull", "never", "dd-test-docker/not-here:1"]);
    assert_one_line_error(&run, "--pull never");
    let run = diagnose(&[
        "--format",
        "json",
        "--restart",
        "always",
        "--cidfile",
        "/nonexistent/cid",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(run.report()["exit"]["code"], 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("--restart is ignored"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--cidfile is ignored"),
        "{}",
        run.stderr
    );
    assert_nothing_left(&run);
}

/// A socket that forwards to the real engine until [`EngineProxy::stop`], which makes the engine
/// look as if it stopped mid-run (without stopping the real one).
struct EngineProxy {
    dir: tempfile::TempDir,
    connections: std::sync::Arc<std::sync::Mutex<Vec<std::os::unix::net::UnixStream>>>,
}

impl EngineProxy {
    fn start() -> EngineProxy {
        use std::os::unix::net::{UnixListener, UnixStream};
        let dir = tempfile::tempdir().unwrap();
        let listener = UnixListener::bind(dir.path().join("docker.sock")).unwrap();
        let connections = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let registry = connections.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(engine) = UnixStream::connect("/var/run/docker.sock") else {
                    return;
                };
                let mut list = registry.lock().unwrap();
                list.push(client.try_clone().unwrap());
                list.push(engine.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), engine.try_clone().unwrap()),
                    (engine, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        EngineProxy { dir, connections }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }

    /// Cuts every connection and takes the socket away.
    fn stop(&self) {
        let _ = std::fs::remove_file(self.dir.path().join("docker.sock"));
        for stream in self.connections.lock().unwrap().iter() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

#[test]
fn the_engine_stopping_mid_run_is_one_line() {
    ensure_busybox_image();
    let proxy = EngineProxy::start();
    let run_id = new_run_id();
    let child = std::process::Command::new(bin())
        .args([
            "--format", "json", "--wait", "120s", BUSYBOX, "sleep", "120",
        ])
        .env("DOCKER_HOST", proxy.host())
        .env("DOCKER_DIAGNOSE_RUN_ID", &run_id)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let filter = format!("label=io.docker-diagnose.run={run_id}");
    let give_up = Instant::now() + Duration::from_secs(60);
    while String::from_utf8_lossy(
        &docker(&[
            "ps",
            "-q",
            "--filter",
            &filter,
            "--filter",
            "status=running",
        ])
        .stdout,
    )
    .trim()
    .is_empty()
    {
        assert!(Instant::now() < give_up, "the container never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
    proxy.stop();
    let out = child.wait_with_output().unwrap();
    // The engine is really still there: remove what the tool could not.
    remove_kept(&run_id);
    let run = Diagnosis {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        run_id,
    };
    assert_one_line_error(&run, "the Docker engine stopped answering");
    assert!(
        run.stderr.contains("could not remove container"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("docker rm -fv"), "{}", run.stderr);
}

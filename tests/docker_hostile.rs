//! Hostile programs as a container's entrypoint on the real engine (issue 6, item 3): a fork
//! storm and a fork bomb under `--pids-limit`, a PID 1 that ignores SIGTERM, and endless output
//! with no log driver to keep it, the entrypoint's signal dispositions, and a seccomp profile
//! that denies ptrace, and a set-user-ID program. The exit is the one bare `docker run` gives, the `--wait` deadline holds
//! (a generous watchdog only catches a hang), the tracer's peak memory (read from the host's
//! `/proc` while the run goes on) stays small, and nothing is left behind.
//!
//! The image is `FROM scratch` with `tests/programs/hostile.c` built `gcc -static`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Far beyond any `--wait` used here: only a hang reaches it.
const WATCHDOG: Duration = Duration::from_secs(180);

/// Builds a `FROM scratch` image holding the static `hostile` program as its entrypoint, under
/// a tag of this test's own (removed by [`Image`]'s drop).
struct Image(String);

impl Image {
    fn build(name: &str) -> Image {
        let tag = format!("docker-diagnose-hostile/{name}:latest");
        build_image(
            &tag,
            "FROM scratch\nCOPY hostile /hostile\nENTRYPOINT [\"/hostile\"]\n",
            &[("hostile", &Image::program(name), 0o755)],
        );
        Image(tag)
    }
}

impl Image {
    /// The static `hostile` program, compiled once per call under a name of the caller's.
    fn program(name: &str) -> Vec<u8> {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-static");
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join(format!("hostile.{name}"));
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/hostile.c");
        let status = Command::new("gcc")
            .args(["-O1", "-static", "-pthread", "-o"])
            .arg(&bin)
            .arg(&src)
            .status()
            .expect("gcc runs");
        assert!(status.success(), "gcc -static failed");
        let bytes = std::fs::read(&bin).unwrap();
        let _ = std::fs::remove_file(&bin);
        bytes
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        docker(&["rmi", "-f", &self.0]);
    }
}

/// Runs our binary like [`diagnose`], but fails instead of hanging past [`WATCHDOG`].
fn diagnose_watched(args: &[&str]) -> Diagnosis {
    diagnose_probing(args, || {})
}

/// The peak resident memory (KiB) of the runner's tracer in a container whose command ends in
/// `last_arg`, seen from the host's `/proc` (the tracer keeps the runner's command line:
/// `... __run --out DIR -- /hostile MODE`); 0 when it is not running.
fn tracer_peak_kib(last_arg: &str) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.flatten()
        .filter_map(|entry| {
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline
                .split(|&b| b == 0)
                .filter(|a| !a.is_empty())
                .collect();
            if args.get(1) != Some(&&b"__run"[..]) || args.last() != Some(&last_arg.as_bytes()) {
                return None;
            }
            let status = std::fs::read_to_string(entry.path().join("status")).ok()?;
            let hwm = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
            hwm.trim().trim_end_matches("kB").trim().parse().ok()
        })
        .max()
        .unwrap_or(0)
}

/// The tracer's memory does not grow with what the program does.
const TRACER_PEAK_KIB: u64 = 64 << 10;

/// [`diagnose_watched`], calling `probe` while the run goes on.
fn diagnose_probing(args: &[&str], mut probe: impl FnMut()) -> Diagnosis {
    let run_id = new_run_id();
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(bin())
        .args(args)
        .env("DOCKER_DIAGNOSE_RUN_ID", &run_id)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            remove_kept(&run_id);
            panic!("docker-diagnose {args:?} hung past {WATCHDOG:?}");
        }
        probe();
        std::thread::sleep(Duration::from_millis(100));
    };
    Diagnosis {
        code: status.code().unwrap_or(-1),
        stdout: std::fs::read_to_string(&out).unwrap(),
        stderr: std::fs::read_to_string(&err).unwrap(),
        run_id,
    }
}

/// A start-up that forks workers until `fork` fails under `--pids-limit`: it says so and exits
/// 12, as with bare `docker run`; the refused clones are in the trace.
#[test]
fn a_fork_storm_under_pids_limit_exits_as_with_bare_docker_run() {
    let image = Image::build("forks");
    let flags = ["--pids-limit", "32"];
    let bare = bare_docker_run(&[flags[0], flags[1], &image.0, "forks"]);
    assert_eq!(bare, 12);
    let run = diagnose_watched(&[
        "--format", "json", "--wait", "60s", flags[0], flags[1], &image.0, "forks",
    ]);
    let report = run.report();
    assert_eq!(report["outcome"], "exited", "{}", run.stderr);
    assert_eq!(report["exit"]["code"], bare);
    assert_eq!(run.code, 1);
    let stderr = report["stderr_tail"].to_string();
    assert!(
        stderr.contains("fork: Resource temporarily unavailable"),
        "{stderr}"
    );
    assert!(report["trace"]["processes"].as_u64().unwrap() > 10);
    assert_nothing_left(&run);
}

/// A true fork bomb: every process forks for ever. The tracer keeps up (failed forks are
/// recorded up to its bounds, the rest counted as dropped), `--wait` still decides, and the
/// container is stopped and removed.
#[test]
fn a_fork_bomb_under_pids_limit_is_stopped_at_the_deadline() {
    let image = Image::build("bomb");
    let mut peak = 0;
    let run = diagnose_probing(
        &[
            "--format",
            "json",
            "--wait",
            "2s",
            "--pids-limit",
            "32",
            &image.0,
            "bomb",
        ],
        || peak = peak.max(tracer_peak_kib("bomb")),
    );
    assert!(peak > 0, "the tracer was not seen while the program ran");
    assert!(peak < TRACER_PEAK_KIB, "the tracer peaked at {peak} KiB");
    let report = run.report();
    assert_eq!(report["outcome"], "running", "{}", run.stderr);
    assert_eq!(
        run.code, 0,
        "still up at the deadline meets --expect running"
    );
    assert!(report["trace"]["dropped"].is_u64());
    assert!(report["trace"]["events"].as_u64().unwrap() > 100);
    assert_nothing_left(&run);
}

/// A PID 1 that ignores SIGTERM: `docker stop` needs its SIGKILL; the run still ends at the
/// deadline.
#[test]
fn a_pid1_that_ignores_sigterm_does_not_outlive_the_deadline() {
    let image = Image::build("term");
    let run = diagnose_watched(&["--format", "json", "--wait", "1s", &image.0, "term-ignored"]);
    let report = run.report();
    assert_eq!(report["outcome"], "running", "{}", run.stderr);
    assert_eq!(run.code, 0);
    assert_eq!(report["stdout_tail"][0], "ready");
    assert_nothing_left(&run);
}

/// Endless output to both streams with `--log-driver none` (the engine keeps nothing): the
/// deadline holds and what the report shows of the output stays bounded.
#[test]
fn endless_output_without_logs_is_bounded_and_stopped_at_the_deadline() {
    let image = Image::build("flood");
    let mut peak = 0;
    let run = diagnose_probing(
        &[
            "--format",
            "json",
            "--wait",
            "1s",
            "--log-driver",
            "none",
            &image.0,
            "flood",
            "0",
        ],
        || peak = peak.max(tracer_peak_kib("0")),
    );
    assert!(peak > 0, "the tracer was not seen while the program ran");
    assert!(peak < TRACER_PEAK_KIB, "the tracer peaked at {peak} KiB");
    let report = run.report();
    assert_eq!(report["outcome"], "running", "{}", run.stderr);
    assert_eq!(run.code, 0);
    // The runner's tails come with its End record, which it writes only when it sees PID 1's
    // exit event; a SIGKILL at the deadline may end the namespace first (docs/docker.md), so
    // the tails may be empty here — but never more than the bound, nor anything but the output.
    let tail = report["stdout_tail"].as_array().unwrap();
    assert!(tail.len() <= 50, "{} lines", tail.len());
    assert!(tail.iter().all(|l| l.as_str().unwrap().starts_with("xxx")));
    assert!(report["stderr_tail"].as_array().unwrap().len() <= 50);
    assert_nothing_left(&run);
}

/// The program starts with the signal dispositions bare `docker run` gives (none ignored): the
/// runner is a Rust program, whose runtime ignores SIGPIPE, and an ignored signal would survive
/// its exec.
#[test]
fn the_entrypoint_starts_with_the_signal_dispositions_of_bare_docker_run() {
    ensure_busybox_image();
    let cmd = ["grep", "^SigIgn", "/proc/self/status"];
    let mut args = vec!["run", "--rm", BUSYBOX];
    args.extend(cmd);
    let bare = docker(&args);
    let bare = String::from_utf8_lossy(&bare.stdout).trim().to_string();
    assert_eq!(bare, "SigIgn:\t0000000000000000");
    let mut args = vec!["--format", "json", "--wait", "60s", BUSYBOX];
    args.extend(cmd);
    let run = diagnose_watched(&args);
    let report = run.report();
    assert_eq!(report["stdout_tail"][0], bare, "{}", run.stderr);
    assert_nothing_left(&run);
}

/// A seccomp profile that denies `ptrace`: the runner cannot attach, the program runs untraced
/// with the exit bare `docker run` gives, and the finding says the program was not traced
/// (rather than blaming a missing capability of the program's own).
#[test]
fn a_profile_that_denies_ptrace_runs_the_program_untraced_and_says_so() {
    let image = Image::build("noptrace");
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("no-ptrace.json");
    std::fs::write(
        &profile,
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}"#,
    )
    .unwrap();
    let opt = format!("seccomp={}", profile.display());
    let bare = bare_docker_run(&["--security-opt", &opt, &image.0, "longpath"]);
    assert_eq!(bare, 4);
    let run = diagnose_watched(&[
        "--format",
        "json",
        "--wait",
        "60s",
        "--security-opt",
        &opt,
        &image.0,
        "longpath",
    ]);
    let report = run.report();
    assert_eq!(report["exit"]["code"], bare, "{}", run.stderr);
    assert_eq!(report["stdout_tail"][1], "open 5000: File name too long");
    assert_eq!(
        report["findings"][0]["rule"], "cap.runner-untraced",
        "{report}"
    );
    assert_nothing_left(&run);
}

/// A set-user-ID root program run as user 1000 reads a root-only file: bare `docker run` lets
/// it (exit 0); under the runner the privilege is not gained (ptrace cannot honour set-user-ID)
/// and the read fails. The report must say so rather than blame the file's permissions.
#[test]
fn a_setuid_program_in_a_container_is_reported_as_not_privileged_under_the_tracer() {
    // The legacy builder's COPY drops the set-user-ID bit: set it with the base's busybox.
    ensure_busybox_image();
    let tag = "docker-diagnose-hostile/setuid:latest".to_string();
    build_image(
        &tag,
        &format!(
            "FROM {BUSYBOX}\nCOPY hostile secret /\n\
             RUN chmod 4755 /hostile && chmod 600 /secret\nENTRYPOINT [\"/hostile\"]\n"
        ),
        &[
            ("hostile", &Image::program("setuid"), 0o755),
            ("secret", b"key\n", 0o644),
        ],
    );
    let image = Image(tag);
    let bare = docker(&["run", "--rm", "-u", "1000", &image.0, "ids", "/secret"]);
    assert_eq!(
        String::from_utf8_lossy(&bare.stdout),
        "euid 0 egid 1000\nopened\n"
    );
    let run = diagnose_watched(&[
        "--format", "json", "--wait", "60s", "-u", "1000", &image.0, "ids", "/secret",
    ]);
    let report = run.report();
    assert_eq!(report["exit"]["code"], 13, "{}", run.stderr);
    let primary = &report["findings"][0];
    assert_eq!(primary["rule"], "cap.setuid-not-gained", "{report}");
    assert!(primary["summary"].as_str().unwrap().contains("/hostile"));
    assert_nothing_left(&run);
}

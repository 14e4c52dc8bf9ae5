//! `scripts/test`, the README's test command, and `scripts/build-fixture`, run for real.
//!
//! The engine part of `scripts/test` cannot start a second real dockerd next to the one the
//! suite uses, so those tests put stand-ins for `docker`, `dockerd` and `cargo` first on PATH:
//! small shell scripts whose only job is to let us see what the test command did to them
//! (started, waited for, stopped; the exit status passed on).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn write_script(path: &Path, body: &str) {
    fs::write(path, format!("#!/bin/sh\n{body}")).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// A temp dir with stand-in `docker` (answers once `dockerd` is up), `dockerd` (records its pid,
/// comes up after 0.3 s, goes down on SIGTERM) and `cargo` (records its arguments and whether
/// the engine answered, then exits `cargo_status`).
fn stand_ins(cargo_status: i32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    fs::create_dir(dir.path().join("bin")).unwrap();
    write_script(&dir.path().join("bin/docker"), &format!("[ -e {d}/up ]\n"));
    write_script(
        &dir.path().join("bin/dockerd"),
        &format!(
            "echo $$ > {d}/dockerd.pid\ntrap 'rm -f {d}/up; exit 0' TERM\n\
             sleep 0.3; touch {d}/up; echo engine up\nwhile :; do sleep 0.1; done\n"
        ),
    );
    write_script(
        &dir.path().join("bin/cargo"),
        &format!(
            "echo \"$*\" > {d}/cargo.args\ndocker info && touch {d}/engine-answered\nexit {cargo_status}\n"
        ),
    );
    fs::create_dir(dir.path().join("tmp")).unwrap();
    dir
}

fn run_test_command(dir: &Path, args: &[&str]) -> Output {
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    Command::new(repo_root().join("scripts/test"))
        .args(args)
        .env("PATH", path)
        // The fuzz smoke run is real work of its own; these tests are about the engine and cargo.
        .env("FUZZ_SMOKE", "0")
        .env("TMPDIR", dir.join("tmp"))
        .env_remove("DOCKER_HOST")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn process_alive(pid: &str) -> bool {
    Path::new("/proc").join(pid.trim()).exists()
}

fn engine_dirs(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir.join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("docker-diagnose-engine.")
        })
        .collect()
}

#[test]
fn test_command_starts_an_engine_when_none_answers_and_stops_it() {
    let dir = stand_ins(0);
    let out = run_test_command(dir.path(), &["--test", "fixtures"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(
        stderr.contains("started dockerd"),
        "it says it started dockerd: {stderr}"
    );
    let args = fs::read_to_string(dir.path().join("cargo.args")).unwrap();
    assert_eq!(
        args.trim(),
        "test --all-targets --no-fail-fast --test fixtures"
    );
    assert!(
        dir.path().join("engine-answered").exists(),
        "the engine answered while cargo ran"
    );
    let pid = fs::read_to_string(dir.path().join("dockerd.pid")).unwrap();
    assert!(
        !process_alive(&pid),
        "the dockerd it started (pid {pid}) is still running"
    );
    assert!(
        engine_dirs(dir.path()).is_empty(),
        "its log dir is removed after a green run"
    );
}

#[test]
fn test_command_passes_on_the_suite_status_and_keeps_the_engine_log() {
    let dir = stand_ins(3);
    let out = run_test_command(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr: {stderr}");
    let pid = fs::read_to_string(dir.path().join("dockerd.pid")).unwrap();
    assert!(
        !process_alive(&pid),
        "the dockerd it started (pid {pid}) is still running"
    );
    let kept = engine_dirs(dir.path());
    assert_eq!(
        kept.len(),
        1,
        "the engine log is kept after a red run: {stderr}"
    );
    let log = fs::read_to_string(kept[0].join("dockerd.log")).unwrap();
    assert!(
        log.contains("engine up"),
        "the log holds dockerd's output: {log:?}"
    );
}

#[test]
fn test_command_fails_clearly_when_the_engine_does_not_come_up() {
    let dir = stand_ins(0);
    write_script(
        &dir.path().join("bin/dockerd"),
        "echo 'failed to start daemon: no iptables'\nexit 1\n",
    );
    let out = run_test_command(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("dockerd exited before it answered"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no iptables"),
        "the log's tail is shown: {stderr}"
    );
    assert!(
        !dir.path().join("cargo.args").exists(),
        "the suite does not run without an engine"
    );
}

#[test]
fn test_command_retries_without_iptables_when_dockerd_needs_it() {
    let dir = stand_ins(0);
    let d = dir.path().display();
    write_script(
        &dir.path().join("bin/dockerd"),
        &format!(
            "case \"$*\" in *--iptables=false*) ;; \
             *) echo 'failed to create NAT chain DOCKER: iptables failed'; exit 1 ;; esac\n\
             echo $$ > {d}/dockerd.pid\ntrap 'rm -f {d}/up; exit 0' TERM\n\
             touch {d}/up\nwhile :; do sleep 0.1; done\n"
        ),
    );
    let out = run_test_command(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(stderr.contains("retrying without iptables"), "{stderr}");
    assert!(
        dir.path().join("engine-answered").exists(),
        "the engine answered while cargo ran"
    );
    let pid = fs::read_to_string(dir.path().join("dockerd.pid")).unwrap();
    assert!(
        !process_alive(&pid),
        "the dockerd it started (pid {pid}) is still running"
    );
}

#[test]
fn build_fixture_rejects_an_unknown_fixture() {
    let out = Command::new(repo_root().join("scripts/build-fixture"))
        .arg("no-such-fixture")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("fixtures/no-such-fixture"), "{stderr}");
}

#[test]
fn build_fixture_does_not_rebuild_an_unchanged_fixture() {
    let build = || {
        let out = Command::new(repo_root().join("scripts/build-fixture"))
            .arg("exited-cleanly")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tag = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(tag, "docker-diagnose-fixture/exited-cleanly:latest");
        let id = Command::new("docker")
            .args(["image", "inspect", "-f", "{{.Id}} {{.Created}}", &tag])
            .output()
            .unwrap();
        String::from_utf8_lossy(&id.stdout).trim().to_string()
    };
    let first = build();
    assert!(!first.is_empty());
    assert_eq!(build(), first, "the second build reused the image");
}

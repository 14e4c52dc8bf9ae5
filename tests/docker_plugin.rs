//! `docker diagnose`: the binary installed as a Docker CLI plugin, run by the real docker CLI.

mod common;

use std::process::Command;

use common::*;

/// A docker config dir with our binary in `cli-plugins/`, as docs/docker.md says to install it.
fn plugin_config() -> tempfile::TempDir {
    let config = tempfile::tempdir().unwrap();
    let plugins = config.path().join("cli-plugins");
    std::fs::create_dir(&plugins).unwrap();
    std::fs::copy(bin(), plugins.join("docker-diagnose")).unwrap();
    config
}

fn docker_with(config: &tempfile::TempDir, args: &[&str], run_id: &str) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .env("DOCKER_CONFIG", config.path())
        .env("DOCKER_DIAGNOSE_RUN_ID", run_id)
        .output()
        .expect("the docker CLI runs")
}

#[test]
fn docker_lists_and_runs_the_plugin() {
    ensure_busybox_image();
    let config = plugin_config();
    let listed = docker_with(&config, &["--help"], "unused");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("diagnose"));

    let help = docker_with(&config, &["diagnose", "--help"], "unused");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("docker-diagnose [OPTIONS]"));

    let run_id = new_run_id();
    let out = docker_with(
        &config,
        &[
            "diagnose", "--format", "json", "--expect", "exit0", BUSYBOX, "sh", "-c", "exit 0",
        ],
        &run_id,
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["target"]["command"][0], "sh");
    assert_eq!(report["exit"]["code"], 0);
    assert_eq!(out.status.code(), Some(0));
    assert!(leftovers(&run_id).is_empty());
}

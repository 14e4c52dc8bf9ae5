//! The tracer's own `CAP_SYS_PTRACE` (`docker::tracer_caps`, `runner::tracer_caps`): a root
//! container gets it so that processes that change user stay readable, and the program never
//! sees it: its capability sets and the seccomp answers that depend on them are those of a bare
//! `docker run` with the same flags.

mod common;

use common::*;

/// A `FROM scratch` image whose entrypoint is the static `caps` program; removed on drop.
struct Image(String);

impl Image {
    fn build(name: &str) -> Image {
        let tag = format!("docker-diagnose-caps/{name}:latest");
        let program = std::fs::read(program_built_with("caps", &["-O1", "-static"])).unwrap();
        build_image(
            &tag,
            "FROM scratch\nCOPY caps /caps\nENTRYPOINT [\"/caps\"]\n",
            &[("caps", &program, 0o755)],
        );
        Image(tag)
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        docker(&["rmi", "-f", &self.0]);
    }
}

#[test]
fn the_program_has_the_capabilities_and_seccomp_answers_of_bare_docker_run() {
    let image = Image::build("show");
    // (`--privileged` cannot start here: runc may not apply every capability on this host.)
    let flag_sets: [&[&str]; 7] = [
        &[],
        &["--cap-drop", "ALL"],
        &["--cap-drop", "setpcap"],
        &["--cap-drop", "CAP_SYS_PTRACE", "--cap-add", "NET_ADMIN"],
        &["--cap-add", "SYS_PTRACE"],
        &["--user", "1000"],
        &["--security-opt", "seccomp=unconfined"],
    ];
    for flags in flag_sets {
        let bare = docker(&[&["run", "--rm"], flags, &[&image.0, "show"]].concat());
        assert!(bare.status.success(), "docker run {flags:?} failed");
        let bare = String::from_utf8_lossy(&bare.stdout).into_owned();
        let run = diagnose(&[&["--format", "json"], flags, &[&image.0, "show"]].concat());
        let report = run.report();
        let ours: Vec<&str> = report["stdout_tail"]
            .as_array()
            .unwrap_or_else(|| panic!("no stdout tail for {flags:?}: {}", run.stderr))
            .iter()
            .filter_map(|l| l.as_str())
            .collect();
        assert_eq!(bare.lines().collect::<Vec<_>>(), ours, "flags {flags:?}");
        assert_nothing_left(&run);
    }
}

#[test]
fn what_a_process_does_after_it_changed_user_is_read() {
    let image = Image::build("drop-user");
    let path = "/etc/app/after-drop.conf";
    let run = diagnose(&["--format", "json", &image.0, "drop-user", path]);
    let report = run.report();
    let primary = &report["findings"][0];
    assert_eq!(primary["kind"], "missing-file", "{report:#}");
    assert_eq!(primary["evidence"][0]["path"], path, "{report:#}");
    assert!(
        primary["evidence"][0]["call"]
            .as_str()
            .is_some_and(|c| c.starts_with(&format!("openat(AT_FDCWD, \"{path}\""))),
        "{report:#}"
    );
    assert_nothing_left(&run);
}

#[test]
fn the_tracers_capability_leaves_predicted_results_on() {
    // The tracer foresees a lookup's result only for a task that resolves paths as it does; its
    // own CAP_SYS_PTRACE must not set the program apart (`predict::View::tracer`).
    ensure_busybox_image();
    let run = diagnose(&["--format", "json", "--keep", BUSYBOX, "ls", "/no/such/dir"]);
    let id = kept(&run.run_id);
    let cap_add = docker(&["inspect", "-f", "{{json .HostConfig.CapAdd}}", &id]);
    let dir = tempfile::tempdir().unwrap();
    let copied = docker(&[
        "cp",
        &format!("{id}:/.docker-diagnose/out/events.jsonl"),
        dir.path().to_str().unwrap(),
    ]);
    remove_kept(&run.run_id);
    assert!(copied.status.success(), "no trace in the kept container");
    assert_eq!(
        String::from_utf8_lossy(&cap_add.stdout).trim(),
        r#"["SYS_PTRACE"]"#
    );
    let trace = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let end: serde_json::Value = trace
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|r| r["type"] == "end")
        .unwrap_or_else(|| panic!("no end record in {trace}"));
    assert!(end["predicted"].as_u64() > Some(0), "{end}");
    assert_nothing_left(&run);
}

//! The diagnose form on the real engine: exit fidelity, `--wait`, HEALTHCHECK, engine refusals,
//! `--read-only`, a non-root user, the docker-run flags, `--keep`, `--from-container`, `--build`
//! and several images at once. Every run must leave nothing behind.

mod common;

use common::*;

fn exit_code(report: &serde_json::Value) -> Option<i64> {
    report["exit"]["code"].as_i64()
}

#[test]
fn exit_code_matches_bare_docker_run() {
    ensure_busybox_image();
    let bare = bare_docker_run(&[BUSYBOX, "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert_eq!(bare, 3);
    let run = diagnose(&[
        "--wait",
        "60s",
        "--format",
        "json",
        BUSYBOX,
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ]);
    let report = run.report();
    assert_eq!(report["outcome"], "exited", "{}", run.stderr);
    assert_eq!(exit_code(&report), Some(bare as i64));
    assert_eq!(report["stdout_tail"][0], "out");
    assert_eq!(report["stderr_tail"][0], "err");
    assert_eq!(run.code, 1, "an exit does not meet --expect running");
    assert_nothing_left(&run);
}

#[test]
fn exit0_meets_expect_exit0() {
    ensure_busybox_image();
    let run = diagnose(&[
        "--wait", "60s", "--format", "json", "--expect", "exit0", BUSYBOX, "true",
    ]);
    assert_eq!(run.report()["exit"]["code"], 0, "{}", run.stderr);
    assert_eq!(run.code, 0);
    assert_nothing_left(&run);
}

#[test]
fn still_running_at_the_deadline_counts_as_started() {
    ensure_busybox_image();
    let run = diagnose(&["--format", "json", "--wait", "1s", BUSYBOX, "sleep", "30"]);
    let report = run.report();
    assert_eq!(report["outcome"], "running", "{}", run.stderr);
    assert_eq!(run.code, 0);
    assert!(!run.stderr.contains("timing"), "{}", run.stderr);
    assert_nothing_left(&run);
}

#[test]
fn a_running_container_is_killed_at_the_deadline_and_each_step_is_timed_when_asked() {
    // A failed open, then the program stays up: killed at the deadline, its trace is complete.
    ensure_busybox_image();
    let run = diagnose_env(
        &[
            "--format",
            "json",
            "--wait",
            "2s",
            BUSYBOX,
            "sh",
            "-c",
            "cat /etc/app.conf; sleep 30",
        ],
        &[("DOCKER_DIAGNOSE_TIMINGS", "1")],
    );
    let report = run.report();
    assert_eq!(report["outcome"], "running", "{}", run.stderr);
    assert!(
        report["trace"]["events"].as_u64().unwrap_or(0) > 0,
        "the trace of a running container: {report}"
    );
    let steps: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("docker-diagnose: timing "))
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, ms)| ms.parse::<f64>().is_ok())
        .map(|(step, _)| step)
        .collect();
    for step in [
        "connect",
        "inspect",
        "runner-tar",
        "create",
        "transfer",
        "start",
        "wait",
        "stop",
        "collect",
        "analysis",
        "remove",
    ] {
        assert!(steps.contains(&step), "no {step} timing in {}", run.stderr);
    }
    assert_nothing_left(&run);
}

#[test]
fn healthy_by_its_healthcheck_counts_as_started_before_the_deadline() {
    // Healthy after about a second, exits with 1 after thirty: only a run that watches the
    // HEALTHCHECK calls it started within the 60 s wait.
    let tag = "dd-test-docker/healthy:latest";
    busybox_image(
        tag,
        "HEALTHCHECK --interval=1s --timeout=1s CMD true\nCMD [\"sh\", \"-c\", \"sleep 30; exit 1\"]",
    );
    let run = diagnose(&["--format", "json", "--wait", "60s", tag]);
    assert_eq!(run.report()["outcome"], "running", "{}", run.stderr);
    assert_eq!(run.code, 0);
    assert_nothing_left(&run);
    docker(&["rmi", tag]);
}

/// A HEALTHCHECK that has not run yet when a short `--wait` runs out: a good start by the wait,
/// and the report says the check gave no verdict.
#[test]
fn a_healthcheck_without_a_verdict_yet_is_named_as_pending() {
    let tag = "dd-test-docker/health-pending:latest";
    busybox_image(
        tag,
        "HEALTHCHECK --interval=60s CMD true\nCMD [\"sleep\", \"30\"]",
    );
    let run = diagnose(&["--format", "json", "--wait", "1s", tag]);
    let report = run.report();
    assert_eq!(report["outcome"], "running", "{}", run.stderr);
    assert_eq!(
        report["findings"][0]["rule"], "outcome.health-pending",
        "{report:#}"
    );
    assert_eq!(run.code, 0);
    assert_nothing_left(&run);
    docker(&["rmi", tag]);
}

/// Unhealthy after two failed checks, up for thirty seconds: the run ends as soon as the
/// HEALTHCHECK gives up, and is not a good start although the container is up. The check's
/// `curl` is not in the image, which the report names from the check's output.
#[test]
fn unhealthy_by_its_healthcheck_is_not_a_good_start() {
    let tag = "dd-test-docker/unhealthy:latest";
    busybox_image(
        tag,
        "HEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD curl -f http://127.0.0.1:8080/\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\"]",
    );
    let run = diagnose(&["--format", "json", "--wait", "60s", tag]);
    let report = run.report();
    assert_eq!(report["outcome"], "running", "{}", run.stderr);
    let primary = &report["findings"][0];
    assert_eq!(primary["kind"], "unhealthy", "{report:#}");
    assert_eq!(primary["rule"], "health.check-tool-missing", "{report:#}");
    assert!(
        primary["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("`curl`"),
        "{primary:#}"
    );
    assert!(
        report["duration_ms"].as_u64().is_some_and(|ms| ms < 30_000),
        "the wait ends at the verdict, not at --wait: {report:#}"
    );
    assert_eq!(run.code, 1);
    assert_nothing_left(&run);
    docker(&["rmi", tag]);
}

/// A shell-form HEALTHCHECK in an image without a shell: the engine cannot start the check at
/// all, and the report names the shell as the missing program.
#[test]
fn a_shell_form_healthcheck_in_an_image_without_a_shell_is_named() {
    let tag = "dd-test-docker/unhealthy-no-shell:latest";
    let busybox = std::fs::read("/bin/busybox").expect("/bin/busybox (busybox-static)");
    build_image(
        tag,
        "FROM scratch\nCOPY busybox /busybox\nHEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD /busybox true\nCMD [\"/busybox\", \"sleep\", \"30\"]\n",
        &[("busybox", &busybox, 0o755)],
    );
    let run = diagnose(&["--format", "json", "--wait", "60s", tag]);
    let report = run.report();
    let primary = &report["findings"][0];
    assert_eq!(primary["rule"], "health.check-tool-missing", "{report:#}");
    assert!(
        primary["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("`/bin/sh`"),
        "{primary:#}"
    );
    assert_eq!(run.code, 1);
    assert_nothing_left(&run);
    docker(&["rmi", tag]);
}

#[test]
fn engine_refusals_are_reported_as_not_started() {
    ensure_busybox_image();
    let cases: [(&[&str], &str); 4] = [
        (
            &["-u", "nosuchuser", BUSYBOX, "true"],
            "docker.unknown-user",
        ),
        // Above the largest `fs.nr_open` there can be: refused on every engine.
        (
            &["--ulimit", "nofile=1073741824:1073741824", BUSYBOX, "true"],
            "docker.ulimit-refused",
        ),
        (
            &[
                "--mount",
                "type=bind,source=/nonexistent/docker-diagnose-test,target=/x",
                BUSYBOX,
                "true",
            ],
            "docker.bind-source-missing",
        ),
        (
            &["--device", "/dev/docker-diagnose-nosuch", BUSYBOX, "true"],
            "docker.device-missing",
        ),
    ];
    for (args, rule) in cases {
        let bare = bare_docker_run(args);
        let mut all = vec!["--format", "json"];
        all.extend(args);
        let run = diagnose(&all);
        let report = run.report();
        assert_eq!(report["outcome"], "not-started", "{args:?}: {}", run.stderr);
        assert_eq!(report["findings"][0]["rule"], rule, "{args:?}");
        assert_eq!(exit_code(&report), Some(bare as i64), "{args:?}");
        assert_eq!(run.code, 1, "{args:?}");
        assert_nothing_left(&run);
    }
}

/// `-v MISSING:/etc/passwd`: the engine makes the missing host path a directory, which cannot be
/// mounted over the image's file; the report names both ends of the mount.
#[test]
fn a_directory_mounted_onto_a_file_is_named_as_such() {
    ensure_busybox_image();
    let host = tempfile::tempdir().unwrap();
    let source = host.path().join("app.conf");
    let volume = format!("{}:/etc/passwd", source.display());
    let run = diagnose(&["--format", "json", "-v", &volume, BUSYBOX, "true"]);
    let report = run.report();
    let primary = &report["findings"][0];
    assert_eq!(report["outcome"], "not-started", "{}", run.stderr);
    assert_eq!(primary["rule"], "docker.mount-type-mismatch", "{report:#}");
    let summary = primary["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains(&source.display().to_string()) && summary.contains("/etc/passwd"),
        "{summary}"
    );
    assert_nothing_left(&run);
}

/// `-v MISSING:/etc/app.conf` where the image has no such file: the engine makes the missing
/// host path a directory and the container starts; the program's read fails on a directory.
/// The report names the directory as mounted there and the host path the user gave.
#[test]
fn a_directory_mounted_where_a_file_is_read_names_the_host_path() {
    ensure_busybox_image();
    let host = tempfile::tempdir().unwrap();
    let source = host.path().join("app.conf");
    let volume = format!("{}:/etc/app.conf", source.display());
    let run = diagnose(&[
        "--format",
        "json",
        "-v",
        &volume,
        BUSYBOX,
        "cat",
        "/etc/app.conf",
    ]);
    let report = run.report();
    let primary = &report["findings"][0];
    assert_eq!(primary["kind"], "missing-file", "{report:#}");
    assert_eq!(
        primary["rule"], "file.directory-mounted-for-file",
        "{report:#}"
    );
    let summary = primary["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains(&format!("from {}", source.display())),
        "{summary}"
    );
    let evidence = primary["evidence"].to_string();
    assert!(
        evidence.contains("is a directory, mounted there"),
        "{evidence}"
    );
    assert!(
        source.is_dir(),
        "the engine made the missing host path a directory"
    );
    assert_nothing_left(&run);
}

#[test]
fn read_only_root_filesystem_works() {
    ensure_busybox_image();
    let script = "touch /x 2>/dev/null && exit 1; exit 4";
    let bare = bare_docker_run(&["--read-only", BUSYBOX, "sh", "-c", script]);
    assert_eq!(bare, 4);
    let run = diagnose(&[
        "--wait",
        "60s",
        "--format",
        "json",
        "--read-only",
        BUSYBOX,
        "sh",
        "-c",
        script,
    ]);
    assert_eq!(exit_code(&run.report()), Some(4), "{}", run.stderr);
    assert_nothing_left(&run);
}

#[test]
fn non_root_user_works() {
    ensure_busybox_image();
    let script = "[ \"$(id -u)\" = 1000 ] && exit 6; exit 1";
    let run = diagnose(&[
        "--wait", "60s", "--format", "json", "-u", "1000", BUSYBOX, "sh", "-c", script,
    ]);
    let report = run.report();
    assert_eq!(exit_code(&report), Some(6), "{}", run.stderr);
    assert_eq!(report["target"]["user"], "1000");
    assert_nothing_left(&run);
}

#[test]
fn env_workdir_and_limits_reach_the_program() {
    ensure_busybox_image();
    let dir = tempfile::tempdir().unwrap();
    let env_file = write_file(dir.path(), "env", "# comment\nB=2\nFROM_HOST\n");
    let script = concat!(
        "[ \"$A$B$FROM_HOST\" = 12h ] || exit 10; ",
        "[ \"$(pwd)\" = /tmp ] || exit 11; ",
        "[ \"$(ulimit -n)\" = 64 ] || exit 12; ",
        "[ \"$(hostname)\" = dd-host ] || exit 13; ",
        "grep -q 'db' /etc/hosts || exit 14; ",
        "exit 8"
    );
    let run = diagnose_env(
        &[
            "--wait",
            "60s",
            "--format",
            "json",
            "-e",
            "A=1",
            "--env-file",
            env_file.to_str().unwrap(),
            "-w",
            "/tmp",
            "--ulimit",
            "nofile=64:64",
            "-m",
            "64m",
            "--hostname",
            "dd-host",
            "--add-host",
            "db:10.0.0.1",
            "--tmpfs",
            "/scratch",
            "--cap-drop",
            "ALL",
            "--pids-limit",
            "64",
            BUSYBOX,
            "sh",
            "-c",
            script,
        ],
        &[("FROM_HOST", "h")],
    );
    let report = run.report();
    assert_eq!(exit_code(&report), Some(8), "{}", run.stderr);
    assert_eq!(report["target"]["working_dir"], "/tmp");
    assert_nothing_left(&run);
}

#[test]
fn entrypoint_and_command_are_computed_like_the_engine() {
    let tag = "dd-test-docker/entrypoint:latest";
    busybox_image(
        tag,
        "ENTRYPOINT [\"/bin/echo\", \"ep\"]\nCMD [\"c1\", \"c2\"]",
    );
    let shell_tag = "dd-test-docker/shell-form:latest";
    busybox_image(shell_tag, "CMD echo shell form");
    let cases: [&[&str]; 5] = [
        &[tag],
        &[tag, "x", "y"],
        &["--entrypoint", "/bin/ls", tag],
        &["--entrypoint", "", tag, "echo", "a"],
        &[shell_tag],
    ];
    for args in cases {
        let mut create = vec!["create"];
        create.extend(args);
        let out = docker(&create);
        assert!(out.status.success(), "docker create {args:?}");
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let inspect = docker(&["inspect", "-f", "{{json .Path}} {{json .Args}}", &id]);
        docker(&["rm", "-v", &id]);
        let engine = String::from_utf8_lossy(&inspect.stdout).trim().to_string();

        let mut all = vec!["--format", "json", "--wait", "1s"];
        all.extend(args);
        let run = diagnose(&all);
        let target = &run.report()["target"];
        let argv: Vec<String> = target["entrypoint"]
            .as_array()
            .unwrap()
            .iter()
            .chain(target["command"].as_array().unwrap())
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let ours = format!(
            "{} {}",
            serde_json::to_string(&argv[0]).unwrap(),
            serde_json::to_string(&argv[1..]).unwrap()
        );
        assert_eq!(ours, engine, "{args:?}");
        assert_nothing_left(&run);
    }
    docker(&["rmi", tag, shell_tag]);
}

#[test]
fn keep_leaves_the_container_and_says_so() {
    ensure_busybox_image();
    let run = diagnose(&["--format", "json", "--keep", BUSYBOX, "true"]);
    assert!(run.stderr.contains("kept container"), "{}", run.stderr);
    let left = leftovers(&run.run_id);
    remove_kept(&run.run_id);
    assert!(!left.is_empty(), "--keep kept nothing");
    assert_nothing_left(&run);
}

#[test]
fn from_container_runs_a_fresh_copy_and_leaves_the_original() {
    ensure_busybox_image();
    let out = docker(&[
        "create",
        "-e",
        "CODE=7",
        "-u",
        "1000",
        "-w",
        "/tmp",
        "--label",
        "dd-test-docker=1",
        BUSYBOX,
        "sh",
        "-c",
        "exit $CODE",
    ]);
    assert!(out.status.success());
    let original = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let run = diagnose(&[
        "--wait",
        "60s",
        "--format",
        "json",
        "--from-container",
        &original,
    ]);
    let report = run.report();
    let state = docker(&["inspect", "-f", "{{.State.Status}}", &original]);
    docker(&["rm", "-v", &original]);
    assert_eq!(exit_code(&report), Some(7), "{}", run.stderr);
    assert_eq!(report["target"]["user"], "1000");
    assert_eq!(report["target"]["working_dir"], "/tmp");
    assert_eq!(
        String::from_utf8_lossy(&state.stdout).trim(),
        "created",
        "the original was touched"
    );
    assert_nothing_left(&run);
}

#[test]
fn build_diagnoses_the_built_image_then_removes_it() {
    ensure_busybox_image();
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "Dockerfile",
        &format!("FROM {BUSYBOX}\nCOPY run.sh /run.sh\nCMD [\"sh\", \"/run.sh\"]\n"),
    );
    write_file(dir.path(), "run.sh", "exit 9\n");
    write_file(dir.path(), "ignored.txt", "x");
    write_file(dir.path(), ".dockerignore", "ignored.txt\n");
    let run = diagnose(&[
        "--wait",
        "60s",
        "--format",
        "json",
        "--build",
        dir.path().to_str().unwrap(),
    ]);
    let report = run.report();
    assert_eq!(exit_code(&report), Some(9), "{}", run.stderr);
    let built = format!("docker-diagnose-build:{}", run.run_id);
    assert_eq!(report["target"]["image"], built.as_str());
    assert!(!image_exists(&built), "the built image stayed");
    assert_nothing_left(&run);
}

#[test]
fn several_local_images_give_one_report_each() {
    let first = "dd-test-docker/multi-a:latest";
    let second = "dd-test-docker/multi-b:latest";
    busybox_image(first, "CMD [\"true\"]");
    busybox_image(second, "CMD [\"sh\", \"-c\", \"exit 5\"]");
    let run = diagnose(&[
        "--wait", "60s", "--format", "junit", "--expect", "exit0", first, second,
    ]);
    docker(&["rmi", first, second]);
    assert_eq!(
        run.stdout.matches("<testcase").count(),
        2,
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(run.code, 1, "the second image does not exit 0");
    assert_nothing_left(&run);
}

#[test]
fn demo_builds_diagnoses_and_removes_its_image() {
    let run = diagnose(&["demo", "--format", "json"]);
    let report = run.report();
    assert_eq!(
        report["target"]["entrypoint"][0], "/app/start.sh",
        "{}",
        run.stderr
    );
    assert_eq!(report["outcome"], "exited");
    assert_eq!(report["findings"][0]["kind"], "bad-shebang");
    assert_eq!(run.code, 1);
    let built = format!("docker-diagnose-demo:{}", run.run_id);
    assert_eq!(report["target"]["image"], built.as_str());
    assert!(!image_exists(&built), "the demo image stayed");
    assert_nothing_left(&run);
}

#[test]
fn exec_failures_give_the_status_bare_docker_run_gives() {
    ensure_busybox_image();
    // A missing program and a file that is not executable: docker run says 127 and 126.
    for (program, expected) in [("/nonexistent-program", 127), ("/etc/passwd", 126)] {
        let bare = bare_docker_run(&[BUSYBOX, program]);
        assert_eq!(bare, expected, "{program}");
        let run = diagnose(&["--wait", "60s", "--format", "json", BUSYBOX, program]);
        let report = run.report();
        assert_eq!(
            exit_code(&report),
            Some(bare as i64),
            "{program}: {}",
            run.stderr
        );
        assert_eq!(report["outcome"], "exited", "{program}");
        assert_nothing_left(&run);
    }
}

#[test]
fn oom_kill_is_reported_like_the_engine_sees_it() {
    ensure_busybox_image();
    // One process that doubles a string until the limit: the OOM killer has one choice.
    let hog = "BEGIN { s = \"a\"; while (1) s = s s }";
    // No swap, so the limit is reached at once; a long wait, so a loaded machine cannot make
    // it look "still running".
    let limits = ["-m", "8m", "--memory-swap", "8m"];
    let mut bare_args = limits.to_vec();
    bare_args.extend([BUSYBOX, "awk", hog]);
    let bare = bare_docker_run(&bare_args);
    assert_eq!(bare, 137);
    let mut args = vec!["--format", "json", "--wait", "120s"];
    args.extend(bare_args);
    let run = diagnose(&args);
    let report = run.report();
    assert_eq!(exit_code(&report), Some(bare as i64), "{}", run.stderr);
    assert_eq!(report["exit"]["oom_killed"], true);
    assert_eq!(report["outcome"], "killed");
    assert_nothing_left(&run);
}

/// The tracer is a process of the container too; the program must still get as many as under a
/// bare `docker run` with the same `--pids-limit`, and hear which limit stopped it.
#[test]
fn a_process_limit_leaves_the_program_as_many_processes_as_bare_docker_run() {
    ensure_busybox_image();
    let script = "for i in 1 2 3 4 5 6 7 8; do echo $i; sleep 60 & done; wait";
    let args = ["--pids-limit", "4", BUSYBOX, "sh", "-c", script];
    let mut bare_args = vec!["run", "--rm"];
    bare_args.extend(args);
    let bare = docker(&bare_args);
    let bare_stdout: Vec<String> = String::from_utf8_lossy(&bare.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(bare.status.code(), Some(2), "{bare:?}");
    assert_eq!(
        bare_stdout,
        ["1", "2", "3", "4"],
        "busybox forked three sleeps"
    );
    let mut diagnose_args = vec!["--format", "json", "--wait", "60s"];
    diagnose_args.extend(args);
    let run = diagnose(&diagnose_args);
    let report = run.report();
    assert_eq!(exit_code(&report), Some(2), "{}", run.stderr);
    assert_eq!(
        report["stdout_tail"],
        serde_json::json!(bare_stdout),
        "{report}"
    );
    let finding = &report["findings"][0];
    assert_eq!(finding["kind"], "too-many-processes", "{report}");
    assert_eq!(finding["rule"], "proc.pids-limit", "{report}");
    let summary = finding["summary"].as_str().unwrap();
    assert!(summary.contains("limit of 4 processes"), "{summary}");
    assert_nothing_left(&run);
}

/// An entrypoint's `ulimit -n 8192` is refused above the container's hard limit (1024:4096);
/// the finding names the `--ulimit` that sets it, and with that flag the same command starts.
/// (Within the engine's own hard limit: an engine without CAP_SYS_RESOURCE cannot go above.)
#[test]
fn a_refused_limit_raise_names_the_ulimit_that_lets_it_start() {
    ensure_busybox_image();
    let command = [BUSYBOX, "sh", "-c", "ulimit -n 8192 && echo raised"];
    let run_with = |ulimit: &str| {
        let mut args = vec!["--format", "json", "--wait", "60s", "--ulimit", ulimit];
        args.extend(command);
        let run = diagnose(&args);
        assert_nothing_left(&run);
        run.report()
    };
    let report = run_with("nofile=1024:4096");
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "cap.raise-limit", "{report}");
    let fix = finding["fix"].as_str().unwrap();
    assert!(fix.contains("--ulimit nofile=8192:8192"), "{fix}");
    let report = run_with("nofile=8192:8192");
    assert_eq!(exit_code(&report), Some(0), "{report}");
    assert_eq!(report["stdout_tail"][0], "raised");
}

#[test]
fn a_container_without_a_network_is_told_so() {
    // With `--network none` an outside address has no route; the loopback interface is still
    // there, and a refusal on it is not blamed on the missing network.
    ensure_busybox_image();
    let fetch = |url: &str| {
        let run = diagnose(&[
            "--format",
            "json",
            "--wait",
            "60s",
            "--network",
            "none",
            BUSYBOX,
            "wget",
            "-q",
            "-O-",
            url,
        ]);
        assert_nothing_left(&run);
        run.report()
    };
    let report = fetch("http://192.0.2.1:8080/");
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "net.no-network", "{report}");
    assert!(
        finding["summary"]
            .as_str()
            .unwrap()
            .contains("192.0.2.1:8080"),
        "{report}"
    );
    let report = fetch("http://127.0.0.1:8080/");
    assert_eq!(
        report["findings"][0]["rule"], "net.connection-refused",
        "{report}"
    );
}

#[test]
fn volumes_the_run_created_go_and_existing_ones_stay() {
    ensure_busybox_image();
    let existing = "dd-test-docker-existing-volume";
    let created = "dd-test-docker-created-volume";
    assert!(docker(&["volume", "create", existing]).status.success());
    let run = diagnose(&[
        "--wait",
        "60s",
        "--format",
        "json",
        "-v",
        &format!("{created}:/new"),
        "--mount",
        &format!("type=volume,source={existing},target=/old"),
        BUSYBOX,
        "sh",
        "-c",
        "touch /new/x /old/x && exit 2",
    ]);
    let existing_stayed = docker(&["volume", "inspect", existing]).status.success();
    let created_stayed = docker(&["volume", "inspect", created]).status.success();
    docker(&["volume", "rm", existing]);
    assert_eq!(exit_code(&run.report()), Some(2), "{}", run.stderr);
    assert!(existing_stayed, "a volume that existed before was removed");
    assert!(
        !created_stayed,
        "the volume the engine created for the run stayed"
    );
    assert_nothing_left(&run);
}

/// The container gets no host path and no privilege but the tracer's `CAP_SYS_PTRACE`, and that
/// only as root (`tests/docker_tracer_caps.rs` shows the program never has it).
#[test]
fn the_runner_adds_no_host_path_and_no_privilege_but_the_tracers() {
    ensure_busybox_image();
    for (user, cap_add) in [("0", r#"["SYS_PTRACE"]"#), ("1000", "null")] {
        let run = diagnose(&[
            "--format", "json", "--keep", "--user", user, BUSYBOX, "true",
        ]);
        let id = kept(&run.run_id);
        let inspect = docker(&[
            "inspect",
            "-f",
            "{{.HostConfig.Privileged}} {{json .HostConfig.CapAdd}} {{json .HostConfig.Binds}} {{range .Mounts}}{{.Type}}:{{.Destination}} {{end}}",
            &id,
        ]);
        remove_kept(&run.run_id);
        assert!(!id.is_empty(), "--keep kept no container: {}", run.stderr);
        let facts = String::from_utf8_lossy(&inspect.stdout).trim().to_string();
        assert_eq!(
            facts,
            format!("false {cap_add} null volume:/.docker-diagnose"),
            "user {user}"
        );
        assert_nothing_left(&run);
    }
}

#[test]
fn secret_environment_values_never_reach_a_report() {
    ensure_busybox_image();
    for format in ["human", "json", "markdown", "junit"] {
        let run = diagnose(&[
            "--wait",
            "60s",
            "--format",
            format,
            "-e",
            "API_TOKEN=hunter2-not-for-reports",
            BUSYBOX,
            "sh",
            "-c",
            "echo token is $API_TOKEN; echo $API_TOKEN >&2; exit 3",
        ]);
        assert!(!run.stdout.is_empty(), "{format}: {}", run.stderr);
        assert!(
            !run.stdout.contains("hunter2-not-for-reports"),
            "{format}: {}",
            run.stdout
        );
        assert_nothing_left(&run);
    }
}

#[test]
fn health_flags_replace_the_image_healthcheck() {
    ensure_busybox_image();
    // --health-cmd makes a plain image count as started once healthy, before it exits with 1.
    let run = diagnose(&[
        "--format",
        "json",
        "--wait",
        "60s",
        "--health-cmd",
        "true",
        "--health-interval",
        "1s",
        BUSYBOX,
        "sh",
        "-c",
        "sleep 30; exit 1",
    ]);
    assert_eq!(run.report()["outcome"], "running", "{}", run.stderr);
    assert_nothing_left(&run);
    // --no-healthcheck: the same command now runs to its exit within the wait.
    let run = diagnose(&[
        "--format",
        "json",
        "--wait",
        "60s",
        "--no-healthcheck",
        BUSYBOX,
        "sh",
        "-c",
        "sleep 1; exit 1",
    ]);
    assert_eq!(run.report()["outcome"], "exited", "{}", run.stderr);
    assert_nothing_left(&run);
}

#[test]
fn a_port_already_allocated_is_the_engines_refusal() {
    ensure_busybox_image();
    // A container of ours holds the host port; the diagnosed one asks for the same.
    let holder = docker(&[
        "run",
        "-d",
        "--label",
        "dd-test-docker=1",
        "-p",
        "127.0.0.1:38517:80",
        BUSYBOX,
        "sleep",
        "120",
    ]);
    assert!(
        holder.status.success(),
        "{}",
        String::from_utf8_lossy(&holder.stderr)
    );
    let holder = String::from_utf8_lossy(&holder.stdout).trim().to_string();
    let args = ["-p", "127.0.0.1:38517:80", BUSYBOX, "true"];
    let bare = bare_docker_run(&args);
    let mut all = vec!["--format", "json"];
    all.extend(args);
    let run = diagnose(&all);
    docker(&["rm", "-fv", &holder]);
    let report = run.report();
    assert_eq!(report["outcome"], "not-started", "{}", run.stderr);
    assert_eq!(report["findings"][0]["rule"], "docker.port-allocated");
    assert!(report["findings"][0]["summary"]
        .as_str()
        .is_some_and(|s| s.contains("38517")));
    assert_eq!(exit_code(&report), Some(bare as i64));
    assert_eq!(run.code, 1);
    assert_nothing_left(&run);
}

//! Hand-built reports shaped like real runs, shared by the report tests.
#![allow(dead_code)] // each test file uses its own share of the fixtures

use docker_diagnose::report::{
    Confidence, EvidenceLine, Exit, Finding, Kind, Outcome, Report, Target, Tool, TraceSummary,
    REPORT_SCHEMA,
};

fn strings(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

fn finding(rule: &str, kind: Kind, confidence: Confidence, summary: &str) -> Finding {
    Finding {
        rule: rule.into(),
        kind,
        confidence,
        summary: summary.into(),
        explanation: String::new(),
        fix: String::new(),
        evidence: Vec::new(),
    }
}

fn report(image: &str, entrypoint: &[&str], command: &[&str], findings: Vec<Finding>) -> Report {
    Report {
        schema: REPORT_SCHEMA.into(),
        // Fixed, so that a version bump does not change every snapshot.
        tool: Tool {
            name: "docker-diagnose".into(),
            version: "0.1.0".into(),
        },
        target: Target {
            image: Some(image.into()),
            image_id: Some(
                "sha256:3f1e2d4c5b6a79880f1e2d3c4b5a69788f9e0d1c2b3a49586f7e8d9c0b1a2938".into(),
            ),
            entrypoint: strings(entrypoint),
            command: strings(command),
            user: None,
            working_dir: None,
            platform: Some("linux/amd64".into()),
        },
        outcome: Outcome::Exited,
        exit: Exit::default(),
        duration_ms: 0,
        findings,
        stdout_tail: Vec::new(),
        stderr_tail: Vec::new(),
        trace: TraceSummary::default(),
    }
}

/// A glibc binary copied into an Alpine image.
pub fn missing_interpreter() -> Report {
    let mut f = finding(
        "exec.missing-interpreter",
        Kind::MissingInterpreter,
        Confidence::High,
        "/app/server needs /lib64/ld-linux-x86-64.so.2, which is not in the image",
    );
    f.explanation =
        "/app/server is a dynamically linked ELF program. Before it can run, the kernel \
        starts its interpreter, the dynamic loader named in the file (PT_INTERP). That loader is \
        missing, so the kernel answers ENOENT, and Docker reports \"no such file or directory\" \
        even though /app/server itself exists. This happens when a program built against glibc is \
        copied into a musl-based image such as Alpine."
            .into();
    f.fix = "Build the program in the same base image it runs in, link it statically \
        (`CGO_ENABLED=0 go build` for Go), or switch the runtime image to a glibc one \
        (`FROM debian:bookworm-slim`)."
        .into();
    f.evidence = vec![EvidenceLine {
        pid: Some(1),
        syscall: Some("execve".into()),
        call: r#"execve("/app/server", ["/app/server", "--port", "8080"], 0x7ffc9e3b2f48 /* 4 vars */) = -1 ENOENT (No such file or directory)"#.into(),
        errno: Some("ENOENT".into()),
        path: Some("/app/server".into()),
        note: Some("ELF interpreter /lib64/ld-linux-x86-64.so.2 is absent; the image has /lib/ld-musl-x86_64.so.1".into()),
    }];
    let mut r = report(
        "my-api:latest",
        &["/app/server"],
        &["--port", "8080"],
        vec![f],
    );
    r.target.user = Some("app".into());
    r.target.working_dir = Some("/app".into());
    r.exit.code = Some(127);
    r.duration_ms = 184;
    r.stderr_tail = strings(&["exec /app/server: no such file or directory"]);
    r.trace = TraceSummary {
        events: 3,
        processes: 1,
        dropped: 0,
        calls: strings(&[
            r#"execve("/app/server", ["/app/server", "--port", "8080"], 0x7ffc9e3b2f48 /* 4 vars */) = -1 ENOENT (No such file or directory)"#,
            r#"write(2, "exec /app/server: no such file or directory\n", 44) = 44"#,
            "+++ exited with 127 +++",
        ]),
    };
    r
}

/// An entrypoint script saved with Windows line endings.
pub fn bad_shebang_crlf() -> Report {
    let mut f = finding(
        "exec.shebang-crlf",
        Kind::BadShebang,
        Confidence::High,
        r"/entrypoint.sh starts with #!/bin/sh\r: the line ends in a carriage return, so the interpreter it names does not exist",
    );
    f.explanation = "The kernel runs a script with the program named on its first line, up to the \
        end of the line. The file has Windows line endings (CRLF), so that name is /bin/sh\\r \
        (with a carriage return), which no image has."
        .into();
    f.fix = "Convert the script to Unix line endings before copying it \
        (`sed -i 's/\\r$//' entrypoint.sh` or `dos2unix entrypoint.sh`), and add \
        `*.sh text eol=lf` to .gitattributes so that Git on Windows keeps them."
        .into();
    f.evidence = vec![EvidenceLine {
        pid: Some(1),
        syscall: Some("execve".into()),
        call: r#"execve("/entrypoint.sh", ["/entrypoint.sh", "start"], 0x7ffe1c2d3e40 /* 6 vars */)"#.into(),
        errno: Some("ENOENT".into()),
        path: Some("/entrypoint.sh".into()),
        note: Some(r##"#! line is "#!/bin/sh\r\n": the interpreter "/bin/sh\r" does not exist (/bin/sh does)"##.into()),
    }];
    let mut r = report(
        "registry.example.com/team/worker:2.3.1",
        &["/entrypoint.sh"],
        &["start"],
        vec![f],
    );
    r.exit.code = Some(127);
    r.duration_ms = 97;
    // A real carriage return, as a shell would print it.
    r.stderr_tail = strings(&["/bin/sh\r: bad interpreter: No such file or directory"]);
    r.trace = TraceSummary {
        events: 2,
        processes: 1,
        dropped: 0,
        calls: Vec::new(),
    };
    r
}

/// A Node server whose port another process in the container already holds.
pub fn port_in_use() -> Report {
    let mut f = finding(
        "net.bind-in-use",
        Kind::PortInUse,
        Confidence::High,
        "node could not listen on 0.0.0.0:8080: another process in the container already holds the port",
    );
    f.explanation =
        "A bind() to 0.0.0.0:8080 failed with EADDRINUSE: only one socket may listen on \
        an address and port. The process that holds it was started earlier by the same entrypoint \
        (pid 7, started by /docker-entrypoint.sh), so the server gives up and the container exits."
            .into();
    f.fix = "Start the server only once: remove the extra `node server.js &` from \
        /docker-entrypoint.sh, or give the second listener another port (`PORT=8081`)."
        .into();
    f.evidence = vec![
        EvidenceLine {
            pid: Some(7),
            syscall: Some("bind".into()),
            call: r#"bind(21, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("0.0.0.0")}, 16) = 0"#.into(),
            errno: None,
            path: None,
            note: Some("the first server, still running".into()),
        },
        EvidenceLine {
            pid: Some(12),
            syscall: Some("bind".into()),
            call: r#"bind(21, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("0.0.0.0")}, 16) = -1 EADDRINUSE (Address already in use)"#.into(),
            errno: Some("EADDRINUSE".into()),
            path: None,
            note: None,
        },
    ];
    let also = finding(
        "net.connect-refused",
        Kind::ConnectionRefused,
        Confidence::Low,
        "a connection to 127.0.0.1:6379 was refused once, then succeeded",
    );
    let mut r = report(
        "shop-frontend:dev",
        &["/docker-entrypoint.sh"],
        &["node", "server.js"],
        vec![f, also],
    );
    r.exit.code = Some(1);
    r.duration_ms = 1_432;
    r.stdout_tail = strings(&["> shop-frontend@1.4.0 start", "> node server.js"]);
    r.stderr_tail = strings(&[
        "node:events:497",
        "      throw er; // Unhandled 'error' event",
        "      ^",
        "",
        "Error: listen EADDRINUSE: address already in use 0.0.0.0:8080",
        "    at Server.setupListenHandle [as _listen2] (node:net:1872:16)",
        "    at listenInCluster (node:net:1920:12)",
        "    at doListen (node:net:2069:7)",
        "    at process.processTicksAndRejections (node:internal/process/task_queues:83:21)",
        "Emitted 'error' event on Server instance at:",
        "    at emitErrorNT (node:net:1899:8)",
        "    at process.processTicksAndRejections (node:internal/process/task_queues:82:21) {",
        "  code: 'EADDRINUSE',",
        "  errno: -98,",
        "  syscall: 'listen',",
        "  address: '0.0.0.0',",
        "  port: 8080",
        "}",
    ]);
    r.trace = TraceSummary {
        events: 1_874,
        processes: 14,
        dropped: 0,
        calls: strings(&[
            r#"[pid 1] execve("/docker-entrypoint.sh", ["/docker-entrypoint.sh", "node", "server.js"], 0x7ffd2a1b0c98 /* 9 vars */) = 0"#,
            r#"[pid 7] bind(21, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("0.0.0.0")}, 16) = 0"#,
            r#"[pid 12] connect(22, {sa_family=AF_INET, sin_port=htons(6379), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)"#,
            r#"[pid 12] bind(21, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("0.0.0.0")}, 16) = -1 EADDRINUSE (Address already in use)"#,
            r#"[pid 12] write(2, "Error: listen EADDRINUSE: address already in use 0.0.0.0:8080\n", 62) = 62"#,
            "[pid 12] +++ exited with 1 +++",
        ]),
    };
    r
}

/// A JVM killed by the kernel at a 256 MiB limit.
pub fn oom_killed() -> Report {
    let mut f = finding(
        "exit.oom-killed",
        Kind::OomKilled,
        Confidence::High,
        "java was killed by the kernel for using more than the container's 256 MiB memory limit",
    );
    f.explanation = "Docker reports OOMKilled: the process's memory grew past the limit set with \
        --memory, and the kernel's out-of-memory killer ended it with SIGKILL. No error message is \
        printed, because SIGKILL cannot be caught."
        .into();
    f.fix = "Raise the limit (`--memory 512m`), or make the program use less: for the JVM, \
        `-XX:MaxRAMPercentage=75` keeps the heap within the container's limit."
        .into();
    let mut r = report(
        "billing-service:1.8",
        &["java", "-jar", "/srv/app.jar"],
        &[],
        vec![f],
    );
    r.outcome = Outcome::Killed;
    r.exit = Exit {
        code: Some(137),
        signal: Some("SIGKILL".into()),
        oom_killed: true,
    };
    r.duration_ms = 3_870;
    r.stdout_tail = strings(&[
        "  .   ____          _            __ _ _",
        "2026-11-27T20:14:02.113Z  INFO 1 --- [main] o.s.b.w.e.tomcat.TomcatWebServer : Tomcat initialized with port 8080 (http)",
        "2026-11-27T20:14:03.406Z  INFO 1 --- [main] c.e.billing.CacheWarmer : warming the rate cache (1.2 GB)",
    ]);
    r.trace = TraceSummary {
        events: 9_412,
        processes: 31,
        dropped: 1_200,
        calls: Vec::new(),
    };
    r
}

/// A web server still up when --wait ran out.
pub fn healthy() -> Report {
    let mut f = finding(
        "start.healthy",
        Kind::Healthy,
        Confidence::High,
        "nginx:1.27-alpine was still running after 5.0 s, and nothing it needed was missing",
    );
    f.explanation = "The container stayed up for the whole --wait time.".into();
    let mut r = report(
        "nginx:1.27-alpine",
        &["/docker-entrypoint.sh"],
        &["nginx", "-g", "daemon off;"],
        vec![f],
    );
    r.outcome = Outcome::Running;
    r.duration_ms = 5_000;
    r.stdout_tail = strings(&["/docker-entrypoint.sh: Configuration complete; ready for start up"]);
    r.stderr_tail = strings(&[
        "2026/11/27 20:14:02 [notice] 1#1: start worker processes",
        "2026/11/27 20:14:02 [notice] 1#1: start worker process 29",
    ]);
    r.trace = TraceSummary {
        events: 612,
        processes: 4,
        dropped: 0,
        calls: Vec::new(),
    };
    r
}

/// A Python program that exits 1 on a missing setting; its own message is the clue.
pub fn app_error() -> Report {
    let mut f = finding(
        "exit.app-error",
        Kind::AppError,
        Confidence::Medium,
        "python exited with code 1 after printing: KeyError: 'DATABASE_URL'",
    );
    f.explanation = "No system call failed that would explain the exit: the program stopped on an \
        error of its own and said so on stderr. Its last error line is quoted above."
        .into();
    f.fix = "Read the program's message: here it looks for the environment variable DATABASE_URL. \
        Pass it with `-e DATABASE_URL=...` or `--env-file .env`."
        .into();
    let mut r = report(
        "ledger-worker:latest",
        &["python", "-m", "ledger.worker"],
        &[],
        vec![f],
    );
    r.target.image_id = None;
    r.target.working_dir = Some("/srv/ledger".into());
    r.exit.code = Some(1);
    r.duration_ms = 642;
    r.stdout_tail = strings(&["ledger worker 3.2.0 starting"]);
    r.stderr_tail = strings(&[
        "Traceback (most recent call last):",
        "  File \"<frozen runpy>\", line 198, in _run_module_as_main",
        "  File \"/srv/ledger/ledger/worker.py\", line 12, in <module>",
        "    DSN = os.environ[\"DATABASE_URL\"]  # see ```docs/setup.md```",
        "          ~~~~~~~~~~^^^^^^^^^^^^^^^^",
        "  File \"<frozen os>\", line 714, in __getitem__",
        "KeyError: 'DATABASE_URL'",
    ]);
    r.trace = TraceSummary {
        events: 1_203,
        processes: 1,
        dropped: 0,
        calls: Vec::new(),
    };
    r
}

/// A host command run with `trace` (no image).
pub fn trace_missing_file() -> Report {
    let mut f = finding(
        "file.missing-config",
        Kind::MissingFile,
        Confidence::High,
        "./app could not open /etc/app/config.yaml, which does not exist",
    );
    f.evidence = vec![EvidenceLine {
        pid: Some(4242),
        syscall: Some("openat".into()),
        call: r#"openat(AT_FDCWD, "/etc/app/config.yaml", O_RDONLY)"#.into(),
        errno: Some("ENOENT".into()),
        path: Some("/etc/app/config.yaml".into()),
        note: None,
    }];
    let mut r = report(
        "",
        &[],
        &["./app", "--config", "/etc/app/config.yaml"],
        vec![f],
    );
    r.target = Target {
        command: strings(&["./app", "--config", "/etc/app/config.yaml"]),
        ..Target::default()
    };
    r.exit.code = Some(2);
    r.duration_ms = 12;
    r.stderr_tail = strings(&["app: open /etc/app/config.yaml: no such file or directory"]);
    r.trace = TraceSummary {
        events: 58,
        processes: 1,
        dropped: 0,
        calls: Vec::new(),
    };
    r
}

/// A report full of secrets: printed by the program, passed as flags, and in the environment.
pub const KNOWN_SECRET: &str = "s3cr3t-token-value";

pub fn leaky() -> Report {
    let mut r = app_error();
    r.target.command = strings(&["--api-token", KNOWN_SECRET]);
    r.findings[0].summary =
        format!("python exited with code 1 after printing: invalid token {KNOWN_SECRET}");
    r.findings[0].evidence = vec![EvidenceLine {
        pid: Some(1),
        syscall: Some("write".into()),
        call: format!(r#"write(2, "DB_PASSWORD=hunter2 rejected for {KNOWN_SECRET}\n", 50) = 50"#),
        errno: None,
        path: None,
        note: Some(format!("the program printed {KNOWN_SECRET}")),
    }];
    r.stderr_tail = strings(&[
        "settings: DB_PASSWORD=hunter2 DB_HOST=db",
        &format!("login failed with {KNOWN_SECRET}"),
        r#"{"level": "error", "client_secret": "hunter2"}"#,
    ]);
    r.stdout_tail = strings(&["connecting to postgres://ledger:hunter2@db:5432/ledger"]);
    r.trace.calls = strings(&[
        &format!(
            r#"execve("/usr/bin/python", ["python", "-m", "ledger.worker"], ["API_TOKEN={KNOWN_SECRET}", "DB_PASSWORD=hunter2"]) = 0"#
        ),
        r#"write(1, "using s3cr3t-token"..., 64) = 64"#,
    ]);
    r
}

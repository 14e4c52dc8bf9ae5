//! What real programs print when they fail to start, with nothing else to go on (a run whose
//! trace shows no failing call, as when a pasted log cut the interesting part): each message
//! must still lead to the right kind, naming the right thing.

mod rules_support;

use docker_diagnose::report::Report;
use docker_diagnose::rules::{diagnose, RuleSet};
use docker_diagnose::trace::{End, ExitFacts, Header, Trace};
use rules_support::{observe, Facts};

/// (program, exit status, stderr, expected kind, a word the summary must contain)
const MESSAGES: &[(&str, i32, &str, &str, &str)] = &[
    ("sh", 127, "sh: 1: exec: gunicorn: not found", "missing-executable", "gunicorn"),
    ("bash", 127, "/entrypoint.sh: line 5: exec: uwsgi: not found", "missing-executable", "uwsgi"),
    ("bash", 127, "bash: line 1: yarn: command not found", "missing-executable", "yarn"),
    ("sh", 127, "/bin/sh: nodemon: not found", "missing-executable", "nodemon"),
    ("runner", 127, "exec: \"uvicorn\": executable file not found in $PATH", "missing-executable", "uvicorn"),
    ("env", 127, "/usr/bin/env: 'python': No such file or directory", "missing-executable", "python"),
    ("env", 127, "env: ‘node’: No such file or directory", "missing-executable", "node"),
    ("runc", 1, "standard_init_linux.go:228: exec user process caused: exec format error", "exec-format", "exec format error"),
    ("runc", 1, "exec /usr/local/bin/docker-entrypoint.sh: exec format error", "exec-format", "/usr/local/bin/docker-entrypoint.sh"),
    ("runc", 1, "standard_init_linux.go:211: exec user process caused \"no such file or directory\"", "missing-executable", "no such file"),
    ("runc", 1, "exec /docker-entrypoint.sh: no such file or directory", "missing-executable", "/docker-entrypoint.sh"),
    ("runc", 1, "exec /entrypoint.sh: permission denied", "not-executable", "/entrypoint.sh"),
    ("bash", 126, "/bin/bash: ./start.sh: /bin/bash^M: bad interpreter: No such file or directory", "bad-shebang", "./start.sh"),
    ("bash", 127, "bash: line 1: ./start.sh: cannot execute: required file not found", "bad-shebang", "./start.sh"),
    ("app", 127, "/app/server: error while loading shared libraries: libssl.so.1.1: cannot open shared object file: No such file or directory", "missing-library", "libssl.so.1.1"),
    ("app", 127, "Error loading shared library libstdc++.so.6: No such file or directory (needed by /app/server)", "missing-library", "libstdc++.so.6"),
    ("app", 1, "/app/server: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /app/server)", "library-version", "GLIBC_2.34"),
    ("app", 127, "Error relocating /app/server: __snprintf_chk: symbol not found", "library-version", "__snprintf_chk"),
    ("python3", 1, "socket.gaierror: [Errno -3] Temporary failure in name resolution", "dns-failure", "resolved"),
    ("app", 1, "dial tcp: lookup redis on 127.0.0.11:53: no such host", "dns-failure", "redis"),
    ("node", 1, "Error: getaddrinfo ENOTFOUND mongo", "dns-failure", "mongo"),
    ("app", 1, "dial tcp: lookup redis on 127.0.0.11:53: read udp 172.18.0.3:53201->127.0.0.11:53: i/o timeout", "dns-failure", "timed out"),
    ("nslookup", 1, ";; connection timed out; no servers could be reached", "dns-failure", "never answered"),
    ("curl", 28, "curl: (28) Resolving timed out after 5000 milliseconds", "dns-failure", "timed out"),
    ("psql", 2, "psql: error: could not translate host name \"db\" to address: Name or service not known", "dns-failure", "db"),
    ("curl", 6, "curl: (6) Could not resolve host: api.example.com", "dns-failure", "api.example.com"),
    ("nginx", 1, "nginx: [emerg] host not found in upstream \"backend:8080\" in /etc/nginx/conf.d/default.conf:3", "dns-failure", "backend"),
    ("mysql", 1, "ERROR 2005 (HY000): Unknown MySQL server host 'db' (-2)", "dns-failure", "db"),
    ("rabbitmq-server", 1, "ERROR: epmd error for host rabbit: nxdomain (non-existing domain)", "dns-failure", "resolved"),
    ("node", 1, "Error: listen EADDRINUSE: address already in use :::3000", "port-in-use", "address already in use"),
    ("node", 1, "Error: listen EACCES: permission denied 0.0.0.0:80", "privileged-port", "80"),
    ("nginx", 1, "nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)", "privileged-port", "80"),
    ("app", 1, "listen tcp :443: bind: permission denied", "privileged-port", "443"),
    ("node", 1, "Error: listen EADDRNOTAVAIL: address not available ::1:3000", "address-not-available", "::1"),
    ("app", 1, "listen tcp 10.1.2.3:8080: bind: cannot assign requested address", "address-not-available", "10.1.2.3:8080"),
    ("python3", 1, "OSError: [Errno 99] Cannot assign requested address", "address-not-available", "Errno 99"),
    ("python3", 1, "psycopg2.OperationalError: connection to server at \"localhost\" (127.0.0.1), port 5432 failed: Connection refused", "connection-refused", "Connection refused"),
    ("su-exec", 1, "su-exec: setgroups: Operation not permitted", "missing-capability", "setgroups"),
    ("date", 1, "date: cannot set date: Operation not permitted", "missing-capability", "CAP_SYS_TIME"),
    ("chown", 1, "chown: changing ownership of '/data': Operation not permitted", "missing-capability", "/data"),
    ("touch", 1, "touch: cannot touch '/etc/app.lock': Read-only file system", "read-only-filesystem", "Read-only file system"),
    ("mkdir", 1, "mkdir: cannot create directory '/data/db': Permission denied", "permission-denied", "/data/db"),
    ("python3", 1, "FileNotFoundError: [Errno 2] No such file or directory: '/app/config.json'", "missing-file", "/app/config.json"),
    ("python3", 2, "python3: can't open file '/app/main.py': [Errno 2] No such file or directory", "missing-file", "/app/main.py"),
    ("node", 1, "Error: Cannot find module '/app/dist/index.js'", "missing-file", "/app/dist/index.js"),
    ("node", 1, "Error: Cannot find module 'express'", "app-error", "express"),
    ("python3", 1, "ModuleNotFoundError: No module named 'django'", "app-error", "django"),
    ("dotnet", 134, "Process terminated. Couldn't find a valid ICU package installed on the system. Please install libicu (or icu-libs) using your package manager and try again. Alternatively you can set the configuration flag System.Globalization.Invariant to true if you want to run with no globalization support. Please see https://aka.ms/dotnet-missing-libicu for more information.", "missing-library", "ICU"),
    ("dotnet", 150, "Framework: 'Microsoft.AspNetCore.App', version '8.0.0' (x64)", "missing-library", "Microsoft.AspNetCore.App"),
    ("dotnet", 150, "The framework 'Microsoft.NETCore.App', version '6.0.0' (x64) was not found.", "missing-library", "6.0.0"),
    ("postgres", 1, "FATAL:  could not create shared memory segment: No space left on device", "no-space", "No space left on device"),
    ("java", 1, "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space", "app-error", "OutOfMemoryError"),
    ("app", 1, "accept tcp [::]:8080: accept4: too many open files", "too-many-open-files", "too many open files"),
    ("sh", 2, "/start.sh: line 12: can't fork: Resource temporarily unavailable", "too-many-processes", "can't fork"),
    ("bash", 254, "/entrypoint.sh: fork: retry: Resource temporarily unavailable", "too-many-processes", "fork: retry"),
    ("dash", 2, "/bin/sh: 3: Cannot fork", "too-many-processes", "Cannot fork"),
    ("go", 2, "runtime: failed to create new OS thread (have 12 already; errno=11)", "too-many-processes", "new OS thread"),
    ("go", 2, "runtime/cgo: pthread_create failed: Resource temporarily unavailable", "too-many-processes", "pthread_create"),
    ("java", 1, "Exception in thread \"main\" java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached", "too-many-processes", "native thread"),
    ("python3", 1, "RuntimeError: can't start new thread", "too-many-processes", "new thread"),
    ("nginx", 1, "2024/05/01 10:00:00 [alert] 1#1: fork() failed while spawning \"worker process\" (11: Resource temporarily unavailable)", "too-many-processes", "fork() failed"),
    ("postgres", 1, "LOG:  could not fork new process for connection: Resource temporarily unavailable", "too-many-processes", "could not fork"),
    ("rust", 101, "thread 'main' panicked at src/main.rs:9:10:\nfailed to spawn thread: Os { code: 11, kind: WouldBlock, message: \"Resource temporarily unavailable\" }", "too-many-processes", "spawn thread"),
    ("app", 1, "Error: DATABASE_URL environment variable is not set", "app-error", "environment variable `DATABASE_URL`"),
    ("bash", 1, "/entrypoint.sh: line 4: DATABASE_URL: unbound variable", "app-error", "environment variable `DATABASE_URL`"),
    ("sh", 2, "sh: 1: REDIS_HOST: parameter not set", "app-error", "environment variable `REDIS_HOST`"),
    ("sh", 2, "sh: 1: REDIS_HOST: parameter not set or null", "app-error", "environment variable `REDIS_HOST`"),
    ("bash", 1, "/docker-entrypoint.sh: line 7: POSTGRES_PASSWORD: parameter null or not set", "app-error", "environment variable `POSTGRES_PASSWORD`"),
    ("app", 1, "panic: required key DB_HOST missing value", "app-error", "environment variable `DB_HOST`"),
    ("ruby", 1, "/app/config/boot.rb:3:in 'ENV.fetch': key not found: \"DATABASE_URL\" (KeyError)", "app-error", "environment variable `DATABASE_URL`"),
    ("python3", 1, "django.core.exceptions.ImproperlyConfigured: Set the SECRET_KEY environment variable", "app-error", "environment variable `SECRET_KEY`"),
    ("node", 1, "Error: Missing required environment variable: STRIPE_API_KEY", "app-error", "environment variable `STRIPE_API_KEY`"),
    ("app", 1, "FATAL: JWT_SECRET must be set", "app-error", "environment variable `JWT_SECRET`"),
    ("postgres", 1, "2026-11-29 13:38:29.817 UTC [1] FATAL:  data directory \"/data/pg\" has wrong ownership", "app-error", "refuses `/data/pg`"),
    ("postgres", 1, "FATAL:  private key file \"/etc/ssl/private/server.key\" has group or world access", "app-error", "refuses `/etc/ssl/private/server.key`"),
    ("ssh", 255, "Permissions 0644 for '/root/.ssh/id_ed25519' are too open.", "app-error", "refuses `/root/.ssh/id_ed25519`"),
    ("ssh", 255, "Bad owner or permissions on /root/.ssh/config", "app-error", "refuses `/root/.ssh/config`"),
    ("postgres", 1, "\"root\" execution of the PostgreSQL server is not permitted.", "app-error", "refuses to run as root"),
    ("initdb", 1, "initdb: error: cannot be run as root", "app-error", "refuses to run as root"),
    ("java", 1, "java.lang.RuntimeException: can not run elasticsearch as root", "app-error", "refuses to run as root"),
    ("mysqld", 1, "2026-11-29T13:00:00.000000Z 0 [ERROR] [MY-010123] [Server] Fatal error: Please read \"Security\" section of the manual to find out how to run mysqld as root!", "app-error", "refuses to run as root"),
    ("python3", 1, "KeyError: 'getpwuid(): uid not found: 1000'", "app-error", "no entry in the image's /etc/passwd"),
    ("whoami", 1, "whoami: cannot find name for user ID 1000", "app-error", "no entry in the image's /etc/passwd"),
    ("initdb", 1, "initdb: error: could not look up effective user ID 1000: user does not exist", "app-error", "no entry in the image's /etc/passwd"),
    ("git", 128, "fatal: unable to look up current user in the passwd file: no such user", "app-error", "no entry in the image's /etc/passwd"),
    ("app", 1, "panic: user: unknown userid 1000", "app-error", "no entry in the image's /etc/passwd"),
    ("node", 1, "SystemError [ERR_SYSTEM_ERROR]: A system error occurred: uv_os_get_passwd returned ENOENT (no such file or directory)", "app-error", "no entry in the image's /etc/passwd"),
    ("ruby", 1, "Rails: A server is already running. Check /app/tmp/pids/server.pid.", "app-error", "/app/tmp/pids/server.pid"),
    ("gunicorn", 1, "RuntimeError: Already running on PID 1 (or pid file '/tmp/gunicorn.pid' is stale)", "app-error", "/tmp/gunicorn.pid"),
    ("unicorn", 1, "ArgumentError: Already running on PID:1 (or pid=/app/tmp/pids/unicorn.pid is stale)", "app-error", "/app/tmp/pids/unicorn.pid"),
    ("celery", 1, "ERROR: Pidfile (celerybeat.pid) already exists.", "app-error", "celerybeat.pid"),
    ("rsyslogd", 1, "rsyslogd: pidfile '/run/rsyslogd.pid' and pid 1 already exist.", "app-error", "/run/rsyslogd.pid"),
    ("dbus-daemon", 1, "Failed to start message bus: The pid file \"/run/dbus/pid\" exists, if the message bus is not running, remove this file", "app-error", "/run/dbus/pid"),
    ("Xvfb", 1, "Fatal server error:\n(EE) Server is already active for display 99\n\tIf this server is no longer running, remove /tmp/.X99-lock\n\tand start again.", "app-error", "already running"),
    ("python3", 1, "ImportError: libGL.so.1: cannot open shared object file: No such file or directory", "missing-library", "libGL.so.1"),
    ("app", 2, "panic: unknown time zone America/New_York", "missing-file", "America/New_York"),
    ("python3", 1, "zoneinfo._common.ZoneInfoNotFoundError: 'No time zone found with key Europe/Berlin'", "missing-file", "Europe/Berlin"),
    ("ruby", 1, "TZInfo::DataSourceNotFound: tzinfo-data is not present. Please add gem 'tzinfo-data' to your Gemfile and run bundle install", "missing-file", "time zone"),
    ("java", 1, "Exception in thread \"main\" java.lang.UnsupportedClassVersionError: com/example/App has been compiled by a more recent version of the Java Runtime (class file version 65.0), this version of the Java Runtime only recognizes class file versions up to 61.0", "app-error", "older than the compiler"),
    ("initdb", 1, "initdb: error: directory \"/var/lib/postgresql/data\" exists but is not empty", "app-error", "not empty"),
    ("mysqld", 1, "2026-11-29T21:00:00.000000Z 0 [ERROR] [MY-010457] [Server] --initialize specified but the data directory has files in it. Aborting.", "app-error", "not empty"),
    ("java", 78, "ERROR: [1] bootstrap checks failed. You must address the points described in the following [1] lines before starting Elasticsearch.\nbootstrap check failure [1] of [1]: max virtual memory areas vm.max_map_count [65530] is too low, increase to at least [262144]", "app-error", "kernel setting of the host"),
    ("nginx", 1, "2026/11/29 22:13:30 [emerg] 1#1: getpwnam(\"nginx\") failed in /etc/nginx/nginx.conf:1", "app-error", "the user `nginx`"),
    ("apache2", 1, "AH00543: apache2: bad user name www-data", "app-error", "the user `www-data`"),
    ("php-fpm8.2", 78, "[29-Nov-2026 22:00:00] ERROR: [pool www] cannot get uid for user 'www-data'", "app-error", "the user `www-data`"),
    ("mysqld", 1, "2026-11-29 22:00:00 0 [ERROR] mysqld: Can't change to run as user 'mysql' ;  Please check that the user exists!", "app-error", "the user `mysql`"),
    ("chown", 1, "chown: invalid user: 'app:app'", "app-error", "the user `app`"),
    ("chown", 1, "chown: unknown user/group app:app", "app-error", "the user `app`"),
    ("gosu", 1, "error: failed switching to \"app\": unable to find user app: no matching entries in passwd file", "app-error", "the user `app`"),
    ("sh", 127, "/entrypoint.sh: 3: [[: not found", "app-error", "uses bash syntax"),
    ("sh", 127, "/entrypoint.sh: 4: source: not found", "app-error", "uses bash syntax"),
    ("sh", 2, "/entrypoint.sh: 2: Syntax error: \"(\" unexpected", "app-error", "uses bash syntax"),
    ("sh", 2, "/entrypoint.sh: 7: Syntax error: redirection unexpected", "app-error", "uses bash syntax"),
    ("sh", 2, "/entrypoint.sh: 5: Bad substitution", "app-error", "uses bash syntax"),
    ("sh", 2, "/entrypoint.sh: 2: read: Illegal option -a", "app-error", "uses bash syntax"),
    ("sh", 2, "/entrypoint.sh: line 2: syntax error: unexpected \"(\"", "app-error", "uses bash syntax"),
    ("sh", 2, "/entrypoint.sh: read: line 2: illegal option -a", "app-error", "uses bash syntax"),
    ("sh", 127, "/entrypoint.sh: line 3: declare: not found", "app-error", "uses bash syntax"),
    ("sh", 2, "/entrypoint.sh: local: line 2: -a: bad variable name", "app-error", "uses bash syntax"),
    ("python3", 1, "IsADirectoryError: [Errno 21] Is a directory: '/etc/app.conf'", "missing-file", "`/etc/app.conf` is a directory"),
    ("cat", 1, "cat: /etc/app.conf: Is a directory", "missing-file", "`/etc/app.conf` is a directory"),
    ("nginx", 1, "2026/11/29 23:50:00 [emerg] 1#1: pread() \"/etc/nginx/nginx.conf\" failed (21: Is a directory)", "missing-file", "`/etc/nginx/nginx.conf` is a directory"),
    ("java", 1, "Exception in thread \"main\" java.io.FileNotFoundException: /app/config.yml (Is a directory)", "missing-file", "`/app/config.yml` is a directory"),
    ("app", 1, "error: read /etc/app/config.toml: is a directory", "missing-file", "`/etc/app/config.toml` is a directory"),
    ("java", 1, "Error: Could not find or load main class com.example.App\nCaused by: java.lang.ClassNotFoundException: com.example.App", "app-error", "`com.example.App`"),
    ("java", 1, "no main manifest attribute, in /app/app.jar", "app-error", "`/app/app.jar` names no main class"),
    ("php", 1, "Could not open input file: artisan", "missing-file", "`artisan`"),
    ("ruby", 1, "ruby: No such file or directory -- app.rb (LoadError)", "missing-file", "`app.rb`"),
    ("perl", 2, "Can't open perl script \"/app/run.pl\": No such file or directory", "missing-file", "`/app/run.pl`"),
    ("bundle", 127, "bundler: command not found: puma\nInstall missing gem executables with `bundle install`", "missing-executable", "`puma`"),
    ("python3", 2, "usage: api [-h] [--bind BIND]\napi: error: unrecognized arguments: --port 8080", "app-error", "refused its command line"),
    ("server", 2, "flag provided but not defined: -port\nUsage of /app/server:\n  -bind string", "app-error", "refused its command line"),
    ("server", 1, "Error: unknown flag: --port", "app-error", "refused its command line"),
    ("ls", 2, "ls: unrecognized option '--colour-me'", "app-error", "refused its command line"),
    ("app", 2, "error: unexpected argument '--port' found", "app-error", "refused its command line"),
    ("ruby", 1, "/app/config/initializers/i18n.rb:3:in `read': invalid byte sequence in US-ASCII (ArgumentError)", "app-error", "no UTF-8 locale"),
    ("python3", 1, "UnicodeEncodeError: 'ascii' codec can't encode character '\\xe9' in position 3: ordinal not in range(128)", "app-error", "no UTF-8 locale"),
    ("uvicorn", 1, "ERROR:    Error loading ASGI app. Could not import module \"main\".", "app-error", "could not load the application"),
    ("uvicorn", 1, "ERROR:    Error loading ASGI app. Attribute \"app\" not found in module \"main\".", "app-error", "could not load the application"),
    ("gunicorn", 4, "[2026-11-30 00:30:00 +0000] [7] [ERROR] Failed to find attribute 'application' in 'myproj.wsgi'.", "app-error", "could not load the application"),
    ("npm", 1, "npm error Missing script: \"start\"\nnpm error\nnpm error Did you mean one of these?", "app-error", "no script `start`"),
    ("npm", 1, "npm ERR! missing script: start", "app-error", "no script `start`"),
    ("yarn", 1, "error Command \"start\" not found.", "app-error", "no script `start`"),
    ("bundle", 7, "Could not find puma-6.4.2 in locally installed gems\nRun `bundle install` to install missing gems.", "app-error", "`puma-6.4.2`"),
    ("java", 1, "Error: Unable to access jarfile /app/app.jar", "missing-file", "/app/app.jar"),
    ("redis-server", 1, "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'bind-address 0.0.0.0'\nBad directive or wrong number of arguments", "app-error", "Bad directive"),
];

/// Programs that report on stdout (Java's loggers, Apache's control script, `console.log`): the
/// message is found there when stderr says nothing the rule knows.
const MESSAGES_ON_STDOUT: &[(&str, i32, &str, &str, &str)] = &[
    ("apache2ctl", 0, "httpd (pid 1) already running", "app-error", "already running"),
    ("java", 1, "2026-11-29 21:40:01.123 ERROR 1 --- [main] o.s.b.d.LoggingFailureAnalysisReporter : Web server failed to start. Port 8080 was already in use.", "port-in-use", "8080"),
    ("java", 1, "Caused by: java.net.UnknownHostException: db: Name or service not known", "dns-failure", "db"),
    ("node", 1, "Error: connect ECONNREFUSED 127.0.0.1:5432", "connection-refused", "5432"),
    ("app", 3, "shutting down after 0 requests", "app-error", "its last words on stdout"),
];

#[test]
fn real_error_messages_lead_to_the_right_kind() {
    assert_messages_lead_to_the_right_kind(MESSAGES, |tail| End {
        stderr_tail: tail,
        ..End::default()
    });
}

#[test]
fn messages_on_stdout_lead_to_the_right_kind() {
    assert_messages_lead_to_the_right_kind(MESSAGES_ON_STDOUT, |tail| End {
        stdout_tail: tail,
        ..End::default()
    });
}

#[test]
fn a_python_module_is_installed_by_its_package_name() {
    // (message, what the fix must tell pip to install)
    let cases = [
        (
            "ModuleNotFoundError: No module named 'yaml'",
            "pip install PyYAML`",
        ),
        (
            "ModuleNotFoundError: No module named 'cv2'",
            "pip install opencv-python-headless`",
        ),
        (
            "ModuleNotFoundError: No module named 'PIL.Image'",
            "pip install Pillow`",
        ),
        // A name that is its package's, and a submodule of one: the top-level name.
        (
            "ModuleNotFoundError: No module named 'flask'",
            "pip install flask`",
        ),
        (
            "ModuleNotFoundError: No module named 'requests.adapters'",
            "pip install requests`",
        ),
    ];
    let rules = RuleSet::builtin().unwrap();
    for (message, fix) in cases {
        let end = End {
            stderr_tail: vec![message.into()],
            ..End::default()
        };
        let report = diagnose_output_alone(&rules, "python3", 1, end);
        let top = &report.findings[0];
        assert_eq!(top.rule, "app.python-module-missing", "{message}");
        assert!(top.fix.contains(fix), "{message}: {}", top.fix);
    }
}

/// Each message, as the only output of a run without failing calls, in the stream `end` puts it.
fn assert_messages_lead_to_the_right_kind(
    messages: &[(&str, i32, &str, &str, &str)],
    end: impl Fn(Vec<String>) -> End,
) {
    let rules = RuleSet::builtin().unwrap();
    let mut failures = Vec::new();
    for &(program, code, message, kind, word) in messages {
        let report = diagnose_output_alone(&rules, program, code, end(vec![message.into()]));
        let top = &report.findings[0];
        if top.kind.as_str() != kind || !top.summary.contains(word) {
            failures.push(format!(
                "{message}\n    -> {} ({}): {}",
                top.rule, top.kind, top.summary
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The report on a run of `program` that exited with `code` and left only the output in `end`.
fn diagnose_output_alone(rules: &RuleSet, program: &str, code: i32, end: End) -> Report {
    let trace = Trace {
        header: Some(Header {
            argv: vec![program.into()],
            main_pid: 1,
            ..Header::default()
        }),
        events: Vec::new(),
        omitted: 0,
        end: Some(End {
            exit: ExitFacts {
                code: Some(code),
                signal: None,
                oom_killed: false,
            },
            ..end
        }),
    };
    diagnose(&observe(trace, &Facts::default()), rules)
}

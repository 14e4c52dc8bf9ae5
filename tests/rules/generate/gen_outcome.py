from lib import *

def ok_run(argv=("/app/server",), stderr=None):
    t = T(list(argv)); t.start(argv[0], list(argv))
    if stderr: t.write(2, stderr)
    t.write(1, "started\n"); t.exit(0); return t.end(0)

def empty():
    return T(["/app/server"])

# docker.refused: no trace at all
t = empty()
fixture("docker.refused", "docker-error", ["cgroup"], t, ok_run(),
        obs={"docker_error": "Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply cgroup configuration: cannot enter cgroupv2 \"/sys/fs/cgroup/docker\" with domain controllers -- it is in threaded mode: unknown"})
fixture("docker.exec-not-found", "missing-executable", ["gunicorn"], empty(), ok_run(),
        obs={"docker_error": "OCI runtime create failed: runc create failed: unable to start container process: exec: \"gunicorn\": executable file not found in $PATH: unknown"})
fixture("docker.exec-format", "exec-format", ["exec format error"], empty(), empty(),
        obs={"docker_error": "exec /usr/local/bin/app: exec format error"},
        not_obs={"docker_error": "Error response from daemon: driver failed programming external connectivity: Bind for 0.0.0.0:8080 failed: port is already allocated"})

fixture("docker.mount-type-mismatch", "docker-error", ["/tmp/no-such.yml", "/etc/app/config.yml"], empty(), empty(),
        obs={"docker_error": "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting \"/tmp/no-such.yml\" to rootfs at \"/etc/app/config.yml\": mount /tmp/no-such.yml:/etc/app/config.yml (via /proc/self/fd/6), flags: 0x5000: not a directory: unknown: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type"},
        # Another mount error: the source is missing (`--mount`).
        not_obs={"docker_error": "Error response from daemon: invalid mount config for type \"bind\": bind source path does not exist: /tmp/no-such-dir"})

# outcome.healthcheck / running: a server still up
def server():
    t = T(["nginx", "-g", "daemon off;"]); t.start("/usr/sbin/nginx", ["nginx", "-g", "daemon off;"]); t.bind(6, "0.0.0.0", 80)
    t.open("/etc/localtime", errno="ENOENT")
    return t
fixture("outcome.healthcheck", "healthy", ["healthy"], server(), server(), obs={"outcome": "running", "healthy": True}, not_obs={"outcome": "running"})
n = T(["nginx"]); n.start("/usr/sbin/nginx", ["nginx"]); n.exit(1); n.end(1)
fixture("outcome.running", "healthy", ["still running"], server(), n, obs={"outcome": "running"})

# outcome.oom-killed
t = T(["java", "-jar", "app.jar"]); t.start("/opt/java/bin/java", ["java", "-jar", "app.jar"]); t.ev(kind="killed", signal="SIGKILL", call="+++ killed by SIGKILL +++"); t.end(137, "SIGKILL", oom=True)
n = T(["java", "-jar", "app.jar"]); n.start("/opt/java/bin/java", ["java", "-jar", "app.jar"]); n.exit(0); n.end(0)
fixture("outcome.oom-killed", "oom-killed", ["memory", "256 MiB"], t, n, obs={"memory_limit": 268435456})

# outcome.sigkill-at-limit
t = T(["python3", "train.py"]); t.start("/usr/bin/python3", ["python3", "train.py"]); t.ev(kind="killed", signal="SIGKILL", call="+++ killed by SIGKILL +++"); t.end(137, "SIGKILL")
n = T(["python3", "train.py"]); n.start("/usr/bin/python3", ["python3", "train.py"]); n.ev(kind="killed", signal="SIGKILL", call="+++ killed by SIGKILL +++"); n.end(137, "SIGKILL")
fixture("outcome.sigkill-at-limit", "oom-killed", ["SIGKILL", "64 MiB"], t, n, obs={"memory_limit": 67108864})

# crashes
def crash(sig, argv=("/app/server",), stderr=None):
    t = T(list(argv)); t.start(argv[0], list(argv))
    if stderr: t.write(2, stderr)
    t.killed(sig); return t.end(128 + {"SIGSEGV": 11, "SIGABRT": 6, "SIGILL": 4, "SIGBUS": 7, "SIGFPE": 8, "SIGSYS": 31, "SIGXFSZ": 25, "SIGTERM": 15, "SIGKILL": 9}[sig], sig)
fixture("crash.segv", "crashed", ["SIGSEGV"], crash("SIGSEGV"), crash("SIGABRT"))
fixture("crash.abort", "crashed", ["SIGABRT"], crash("SIGABRT", stderr="terminate called after throwing an instance of 'std::runtime_error'\n  what():  bad config\n"), crash("SIGSEGV"))
fixture("crash.illegal-instruction", "crashed", ["SIGILL"], crash("SIGILL"), crash("SIGSEGV"))
fixture("crash.bus-error", "crashed", ["SIGBUS"], crash("SIGBUS"), crash("SIGSEGV"))
fixture("crash.fpe", "crashed", ["SIGFPE"], crash("SIGFPE"), crash("SIGSEGV"))
fixture("crash.sigsys", "crashed", ["SIGSYS", "seccomp"], crash("SIGSYS"), crash("SIGSEGV"))
fixture("crash.other-signal", "crashed", ["SIGXFSZ"], crash("SIGXFSZ"), crash("SIGTERM"))

# crash.child: sh -c './server' exits 139 after its child segfaults
t = T(["/bin/sh", "-c", "./server"]); t.start("/bin/sh", ["/bin/sh", "-c", "./server"]); t.clone(2); t.execve("/srv/server", ["./server"], pid=2)
t.killed("SIGSEGV", pid=2); t.write(2, "Segmentation fault (core dumped)\n"); t.exit(139); t.end(139)
n = T(["/bin/sh", "-c", "./server; true"]); n.start("/bin/sh", ["/bin/sh", "-c", "x"]); n.clone(2); n.execve("/srv/server", ["./server"], pid=2)
n.killed("SIGSEGV", pid=2); n.clone(3); n.execve("/bin/true", ["true"], pid=3); n.exit(0, pid=3); n.exit(0); n.end(0)
fixture("crash.child", "crashed", ["SIGSEGV", "2"], t, n)

fixture("signal.external", "unknown", ["SIGTERM"], crash("SIGTERM"), crash("SIGKILL"), not_obs={"memory_limit": 67108864})

# outcome.daemonized: nginx without daemon off
t = T(["nginx"]); t.start("/usr/sbin/nginx", ["nginx"]); t.bind(6, "0.0.0.0", 80); t.clone(7); t.sc("setsid", "", ret=7, pid=7); t.exit(0); t.end(0, alive=[7])
n = T(["nginx"]); n.start("/usr/sbin/nginx", ["nginx"]); n.clone(7); n.exit(0, pid=7); n.exit(0); n.end(0)
fixture("outcome.daemonized", "daemonized", ["nginx", "background"], t, n)

# outcome.exited-cleanly
# (A one-shot script: a shell started with nothing to run is outcome.shell-without-input's.)
t = T(["bash", "/app/migrate.sh"]); t.start("/bin/bash", ["bash", "/app/migrate.sh"]); t.open("/root/.bashrc", errno="ENOENT"); t.exit(0); t.end(0)
n = T(["bash", "/app/migrate.sh"]); n.start("/bin/bash", ["bash", "/app/migrate.sh"]); n.exit(2); n.end(2)
fixture("outcome.exited-cleanly", "exited-cleanly", ["bash", "0"], t, n)

# app.error-message
t = T(["/app/server"]); t.start("/app/server", ["/app/server"]); t.write(2, "starting server v1.2\n"); t.write(2, "Error: invalid log level 'verbose' in /etc/app/config.toml\n"); t.exit(1); t.end(1)
n = T(["/app/server"]); n.start("/app/server", ["/app/server"]); n.write(2, "usage: server [--port N]\n"); n.exit(2); n.end(2)
fixture("app.error-message", "app-error", ["invalid log level", "1"], t, n)

# app.last-words
t = T(["/app/server"]); t.start("/app/server", ["/app/server"]); t.write(2, "usage: server [--port N]\n"); t.exit(2); t.end(2)
n = T(["/app/server"]); n.start("/app/server", ["/app/server"]); n.write(2, "usage: server [--port N]\n"); n.exit(0); n.end(0)
fixture("app.last-words", "app-error", ["usage: server", "2"], t, n)

# fallback.unknown: a strace log cut short, nothing to go on but a failed open
t = T(["/app/server"]); t.start("/app/server", ["/app/server"]); t.open("/data/state.db", "O_RDWR", errno="EBUSY")
n = T(["/app/server"]); n.start("/app/server", ["/app/server"]); n.exit(0); n.end(0)
fixture("fallback.unknown", "unknown", ["no exit status"], t, n)
fixture("signal.external-kill", "unknown", ["SIGKILL"], crash("SIGKILL"), crash("SIGKILL"), not_obs={"memory_limit": 67108864})
fixture("signal.external", "unknown", ["SIGTERM"], crash("SIGTERM"), crash("SIGKILL"))

# The engine's commonest refusals, each named with what to do
fixture("docker.port-allocated", "docker-error", ["8080", "port is already allocated"], empty(), empty(),
        obs={"docker_error": "driver failed programming external connectivity on endpoint web (3f2a...): Bind for 0.0.0.0:8080 failed: port is already allocated"},
        not_obs={"docker_error": "Error response from daemon: unable to find user app: no matching entries in passwd file"})
fixture("docker.unknown-user", "docker-error", ["`app`"], empty(), empty(),
        obs={"docker_error": "unable to find user app: no matching entries in passwd file"},
        not_obs={"docker_error": "driver failed programming external connectivity on endpoint web (3f2a...): Bind for 0.0.0.0:8080 failed: port is already allocated"})
fixture("docker.bind-source-missing", "docker-error", ["/srv/dat"], empty(), empty(),
        obs={"docker_error": "Error response from daemon: invalid mount config for type \"bind\": bind source path does not exist: /srv/dat"},
        not_obs={"docker_error": "Error response from daemon: invalid mount config for type \"volume\": invalid mount path: 'data' mount path must be absolute"})

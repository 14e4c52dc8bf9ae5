from lib import *

# app.bash-syntax-in-sh: a `#!/bin/sh` script written for bash, read by dash
fixture("app.bash-syntax-in-sh", "app-error", ["/entrypoint.sh", "uses bash syntax", "Illegal option -o pipefail"],
        failing(["/entrypoint.sh"], "/entrypoint.sh: 2: set: Illegal option -o pipefail\n", code=2, path="/bin/sh"),
        # A command the script calls is really missing: a missing program, not a shell's syntax.
        failing(["/entrypoint.sh"], "/entrypoint.sh: 5: gunicorn: not found\n", code=127, path="/bin/sh"))

def ev_dir(path, mount_point, fs_type="ext4"):
    return {"path": path, "exists": True, "file_type": "dir", "mode": 0o755, "uid": 0, "gid": 0, "size": 4096,
            "mount": {"mount_point": mount_point, "fs_type": fs_type, "read_only": False, "noexec": False,
                      "nosuid": False},
            "process_uid": 0, "process_gid": 0, "notes": [f"{path} is a directory"]}

# A Python app reads its configuration, which is a directory mounted at `mount_point`
def config_read(evidence, stderr="IsADirectoryError: [Errno 21] Is a directory: '/etc/app.conf'\n"):
    argv = ["python3", "/app/main.py"]
    t = T(argv); t.start("/usr/bin/python3", argv)
    t.open("/etc/app.conf", evidence=evidence)
    t.write(2, "Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>\n" + stderr)
    t.exit(1); return t.end(1)

# file.directory-mounted-for-file: `-v /srv/missing.conf:/etc/app.conf` made the engine mount a directory
fixture("file.directory-mounted-for-file", "missing-file",
        ["`/etc/app.conf` is a directory mounted at that path", "from /srv/app.conf"],
        config_read(ev_dir("/etc/app.conf", "/etc/app.conf")),
        # The directory is the image's own, on the root file system: no mount to blame.
        config_read(ev_dir("/etc/app.conf", "/")),
        obs={"bind_mounts": [{"source": "/srv/app.conf", "target": "/etc/app.conf"}]},
        not_obs={"bind_mounts": [{"source": "/srv/app.conf", "target": "/etc/app.conf"}]})

# file.directory-not-file: `COPY config/ /etc/app.conf` made a directory in the image
fixture("file.directory-not-file", "missing-file", ["`/etc/app.conf` is a directory, where `python3` expects a file"],
        config_read(ev_dir("/etc/app.conf", "/")),
        # The directory is read, and the program fails on something else (a missing key).
        config_read(ev_dir("/etc/app.conf", "/"), stderr="KeyError: 'port'\n"))

# file.directory-not-file-stderr: the message alone (a pasted strace log has no evidence)
fixture("file.directory-not-file-stderr", "missing-file", ["`/etc/app.conf` is a directory"],
        config_read(None),
        # The opposite mistake: a file where a directory was expected (ENOTDIR).
        config_read(None, stderr="NotADirectoryError: [Errno 20] Not a directory: '/etc/app.conf/main.yml'\n"))

# A web server up on port 9090, whose HEALTHCHECK fails
def web(port=9090):
    argv = ["httpd", "-f", "-p", str(port)]
    t = T(argv); t.start("/bin/httpd", argv); t.bind(3, "0.0.0.0", port); return t
def check(command, code, output):
    return {"outcome": "running", "unhealthy": {"command": command, "exit_code": code, "output": output}}
server_error = check("curl -f http://127.0.0.1:9090/health", 22, "curl: (22) The requested URL returned error: 500\n")

# health.check-tool-missing: `HEALTHCHECK CMD curl ...` in an image without curl
fixture("health.check-tool-missing", "unhealthy", ["`curl` is not in the image"], web(), web(),
        obs=check("curl -f http://127.0.0.1:9090/health", 127, "/bin/sh: 1: curl: not found\n"),
        # The check ran, and the server answered with an error: the tool is there.
        not_obs=server_error)

# health.check-refused: the check asks port 8080, the server listens on 9090
fixture("health.check-refused", "unhealthy", ["could not connect", "the program listens on 0.0.0.0:9090"], web(), web(),
        obs=check("wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1", 1,
                  "wget: can't connect to remote host (127.0.0.1): Connection refused\n"),
        # The server answered: a failing page, not a refused connection.
        not_obs=server_error)

# outcome.unhealthy: any other failing check, quoted
fixture("outcome.unhealthy", "unhealthy", ["reported unhealthy", "returned error: 500"], web(), web(),
        obs=server_error,
        # Still up, and no verdict of its HEALTHCHECK: a good start.
        not_obs={"outcome": "running"})

# health.check-timeout: each check runs past the HEALTHCHECK's timeout
fixture("health.check-timeout", "unhealthy", ["took longer than its timeout", "Health check exceeded timeout (1s)"], web(), web(),
        obs=check("curl -f http://127.0.0.1:9090/health", -1, "Health check exceeded timeout (1s)"),
        # A check that ended in time, with a failure.
        not_obs=server_error)

# outcome.health-pending: still up at the end of a short --wait, before the first check
fixture("outcome.health-pending", "healthy", ["had not given a verdict yet"], web(), web(),
        obs={"outcome": "running", "health_pending": True},
        # An image without a HEALTHCHECK: nothing pending.
        not_obs={"outcome": "running"})

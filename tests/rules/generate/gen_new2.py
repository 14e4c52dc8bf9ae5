from lib import *

def ok_run(argv=("/app/server",), stderr=None):
    t = T(list(argv)); t.start(argv[0], list(argv))
    if stderr: t.write(2, stderr)
    t.write(1, "started\n"); t.exit(0); return t.end(0)

def fails_with(stderr, argv=("/app/server",), code=1, extra=None):
    t = T(list(argv)); t.start(argv[0], list(argv))
    if extra: extra(t)
    t.write(2, stderr); t.exit(code); return t.end(code)

# exec.not-in-path, exactly as the runner records it
t = T(["gunicorn", "app:app"])
t.ev(kind="note", syscall="execve", path="gunicorn", ret=-1, errno="ENOENT",
     call='execve("gunicorn", ...) = -1 ENOENT (not found in PATH: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)')
t.stderr.append('exec: "gunicorn": executable file not found in $PATH'); t.end(127)
n = T(["gunicorn", "app:app"])
for d in ["/usr/local/sbin", "/usr/local/bin"]:
    n.execve(f"{d}/gunicorn", ["gunicorn", "app:app"], errno="ENOENT")
n.start("/usr/bin/gunicorn", ["gunicorn", "app:app"]); n.write(2, "[INFO] Listening at: http://0.0.0.0:8000\n"); n.exit(0); n.end(0)
fixture("exec.not-in-path", "missing-executable", ["gunicorn", "PATH"], t, n)

t = T(["uvicorn"]); t.stderr.append('exec: "uvicorn": executable file not found in $PATH'); t.end(127)
fixture("exec.stderr-not-in-path", "missing-executable", ["uvicorn"], t, ok_run(("/usr/local/bin/uvicorn",), 'exec: "uvicorn" started\n'))

t = T(["/app/server"]); t.stderr.append("exec /usr/local/bin/docker-entrypoint.sh: exec format error"); t.end(1)
fixture("exec.stderr-format-error", "exec-format", ["/usr/local/bin/docker-entrypoint.sh"], t, fails_with("error: unsupported image format: webp\n"))

t = T(["/app/server"]); t.stderr.append("exec /docker-entrypoint.sh: no such file or directory"); t.end(1)
fixture("exec.stderr-no-such-file", "missing-executable", ["/docker-entrypoint.sh"], t, fails_with("could not exec /data/job: no such file or directory, retrying\n"))

t = T(["/app/server"]); t.stderr.append("exec /entrypoint.sh: permission denied"); t.end(1)
fixture("exec.stderr-permission-denied", "not-executable", ["/entrypoint.sh"], t, fails_with("warning: /tmp/cache: permission denied, using memory\n" "fatal: no port\n"))

# lib.loader-message-cut
t = T(["./app"]); t.execve("./app", ["./app"]); t.sc("write", '2, "./app: error while loading shared "..., 115', ret=115, fd=2, data="./app: error while loading shared "); t.exit(127); t.end(127)
fixture("lib.loader-message-cut", "missing-library", ["error while loading shared"], t, fails_with("plugin error while loading: bad config\n"))

# seccomp.eperm
t = T(["/bin/sh", "-c", "/app/run"]); t.execve("/bin/sh", ["/bin/sh", "-c", "/app/run"]); t.open("/etc/ld.so.cache"); t.open("/lib/x86_64-linux-gnu/libc.so.6")
t.sc("faccessat2", 'AT_FDCWD, "/app/run", X_OK, AT_EACCESS', errno="EPERM", path="/app/run"); t.write(2, "/bin/sh: 1: /app/run: Operation not permitted\n"); t.exit(126); t.end(126)
n = T(["/bin/sh", "-c", "/app/run"]); n.start("/bin/sh", ["/bin/sh", "-c", "/app/run"]); n.sc("faccessat2", 'AT_FDCWD, "/app/run", X_OK, AT_EACCESS', errno="ENOSYS", path="/app/run")
n.sc("faccessat", 'AT_FDCWD, "/app/run", X_OK', path="/app/run"); n.exit(0); n.end(0)
fixture("seccomp.eperm", "missing-capability", ["faccessat2", "seccomp"], t, n)

fixture("cap.stderr-not-permitted", "missing-capability", ["setgroups"], fails_with("su-exec: setgroups: Operation not permitted\n"), fails_with("error: operation timed out\n"))

fixture("file.missing-stderr", "missing-file", ["/app/config.json"],
        fails_with("FileNotFoundError: [Errno 2] No such file or directory: '/app/config.json'\n", ("python3", "app.py")),
        fails_with("error: no such file or directory support in this build\n"))
fixture("file.permission-denied-stderr", "permission-denied", ["/data/db"],
        fails_with("mkdir: cannot create directory '/data/db': Permission denied\n"),
        fails_with("error: login failed: permission denied for user app\n"))
fixture("file.read-only-stderr", "read-only-filesystem", ["Read-only file system"],
        fails_with("touch: cannot touch '/etc/app.lock': Read-only file system\n"), fails_with("error: config is read-only\n"))
fixture("file.too-many-open-stderr", "too-many-open-files", ["too many open files"],
        fails_with("accept tcp [::]:8080: accept4: too many open files\n"), fails_with("error: too many connections\n"))

fixture("app.python-module-missing", "app-error", ["flask"],
        fails_with("Traceback (most recent call last):\n  File \"/app/app.py\", line 1, in <module>\n    from flask import Flask\nModuleNotFoundError: No module named 'flask'\n", ("python3", "/app/app.py")),
        fails_with("ImportError: cannot import name 'x' from 'y'\n", ("python3", "/app/app.py")))
fixture("app.node-module-missing", "app-error", ["express"],
        fails_with("Error: Cannot find module 'express'\nRequire stack:\n- /app/index.js\n", ("node", "index.js")),
        fails_with("Error: Cannot find module '/app/index.js'\n", ("node", "/app/index.js")))
fixture("app.script-missing", "missing-file", ["/app/main.py"],
        fails_with("python3: can't open file '/app/main.py': [Errno 2] No such file or directory\n", ("python3", "/app/main.py"), code=2),
        fails_with("error: can't open database\n"))
fixture("app.heap-exhausted", "app-error", ["JavaScript heap out of memory"],
        fails_with("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n", ("node", "index.js"), code=134),
        fails_with("warning: memory usage high\nerror: shutting down\n"))

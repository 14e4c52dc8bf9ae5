from lib import *

def su_to(shell):
    """`su nobody -c ./serve`: su hands the command to the account's login shell."""
    t = T(["su", "nobody", "-c", "./serve"]); t.start("/usr/bin/su", ["su", "nobody", "-c", "./serve"])
    t.connect(3, "/dev/log", 0, family="AF_UNIX", errno="ENOENT")
    t.clone(9)
    t.execve(shell, [shell.rsplit("/", 1)[1], "-c", "./serve"], pid=9)
    if shell.endswith("nologin"):
        t.connect(3, "/dev/log", 0, family="AF_UNIX", errno="ENOENT", pid=9)
        t.open("/dev/console", flags="O_WRONLY|O_NOCTTY|O_CLOEXEC", errno="ENOENT", pid=9)
        t.write(1, "This account is currently not available.\n", pid=9)
    else:
        t.write(2, "sh: 1: ./serve: not found\n", pid=9)
    t.exit(1, pid=9); t.exit(1); return t.end(1)

# app.account-nologin: su to a system account, whose shell refuses
fixture("app.account-nologin", "app-error", ["`/usr/sbin/nologin`"],
        su_to("/usr/sbin/nologin"),
        # su with a real shell: the command itself is what failed.
        su_to("/bin/sh"))

def console_writer(mention):
    """An init-like program that opens the console for its messages."""
    t = T(["/sbin/tini-like"]); t.start("/sbin/tini-like", ["/sbin/tini-like"])
    t.open("/dev/console", flags="O_WRONLY|O_NOCTTY", errno="ENOENT")
    t.write(2, "init: cannot open /dev/console: No such file or directory\n" if mention
            else "init: no services configured\n")
    t.exit(1); return t.end(1)

# file.console-without-tty: the console is there only with `-t`
fixture("file.console-without-tty", "missing-file", ["`/dev/console`", "`-t`"],
        console_writer(True),
        # syslog's fallback to the console, which nothing says: noise.
        console_writer(False))

def sysctl_write(path):
    """A start script's `echo 1 > /proc/sys/...`."""
    t = T(["/start.sh"]); t.start("/bin/sh", ["/start.sh"])
    t.open(path, flags="O_WRONLY|O_CREAT|O_TRUNC", mode=0o666, errno="EROFS")
    t.write(2, f"/start.sh: 3: cannot create {path}: Read-only file system\n")
    t.exit(2); return t.end(2)

# file.sysctl-namespaced: a VPN's start script turns on forwarding
fixture("file.sysctl-namespaced", "read-only-filesystem", ["`net.ipv4.ip_forward`", "--sysctl"],
        sysctl_write("/proc/sys/net/ipv4/ip_forward"),
        # A setting of the host's: --sysctl cannot set it.
        sysctl_write("/proc/sys/vm/overcommit_memory"))

# file.sysctl-host: Redis's start script asks for overcommit
fixture("file.sysctl-host", "read-only-filesystem", ["`vm.overcommit_memory`", "host"],
        sysctl_write("/proc/sys/vm/overcommit_memory"),
        # A namespaced one: file.sysctl-namespaced says --sysctl.
        sysctl_write("/proc/sys/net/core/somaxconn"))

def temp_file(dirs):
    """Python's tempfile under `--read-only`: each candidate directory, then the working one."""
    t = T(["python3", "job.py"]); t.start("/usr/bin/python3", ["python3", "job.py"])
    for d in dirs:
        p = f"{d.rstrip('/')}/tmpk2x8_q1c"
        t.open(p, flags="O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC", mode=0o600, errno="EROFS")
    t.write(2, "FileNotFoundError: [Errno 2] No usable temporary directory found in ['/tmp', '/var/tmp', '/usr/tmp', '/']\n")
    t.exit(1); return t.end(1)

def pid_file():
    """A daemon writing its PID file under `--read-only`."""
    t = T(["/usr/sbin/app"]); t.start("/usr/sbin/app", ["/usr/sbin/app"])
    t.open("/var/run/app.pid", flags="O_WRONLY|O_CREAT|O_TRUNC", mode=0o644, errno="EROFS")
    t.write(2, "app: cannot write /var/run/app.pid: Read-only file system\n")
    t.exit(1); return t.end(1)

# file.read-only-temp: no temporary directory under --read-only
fixture("file.read-only-temp", "read-only-filesystem", ["temporary file", "`/var/tmp`"],
        temp_file(["/tmp", "/var/tmp", "/"]),
        # A PID file: the generic answer (a tmpfs on its directory) is right.
        pid_file())

def db_file(path):
    """A program started in `/` that opens its database file for writing."""
    t = T(["/app/server"]); t.start("/app/server", ["/app/server"])
    t.open(path, flags="O_RDWR|O_CREAT|O_CLOEXEC", mode=0o644, errno="EROFS")
    t.write(2, f"server: unable to open database file {path}\n")
    t.exit(1); return t.end(1)

# file.read-only-top-level: a file right in `/` under --read-only
fixture("file.read-only-top-level", "read-only-filesystem", ["`/app.db`", "directly in `/`"],
        db_file("/app.db"),
        # A file in a directory of its own: a tmpfs or volume there is the answer.
        db_file("/data/app.db"))

def create_as_user(path, syscall, message):
    """A start script, run as uid 1000, that creates `path`."""
    t = T(["/start.sh"], uid=1000); t.start("/bin/sh", ["/start.sh"])
    t.clone(9)
    ev = {"path": path, "exists": False, "process_uid": 1000, "process_gid": 1000,
          "nearest_parent": {"path": path.rsplit("/", 1)[0], "mode": 0o755, "uid": 0, "gid": 0}}
    if syscall == "mkdir":
        t.sc("mkdir", f'"{path}", 0755', errno="EACCES", path=path, pid=9, evidence=ev)
    else:
        t.open(path, flags="O_WRONLY|O_CREAT|O_CLOEXEC", mode=0o600, errno="EACCES", pid=9, evidence=ev)
    t.write(2, message, pid=9)
    t.exit(100, pid=9); t.exit(100); return t.end(100)

# file.package-install-not-root: `apt-get update` in a start script of a non-root image
fixture("file.package-install-not-root", "permission-denied", ["installs packages", "`/var/lib/apt/lists/partial`"],
        create_as_user("/var/lib/apt/lists/partial", "mkdir",
                       "E: List directory /var/lib/apt/lists/partial is missing. - Acquire (13: Permission denied)\n"),
        # A cache directory of the program's own: give the user the directory.
        create_as_user("/var/cache/nginx/client_temp", "mkdir",
                       "nginx: [emerg] mkdir() \"/var/cache/nginx/client_temp\" failed (13: Permission denied)\n"))


PY3 = ["/usr/bin/python3", "/usr/bin/python3.11"]

def python_by_path(alternatives):
    """`CMD ["/usr/bin/python", "app.py"]` on Debian 12, which has python3."""
    t = T(["/usr/bin/python", "app.py"])
    ev = ev_missing("/usr/bin/python")
    if alternatives:
        ev["alternatives"] = alternatives
    t.execve("/usr/bin/python", ["/usr/bin/python", "app.py"], errno="ENOENT", evidence=ev)
    t.stderr.append("exec /usr/bin/python: no such file or directory")
    t.exit(127); return t.end(127)

# exec.version-namesake: python asked for, python3 installed
fixture("exec.version-namesake", "missing-executable", ["`python`", "`python3`"],
        python_by_path(PY3),
        # Nothing of the name beside it: the program is simply not installed.
        python_by_path([]))

def shell_python(alternatives):
    """`sh -c 'python app.py'`: dash looks the name up with a stat in each PATH directory."""
    t = T(["sh", "-c", "python app.py"]); t.start("/bin/sh", ["sh", "-c", "python app.py"])
    for d in ["/usr/local/bin", "/usr/bin", "/bin"]:
        ev = ev_missing(f"{d}/python")
        if alternatives and d == "/usr/bin":
            ev["alternatives"] = alternatives
        t.sc("newfstatat", f'AT_FDCWD, "{d}/python", 0x7ffc, 0', errno="ENOENT", path=f"{d}/python", evidence=ev)
    t.write(2, "sh: 1: python: not found\n")
    t.exit(127); return t.end(127)

# exec.shell-version-namesake: the shell's lookup passes python3
fixture("exec.shell-version-namesake", "missing-executable", ["`python`", "`python3`"],
        shell_python(PY3),
        # No namesake anywhere: exec.shell-not-found.
        shell_python([]))

def python_script(alternatives):
    """`/app/run.py` with `#!/usr/bin/python` on Debian 12."""
    t = T(["/app/run.py"])
    ev = ev_script("/app/run.py", "/usr/bin/python", "/usr/bin/python", False)
    if alternatives:
        ev["alternatives"] = alternatives
    t.execve("/app/run.py", ["/app/run.py"], errno="ENOENT", evidence=ev)
    t.stderr.append("exec /app/run.py: no such file or directory")
    t.exit(127); return t.end(127)

# exec.shebang-version-namesake: `#!/usr/bin/python` beside /usr/bin/python3
fixture("exec.shebang-version-namesake", "bad-shebang", ["`#!/usr/bin/python`", "`/usr/bin/python3`"],
        python_script(PY3),
        # No namesake: the interpreter is missing (exec.shebang-missing-interpreter).
        python_script([]))

def shell_alone(argv):
    """A base image's CMD run without `-it`: the program reads its empty input and exits 0."""
    t = T(argv); t.start("/bin/bash" if "bash" in argv[0] else "/bin/sh", argv)
    t.sc("read", "0, \"\", 4096", ret=0)
    t.exit(0); return t.end(0)

# outcome.shell-without-input: `docker run debian`
fixture("outcome.shell-without-input", "exited-cleanly", ["`bash` was started with nothing to run"],
        shell_alone(["/bin/bash"]),
        # A shell given a command ran it and finished: outcome.exited-cleanly.
        shell_alone(["sh", "-c", "echo done"]))

def port_from_env(argv, path):
    """A server whose port comes from `$PORT`, given in the exec form or through a shell."""
    t = T(argv); t.start(path, argv)
    if "sh" not in path:
        t.write(2, "gunicorn: error: '0.0.0.0:$PORT' is not a valid port number.\n")
        t.exit(2); return t.end(2)
    t.clone(9); t.execve("/usr/local/bin/gunicorn", ["gunicorn", "--bind", "0.0.0.0:8080", "app:app"], pid=9)
    t.write(2, "ModuleNotFoundError: No module named 'app'\n", pid=9)
    t.exit(3, pid=9); t.exit(3); return t.end(3)

# app.unexpanded-variable: `CMD ["gunicorn", "--bind", "0.0.0.0:$PORT", "app:app"]`
fixture("app.unexpanded-variable", "app-error", ["`$PORT`", "exec form"],
        port_from_env(["gunicorn", "--bind", "0.0.0.0:$PORT", "app:app"], "/usr/local/bin/gunicorn"),
        # The shell form: sh expanded it, and the program failed for a reason of its own.
        port_from_env(["/bin/sh", "-c", "gunicorn --bind 0.0.0.0:$PORT app:app"], "/bin/sh"))

def relative(argv0, resolved):
    """`CMD ["./start.sh"]` in an image without WORKDIR: the path is taken from `/`."""
    t = T([argv0])
    t.execve(resolved, [argv0], errno="ENOENT", evidence=ev_missing(resolved))
    t.stderr.append(f"exec {argv0}: no such file or directory")
    t.exit(127); return t.end(127)

# exec.relative-missing
fixture("exec.relative-missing", "missing-executable", ["`./start.sh` is a relative path", "`/start.sh`"],
        relative("./start.sh", "/start.sh"),
        # An absolute path that is missing: exec.missing-file.
        relative("/app/start.sh", "/app/start.sh"))

def sh_c(argv, code):
    """`ENTRYPOINT ["sh", "-c"]` and a CMD array: the shell runs the first word alone."""
    t = T(argv); t.start("/bin/sh", argv)
    t.clone(9); t.execve("/bin/ls", ["ls"], pid=9)
    if code:
        t.write(2, "ls: cannot open directory '.': Permission denied\n", pid=9)
    t.exit(code, pid=9); t.exit(code); return t.end(code)

# exec.sh-c-split-arguments: the words went to the shell, and the program failed without them
fixture("exec.sh-c-split-arguments", "app-error", ["runs only `ls`"],
        sh_c(["sh", "-c", "ls", "/data"], 2),
        # The command as one string: the shell ran it as written.
        sh_c(["sh", "-c", "ls /data"], 2))

# exec.sh-c-split-arguments-clean: the same, and the program finished without its arguments
fixture("exec.sh-c-split-arguments-clean", "exited-cleanly", ["ran only `ls`"],
        sh_c(["sh", "-c", "ls", "/data"], 0),
        # The `exec "$@"` idiom: a longer script, and the words are its arguments on purpose.
        sh_c(["sh", "-c", "exec \"$@\"", "sh", "ls", "/data"], 0))

def hidden(mount_point):
    """`docker run -v $PWD:/app` over an application built into /app."""
    t = T(["/app/server"])
    ev = ev_missing("/app/server")
    ev["mount"] = {"mount_point": mount_point, "fs_type": "ext4" if mount_point != "/" else "overlay",
                   "read_only": False, "noexec": False, "nosuid": False}
    t.execve("/app/server", ["/app/server"], errno="ENOENT", evidence=ev)
    t.stderr.append("exec /app/server: no such file or directory")
    t.exit(127); return t.end(127)

# exec.missing-under-mount: a mount over the program's directory
fixture("exec.missing-under-mount", "missing-executable", ["`/app` is a mount (ext4)"],
        hidden("/app"),
        # On the image's own file system: the program is simply not there (exec.missing-file).
        hidden("/"))

def entrypoint_by_name(found):
    """`ENTRYPOINT ["docker-entrypoint.sh"]` after `COPY docker-entrypoint.sh /`."""
    t = T(["docker-entrypoint.sh"])
    kw = {}
    if found:
        kw["evidence"] = {"path": "/docker-entrypoint.sh", "exists": True, "file_type": "file", "mode": 0o755,
                          "uid": 0, "gid": 0, "notes": ["/docker-entrypoint.sh is there, in no PATH directory"]}
    t.ev(kind="note", syscall="execve", path="docker-entrypoint.sh", errno="ENOENT", ret=-1,
         call='execve("docker-entrypoint.sh", ...) = -1 ENOENT (not found in PATH: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)', **kw)
    t.stderr.append('exec: "docker-entrypoint.sh": executable file not found in $PATH')
    t.exit(127); return t.end(127)

# exec.not-in-path-elsewhere: the entrypoint was copied to `/`
fixture("exec.not-in-path-elsewhere", "missing-executable", ["`/docker-entrypoint.sh`"],
        entrypoint_by_name(True),
        # Nowhere in the image: exec.not-in-path.
        entrypoint_by_name(False))

def waiting(tries, rcode=None):
    """A start script's `until nc db 5432; do sleep 1; done`, still looping when --wait ran out."""
    t = T(["sh", "-c", "until nc db 5432; do sleep 1; done"]); t.start("/bin/sh", ["sh", "-c", "x"])
    for n in range(tries):
        pid = 10 + n
        t.clone(pid); t.execve("/bin/nc", ["nc", "db", "5432"], pid=pid)
        if rcode:
            t.sc("recvfrom", '3, "...", 2048, 0', ret=20, pid=pid, query="db", rcode=rcode)
            t.write(2, "nc: bad address 'db'\n", pid=pid)
        else:
            t.connect(3, "172.18.0.2", 5432, errno="ECONNREFUSED", pid=pid)
        t.exit(1, pid=pid)
    return t.end(None, dur=5000)

# outcome.running-retrying-connect: up, but only retrying its database
fixture("outcome.running-retrying-connect", "healthy", ["has not reached 172.18.0.2:5432", "4 times"],
        waiting(4),
        # One refusal and nothing since: not a retry loop.
        waiting(1), obs={"outcome": "running"}, not_obs={"outcome": "running"})

# outcome.running-retrying-dns: up, but the database's name never resolves
fixture("outcome.running-retrying-dns", "healthy", ["db does not resolve", "4 times"],
        waiting(4, "NXDOMAIN"),
        # Two answers: a lookup and its retry, not a loop.
        waiting(2, "NXDOMAIN"), obs={"outcome": "running"}, not_obs={"outcome": "running"})

def env_shebang(name, message):
    """A script run through `#!/usr/bin/env ...`: env looks `name` up on PATH."""
    t = T(["/app/run.sh"]); t.start("/usr/bin/env", ["/usr/bin/env", name, "/app/run.sh"])
    for d in ["/usr/local/bin", "/usr/bin", "/bin"]:
        t.execve(f"{d}/{name}", [name, "/app/run.sh"], errno="ENOENT")
    t.write(2, message)
    t.exit(127); return t.end(127)

# exec.env-shebang-options: `#!/usr/bin/env bash -e`
fixture("exec.env-shebang-options", "bad-shebang", ["`bash -e` as one word"],
        env_shebang("bash -e", "/usr/bin/env: 'bash -e': No such file or directory\n/usr/bin/env: use -[v]S to pass options in shebang lines\n"),
        # A program that is simply not installed: exec.env-not-found.
        env_shebang("bash", "/usr/bin/env: 'bash': No such file or directory\n"))

def socket_client(errno, mode):
    """A CI agent, run as uid 1000, that talks to the host's Docker socket mounted with -v."""
    t = T(["python3", "agent.py"], uid=1000); t.start("/usr/bin/python3", ["python3", "agent.py"])
    t.sc("socket", "AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0", ret=3)
    t.connect(3, "/var/run/docker.sock", 0, family="AF_UNIX", errno=errno)
    t.recs[-1]["evidence"] = {"path": "/var/run/docker.sock", "exists": errno != "ENOENT", "file_type": "other",
                              "mode": mode, "uid": 0, "gid": 105, "process_uid": 1000, "process_gid": 1000}
    t.write(2, f"PermissionError: [Errno 13] Permission denied\n" if errno == "EACCES"
            else "FileNotFoundError: [Errno 2] No such file or directory\n")
    t.exit(1); return t.end(1)

# net.socket-connect-denied: the Docker socket's group is not the container user's
fixture("net.socket-connect-denied", "permission-denied", ["`/var/run/docker.sock`", "group 105"],
        socket_client("EACCES", 0o660),
        # Not mounted at all: net.unix-socket-missing.
        socket_client("ENOENT", 0o660))

def secret_reader(path):
    """An entrypoint that reads a password from the file a `*_FILE` variable names."""
    t = T(["docker-entrypoint.sh", "postgres"]); t.start("/bin/bash", ["bash", "/usr/local/bin/docker-entrypoint.sh", "postgres"])
    t.open(path, errno="ENOENT", evidence=ev_missing(path))
    t.write(2, f"/usr/local/bin/docker-entrypoint.sh: line 30: {path}: No such file or directory\n")
    t.exit(1); return t.end(1)

# file.secret-missing: POSTGRES_PASSWORD_FILE=/run/secrets/db_password under docker run
fixture("file.secret-missing", "missing-file", ["`/run/secrets/db_password`", "Compose"],
        secret_reader("/run/secrets/db_password"),
        # A password file the image itself should have: file.missing-mentioned.
        secret_reader("/etc/app/db_password"))

def server_on(addr):
    """A development server, still running when --wait ran out."""
    t = T(["flask", "run"]); t.start("/usr/local/bin/flask", ["flask", "run"])
    t.sc("socket", "AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP", ret=3)
    t.bind(3, addr, 5000)
    t.sc("listen", "3, 128", ret=0)
    return t.end(None, dur=5000)

# outcome.running-loopback-only: `flask run` listens on 127.0.0.1:5000 by default
fixture("outcome.running-loopback-only", "healthy", ["listens only on 127.0.0.1:5000"],
        server_on("127.0.0.1"),
        # `flask run --host 0.0.0.0`: every address of the container.
        server_on("0.0.0.0"),
        obs={"outcome": "running", "network": "default"}, not_obs={"outcome": "running", "network": "default"})

def shadow_reader():
    """`cat /etc/shadow` as uid 1000: a read refused, no account changed."""
    t = T(["cat", "/etc/shadow"], uid=1000); t.start("/usr/bin/cat", ["cat", "/etc/shadow"])
    t.open("/etc/shadow", flags="O_RDONLY", errno="EACCES",
           evidence={"path": "/etc/shadow", "exists": True, "file_type": "file", "mode": 0o640, "uid": 0, "gid": 42,
                     "process_uid": 1000, "process_gid": 1000})
    t.write(2, "cat: /etc/shadow: Permission denied\n")
    t.exit(1); return t.end(1)

# file.account-change-not-root: `useradd` in a start script of a non-root image; the near miss
# reads /etc/shadow (refused, but no account is changed: file.cannot-read).
fixture("file.account-change-not-root", "permission-denied", ["accounts", "`/etc/.pwd.lock`"],
        create_as_user("/etc/.pwd.lock", "open", "useradd: Permission denied.\nuseradd: cannot lock /etc/passwd; try again later.\n"),
        shadow_reader())

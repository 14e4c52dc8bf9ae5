from lib import *

ROOT_700 = {"path": "/root", "mode": 0o700, "uid": 0, "gid": 0}

def closed_exec(unsearchable):
    """`USER 1000` and a program copied under /root; the tracer, as uid 1000 too, cannot see it."""
    t = T(["/root/app/run.sh"], uid=1000)
    ev = {"path": "/root/app/run.sh", "exists": False, "process_uid": 1000, "process_gid": 1000,
          "nearest_parent": ROOT_700}
    if unsearchable:
        ev["unsearchable"] = ROOT_700
    t.execve("/root/app/run.sh", ["/root/app/run.sh"], errno="EACCES", evidence=ev)
    t.stderr.append("exec /root/app/run.sh: permission denied")
    t.exit(126); return t.end(126)

# exec.directory-not-searchable: the program lives under /root (0700) and the image runs as 1000
fixture("exec.directory-not-searchable", "permission-denied", ["may not search `/root`", "uid 1000"],
        closed_exec(True),
        # The same refusal where every directory may be searched: the file's own mode is at fault.
        closed_exec(False))

def closed_read(unsearchable):
    """A server as user 1000 reading its configuration from /root/app."""
    t = T(["/app/server"], uid=1000); t.start("/app/server", ["/app/server"])
    ev = {"path": "/root/app/config.toml", "exists": True, "file_type": "file", "mode": 0o644,
          "uid": 0, "gid": 0, "process_uid": 1000, "process_gid": 1000}
    if unsearchable:
        ev["unsearchable"] = ROOT_700
    t.open("/root/app/config.toml", errno="EACCES", evidence=ev)
    t.write(2, "server: cannot read /root/app/config.toml: permission denied\n")
    t.exit(1); return t.end(1)

# file.directory-not-searchable: the configuration sits under a directory the user cannot enter
fixture("file.directory-not-searchable", "permission-denied", ["may not search `/root`", "uid 1000"],
        closed_read(True),
        # Every directory on the way is open: the file's own mode keeps the user out.
        closed_read(False))

def device_check(path, mention):
    """A start script that checks for a device with `[ -e ]` and stops when it is absent."""
    t = T(["/start.sh"]); t.start("/bin/sh", ["/start.sh"])
    t.stat(path, errno="ENOENT")
    t.write(2, f"start.sh: {path} not found, run with --device {path}\n" if mention
            else "start.sh: no storage backend available\n")
    t.exit(1); return t.end(1)

# file.device-checked: a script's `[ -e /dev/fuse ] || exit 1`
fixture("file.device-checked", "missing-file", ["`/dev/fuse`", "--device /dev/fuse"],
        device_check("/dev/fuse", True),
        # A probe the message does not name: optional hardware, not the cause.
        device_check("/dev/fuse", False))

def home_write(path, syscall="mkdir"):
    """`mkdir -p ~/.cache/app` as `nobody`, whose home is /nonexistent."""
    t = T(["sh", "-c", "mkdir -p ~/.cache/app"], uid=65534); t.start("/bin/sh", ["sh", "-c", "mkdir -p ~/.cache/app"])
    t.sc(syscall, f'"{path}", 0755', errno="EACCES", path=path,
         evidence={"path": path, "exists": False, "process_uid": 65534, "process_gid": 65534,
                   "nearest_parent": {"path": "/", "mode": 0o755, "uid": 0, "gid": 0}})
    t.write(2, f"mkdir: cannot create directory '{path}': Permission denied\n")
    t.exit(1); return t.end(1)

def missing_script():
    """`python3 /nonexistent/app.py`: the open of the script fails."""
    t = T(["python3", "/nonexistent/app.py"]); t.start("/usr/bin/python3", ["python3", "/nonexistent/app.py"])
    t.open("/nonexistent/app.py", errno="ENOENT", evidence=ev_missing("/nonexistent/app.py"))
    t.write(2, "python3: can't open file '/nonexistent/app.py': [Errno 2] No such file or directory\n")
    t.exit(2); return t.end(2)

# file.home-nonexistent: `--user nobody` and a cache under $HOME
fixture("file.home-nonexistent", "missing-file", ["`/nonexistent`", "Debian"],
        home_write("/nonexistent"),
        # A script named by a path that happens to start there: no home directory involved.
        missing_script())

def fetcher():
    """A client whose first request finds no route."""
    t = T(["/app/client"]); t.start("/app/client", ["/app/client"])
    t.sc("socket", "AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP", ret=3)
    t.connect(3, "93.184.215.14", 443, errno="ENETUNREACH")
    t.write(2, "client: dial tcp 93.184.215.14:443: connect: network is unreachable\n")
    t.exit(1); return t.end(1)

# net.no-network: `docker run --network none`
fixture("net.no-network", "connection-refused", ["`--network none`", "93.184.215.14:443"],
        fetcher(), fetcher(),
        obs={"network": "none"},
        # The same failure on the default bridge: a route is missing elsewhere, not the network.
        not_obs={"network": "bridge"})

ICU_MESSAGE = ("Process terminated. Couldn't find a valid ICU package installed on the system. Please install libicu "
               "(or icu-libs) using your package manager and try again. Alternatively you can set the configuration flag "
               "System.Globalization.Invariant to true if you want to run with no globalization support. "
               "Please see https://aka.ms/dotnet-missing-libicu for more information.\n")

def dotnet_abort(message):
    """A self-contained .NET app that probes for ICU, says `message` and aborts."""
    t = T(["/app/MyApp"]); t.start("/app/MyApp", ["/app/MyApp"], libs=("libc.so.6", "libstdc++.so.6"))
    for v in range(80, 66, -1):
        for d in ("/app", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"):
            t.open(f"{d}/libicuuc.so.{v}", errno="ENOENT")
    t.write(2, message)
    t.ev(kind="signal", signal="SIGABRT", call="--- SIGABRT {si_signo=SIGABRT, si_code=SI_TKILL, si_pid=1, si_uid=0} ---")
    t.ev(kind="killed", signal="SIGABRT", call="+++ killed by SIGABRT (core dumped) +++")
    return t.end(signal="SIGABRT")

# app.dotnet-icu-missing: a self-contained app on Alpine without icu-libs
fixture("app.dotnet-icu-missing", "missing-library", ["ICU", "libicuuc"],
        dotnet_abort(ICU_MESSAGE),
        # Another abort after the same probes: an unhandled exception of the app's own.
        dotnet_abort("Unhandled exception. System.InvalidOperationException: No connection string named 'Default'.\n"))

FRAMEWORK_MESSAGE = ("You must install or update .NET to run this application.\n\nApp: /app/MyApp.dll\nArchitecture: x64\n"
                     "Framework: 'Microsoft.AspNetCore.App', version '8.0.0' (x64)\n.NET location: /usr/share/dotnet/\n\n"
                     "No frameworks were found.\n")

# app.dotnet-framework-missing: an ASP.NET Core app on the `runtime` image
fixture("app.dotnet-framework-missing", "missing-library", ["`Microsoft.AspNetCore.App`", "8.0.0"],
        failing(["dotnet", "/app/MyApp.dll"], FRAMEWORK_MESSAGE, code=150, path="/usr/share/dotnet/dotnet"),
        # The host ran the app, which failed on its own.
        failing(["dotnet", "/app/MyApp.dll"], "Unhandled exception. System.IO.FileNotFoundException: Could not find file '/app/appsettings.json'.\n",
                code=134, path="/usr/share/dotnet/dotnet"))

def tightener(owner, uid=999):
    """An entrypoint, as `uid`, that makes its data directory private (`owner` owns it)."""
    t = T(["docker-entrypoint.sh", "postgres"], uid=uid); t.start("/bin/bash", ["docker-entrypoint.sh", "postgres"])
    t.sc("chmod", '"/var/lib/postgresql/data", 0700', errno="EPERM", path="/var/lib/postgresql/data",
         evidence={"path": "/var/lib/postgresql/data", "exists": True, "file_type": "dir", "mode": 0o755,
                   "uid": owner, "gid": owner, "process_uid": uid, "process_gid": uid})
    t.write(2, "initdb: error: could not change permissions of directory \"/var/lib/postgresql/data\": Operation not permitted\n")
    t.exit(1); return t.end(1)

# file.chmod-not-owner: a host directory of uid 1000 mounted for postgres (uid 999)
fixture("file.chmod-not-owner", "permission-denied", ["uid 1000", "`/var/lib/postgresql/data`"],
        tightener(1000),
        # The user owns it and is refused anyway: a security module or a read-only owner change,
        # not the owner.
        tightener(999))

# docker.device-missing: `--device /dev/net/tun` on a host without the tun module
fixture("docker.device-missing", "docker-error", ["`/dev/net/tun`"], T(["/app/vpn"]), T(["/app/vpn"]),
        obs={"docker_error": "Error response from daemon: error gathering device information while adding custom device \"/dev/net/tun\": no such file or directory"},
        # Another refusal at the same step: a limit the engine may not set.
        not_obs={"docker_error": "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 8: operation not permitted: unknown"})

def venv_script(link):
    """gunicorn of a virtual environment copied from a `python:` build stage (`link`: where
    its bin/python points, None when that file is simply missing)."""
    ev = ev_script("/opt/venv/bin/gunicorn", "/opt/venv/bin/python", "/opt/venv/bin/python", False)
    if link:
        ev["shebang"]["interpreter_link"] = link
        ev["notes"] = [f"#! interpreter /opt/venv/bin/python is a symbolic link to {link}, which does not exist"]
    t = T(["/opt/venv/bin/gunicorn", "app:app"])
    t.execve("/opt/venv/bin/gunicorn", ["/opt/venv/bin/gunicorn", "app:app"], errno="ENOENT", evidence=ev)
    t.stderr.append("exec /opt/venv/bin/gunicorn: no such file or directory")
    t.exit(127); return t.end(127)

# exec.shebang-interpreter-link: a venv whose python links to the build stage's /usr/local/bin
fixture("exec.shebang-interpreter-link", "bad-shebang", ["`/usr/local/bin/python3`", "/opt/venv/bin/python"],
        venv_script("/usr/local/bin/python3"),
        # The interpreter itself is missing: exec.shebang-missing-interpreter's case.
        venv_script(None))

def scratch_app(link):
    """A glibc program in a `scratch` image with the loader copied as a link (`link`: its
    target; None when the loader is simply absent)."""
    ev = ev_elf("/app/server", interp_exists=False)
    if link:
        ev["elf"]["interpreter_link"] = link
    t = T(["/app/server"])
    t.execve("/app/server", ["/app/server"], errno="ENOENT", evidence=ev)
    t.stderr.append("exec /app/server: no such file or directory")
    t.exit(1); return t.end(1)

# exec.interpreter-link: `COPY --from=build /lib64/ld-linux-x86-64.so.2 /lib64/` into scratch
fixture("exec.interpreter-link", "missing-interpreter", ["`/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2`"],
        scratch_app("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        # No loader at all: exec.missing-interpreter's case.
        scratch_app(None))

def libpq_client(link):
    """A program whose libpq.so.5 the loader finds as a link to nothing (`link`), or not at all."""
    t = T(["/app/server"])
    t.execve("/app/server", ["/app/server"])
    t.open("/etc/ld.so.cache", errno="ENOENT")
    for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"):
        path = f"{d}/libpq.so.5"
        ev = ev_missing(path)
        if link and d == "/usr/lib/x86_64-linux-gnu":
            ev = {"path": path, "exists": False, "dangling_link": link, "process_uid": 0,
                  "notes": [f"{path} is a symbolic link to {link}, which does not exist"]}
        t.open(path, errno="ENOENT", evidence=ev)
    t.write(2, "/app/server: error while loading shared libraries: libpq.so.5: cannot open shared object file: No such file or directory\n")
    t.exit(127); return t.end(127)

# lib.dangling-link: libpq copied from a build stage as its link only
fixture("lib.dangling-link", "missing-library", ["`libpq.so.5`", "`libpq.so.5.15`"],
        libpq_client("libpq.so.5.15"),
        # Not there at all: lib.missing's case.
        libpq_client(None))

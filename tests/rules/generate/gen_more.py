from lib import *

def ok_run(argv=("/app/server",), stderr=None):
    t = T(list(argv)); t.start(argv[0], list(argv))
    if stderr: t.write(2, stderr)
    t.write(1, "started\n"); t.exit(0); return t.end(0)

LIBDIRS = ["/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3", "/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v2", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"]

# lib.missing
t = T(["/usr/local/bin/api"]); t.execve("/usr/local/bin/api", ["/usr/local/bin/api"]); t.access("/etc/ld.so.preload", errno="ENOENT"); t.open("/etc/ld.so.cache")
for d in LIBDIRS: t.open(f"{d}/libpq.so.5", errno="ENOENT")
t.write(2, "/usr/local/bin/api: error while loading shared libraries: libpq.so.5: cannot open shared object file: No such file or directory\n"); t.exit(127); t.end(127)
n = T(["/usr/local/bin/api"]); n.execve("/usr/local/bin/api", ["/usr/local/bin/api"]); n.open("/etc/ld.so.cache")
for d in LIBDIRS[:2]: n.open(f"{d}/libpq.so.5", errno="ENOENT")
n.open(f"{LIBDIRS[2]}/libpq.so.5"); n.write(1, "listening on :8080\n"); n.exit(0); n.end(0)
fixture("lib.missing", "missing-library", ["libpq.so.5"], t, n)

# lib.missing-musl
t = T(["/app/bin"]); t.execve("/app/bin", ["/app/bin"])
for d in ["/lib", "/usr/local/lib", "/usr/lib"]: t.open(f"{d}/libstdc++.so.6", errno="ENOENT")
t.write(2, "Error loading shared library libstdc++.so.6: No such file or directory (needed by /app/bin)\n"); t.exit(127); t.end(127)
n = T(["/app/bin"]); n.execve("/app/bin", ["/app/bin"]); n.open("/lib/libstdc++.so.6", errno="ENOENT"); n.open("/usr/lib/libstdc++.so.6"); n.exit(0); n.end(0)
fixture("lib.missing-musl", "missing-library", ["libstdc++.so.6"], t, n)

# lib.version
t = T(["/app/server"]); t.start("/app/server", ["/app/server"])
t.write(2, "/app/server: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /app/server)\n"); t.exit(1); t.end(1)
fixture("lib.version", "library-version", ["GLIBC_2.34", "/lib/x86_64-linux-gnu/libc.so.6"], t, ok_run(("/app/server",), "using GLIBC_2.36\n"))

# lib.musl-symbol
t = T(["/app/server"]); t.execve("/app/server", ["/app/server"])
t.write(2, "Error relocating /app/server: __memcpy_chk: symbol not found\n"); t.exit(127); t.end(127)
fixture("lib.musl-symbol", "library-version", ["__memcpy_chk"], t, ok_run())

# file.missing
t = T(["/app/server"]); t.start("/app/server", ["/app/server"]); t.open("/etc/app/config.yml", errno="ENOENT")
t.write(2, "fatal: cannot load configuration\n"); t.exit(1); t.end(1)
n = T(["/app/server"]); n.start("/app/server", ["/app/server"]); n.open("/etc/app/config.yml", errno="ENOENT"); n.open("/app/config.yml"); n.exit(1)
n.write(2, "fatal: port not set\n"); n.end(1)
fixture("file.missing", "missing-file", ["/etc/app/config.yml"], t, n)

# file.missing-mentioned
t = T(["/app/server"]); t.start("/app/server", ["/app/server"]); t.stat("/certs/tls.crt", errno="ENOENT")
t.write(2, "open /certs/tls.crt: no such file or directory\n"); t.exit(1); t.end(1)
n = T(["/app/server"]); n.start("/app/server", ["/app/server"]); n.stat("/certs/tls.crt", errno="ENOENT")
n.write(2, "TLS disabled; serving plain HTTP\n"); n.write(2, "fatal: database password is empty\n"); n.exit(1); n.end(1)
fixture("file.missing-mentioned", "missing-file", ["/certs/tls.crt"], t, n)

# file.missing-directory
t = T(["/usr/sbin/app"]); t.start("/usr/sbin/app", ["/usr/sbin/app"]); t.open("/var/run/app/app.pid", "O_WRONLY|O_CREAT|O_TRUNC", errno="ENOENT", mode=0o644)
# The message names the file, not its directory: still the directory's finding.
t.write(2, 'FATAL: could not create PID file "/var/run/app/app.pid": No such file or directory\n'); t.exit(1); t.end(1)
n = T(["/usr/sbin/app"]); n.start("/usr/sbin/app", ["/usr/sbin/app"]); n.open("/var/run/app/app.pid", "O_WRONLY|O_CREAT|O_TRUNC", errno="ENOENT", mode=0o644)
n.sc("mkdir", '"/var/run/app", 0755', path="/var/run/app"); n.open("/var/run/app/app.pid", "O_WRONLY|O_CREAT|O_TRUNC", mode=0o644); n.exit(0); n.end(0)
fixture("file.missing-directory", "missing-file", ["/var/run/app"], t, n)

# file.missing-workdir
t = T(["/bin/sh", "-c", "cd /srv/www && exec httpd"]); t.start("/bin/sh", ["/bin/sh", "-c", "cd /srv/www && exec httpd"])
t.sc("chdir", '"/srv/www"', errno="ENOENT", path="/srv/www"); t.write(2, "/bin/sh: 1: cd: can't cd to /srv/www\n"); t.exit(2); t.end(2)
n = T(["/bin/sh", "-c", "cd /srv/www && exec httpd"]); n.start("/bin/sh", ["/bin/sh", "-c", "x"]); n.sc("chdir", '"/srv/www"', path="/srv/www"); n.exit(0); n.end(0)
fixture("file.missing-workdir", "missing-file", ["/srv/www"], t, n)

# file.cannot-write
evw = {"path": "/app/logs/app.log", "exists": True, "file_type": "file", "mode": 0o644, "uid": 0, "gid": 0, "process_uid": 1000, "notes": ["owned by uid 0, mode 0644; the process runs as uid 1000"]}
t = T(["node", "server.js"], uid=1000); t.start("/usr/local/bin/node", ["node", "server.js"])
t.open("/app/logs/app.log", "O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC", errno="EACCES", mode=0o666, evidence=evw)
t.write(2, "Error: EACCES: permission denied, open '/app/logs/app.log'\n"); t.exit(1); t.end(1)
n = T(["node", "server.js"], uid=1000); n.start("/usr/local/bin/node", ["node", "server.js"])
n.open("/app/logs/app.log", "O_RDONLY|O_CLOEXEC", errno="EACCES"); n.open("/app/logs/app.log", "O_RDONLY|O_CLOEXEC"); n.exit(0); n.end(0)
fixture("file.cannot-write", "permission-denied", ["/app/logs/app.log"], t, n)

# file.cannot-create
t = T(["nginx", "-g", "daemon off;"], uid=101); t.start("/usr/sbin/nginx", ["nginx", "-g", "daemon off;"])
t.sc("mkdir", '"/var/cache/nginx/client_temp", 0700', errno="EACCES", path="/var/cache/nginx/client_temp")
t.write(2, 'nginx: [emerg] mkdir() "/var/cache/nginx/client_temp" failed (13: Permission denied)\n'); t.exit(1); t.end(1)
n = T(["nginx", "-g", "daemon off;"], uid=101); n.start("/usr/sbin/nginx", ["nginx", "-g", "daemon off;"])
n.sc("mkdir", '"/var/cache/nginx/client_temp", 0700', errno="EEXIST", path="/var/cache/nginx/client_temp"); n.write(2, "nginx: ready\n"); n.exit(1); n.end(1)
fixture("file.cannot-create", "permission-denied", ["/var/cache/nginx/client_temp", "/var/cache/nginx"], t, n)

# file.cannot-read
t = T(["/app/server"], uid=1000); t.start("/app/server", ["/app/server"]); t.open("/etc/app/key.pem", errno="EACCES")
t.write(2, "error: reading /etc/app/key.pem: permission denied\n"); t.exit(1); t.end(1)
n = T(["/app/server"], uid=1000); n.start("/app/server", ["/app/server"]); n.open("/proc/1/environ", errno="EACCES"); n.write(2, "error: no listen address\n"); n.exit(1); n.end(1)
fixture("file.cannot-read", "permission-denied", ["/etc/app/key.pem"], t, n)

# file.read-only
evr = {"path": "/var/run/nginx.pid", "exists": False, "mount": {"mount_point": "/", "fs_type": "overlay", "read_only": True, "noexec": False, "nosuid": False}, "notes": ["/ is mounted read-only"]}
t = T(["nginx"]); t.start("/usr/sbin/nginx", ["nginx"]); t.open("/var/run/nginx.pid", "O_RDWR|O_CREAT|O_TRUNC", errno="EROFS", mode=0o644, evidence=evr)
t.write(2, 'nginx: [emerg] open() "/var/run/nginx.pid" failed (30: Read-only file system)\n'); t.exit(1); t.end(1)
n = T(["nginx"]); n.start("/usr/sbin/nginx", ["nginx"]); n.open("/var/run/nginx.pid", "O_RDWR|O_CREAT|O_TRUNC", mode=0o644); n.exit(0); n.end(0)
fixture("file.read-only", "read-only-filesystem", ["/var/run/nginx.pid"], t, n)

# file.no-space
t = T(["postgres"]); t.start("/usr/lib/postgresql/16/bin/postgres", ["postgres"])
t.sc("fallocate", '7, 0, 0, 134217728', errno="ENOSPC", fd=7, path="/dev/shm/PostgreSQL.1804289383")
t.write(2, "FATAL:  could not resize shared memory segment \"/PostgreSQL.1804289383\" to 134217728 bytes: No space left on device\n"); t.exit(1); t.end(1)
n = T(["postgres"]); n.start("/usr/lib/postgresql/16/bin/postgres", ["postgres"]); n.sc("fallocate", '7, 0, 0, 134217728', fd=7, path="/dev/shm/PostgreSQL.1804289383"); n.exit(0); n.end(0)
fixture("file.no-space", "no-space", ["/dev/shm/PostgreSQL.1804289383"], t, n)

# file.no-space-stderr
t = T(["/app/job"]); t.start("/app/job", ["/app/job"]); t.write(2, "write /data/out.bin: no space left on device\n"); t.exit(1); t.end(1)
n = T(["/app/job"]); n.start("/app/job", ["/app/job"]); n.write(2, "checking free space on device: ok\n"); n.write(2, "error: no input files\n"); n.exit(1); n.end(1)
fixture("file.no-space-stderr", "no-space", ["no space left on device"], t, n)

# file.too-many-open
t = T(["/app/server"]); t.start("/app/server", ["/app/server"]); t.bind(3, "0.0.0.0", 8080)
t.sc("accept4", '3, NULL, NULL, SOCK_CLOEXEC', errno="EMFILE", fd=3); t.write(2, "accept: too many open files\n"); t.exit(1); t.end(1)
n = T(["/app/server"]); n.start("/app/server", ["/app/server"]); n.bind(3, "0.0.0.0", 8080); n.sc("accept4", '3, NULL, NULL, SOCK_CLOEXEC', errno="EAGAIN", fd=3); n.exit(0); n.end(0)
fixture("file.too-many-open", "too-many-open-files", ["EMFILE"], t, n)

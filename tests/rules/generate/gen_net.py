from lib import *

def ok_run(argv=("/app/server",), stderr=None):
    t = T(list(argv)); t.start(argv[0], list(argv))
    if stderr: t.write(2, stderr)
    t.write(1, "started\n"); t.exit(0); return t.end(0)

# net.port-in-use
t = T(["/app/server"]); t.start("/app/server", ["/app/server"]); t.sc("socket", "AF_INET, SOCK_STREAM, IPPROTO_TCP", ret=3)
t.bind(3, "0.0.0.0", 8080, errno="EADDRINUSE"); t.write(2, "listen tcp :8080: bind: address already in use\n"); t.exit(1); t.end(1)
n = T(["/app/server"]); n.start("/app/server", ["/app/server"]); n.bind(3, "0.0.0.0", 8080, errno="EADDRINUSE"); n.bind(4, "0.0.0.0", 8080)
n.write(2, "retrying bind: ok\n"); n.exit(0); n.end(0)
fixture("net.port-in-use", "port-in-use", ["8080"], t, n)

# net.port-in-use-stderr
t = T(["node", "index.js"]); t.start("/usr/local/bin/node", ["node", "index.js"]); t.write(2, "Error: listen EADDRINUSE: address already in use :::3000\n"); t.exit(1); t.end(1)
n = T(["node", "index.js"]); n.start("/usr/local/bin/node", ["node", "index.js"]); n.write(2, "Error: listen EACCES: permission denied 0.0.0.0:80\n"); n.exit(1); n.end(1)
fixture("net.port-in-use-stderr", "port-in-use", ["address already in use"], t, n)

# net.privileged-port
t = T(["nginx"], uid=101); t.start("/usr/sbin/nginx", ["nginx"]); t.bind(6, "0.0.0.0", 80, errno="EACCES")
t.write(2, 'nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)\n'); t.exit(1); t.end(1)
n = T(["nginx"], uid=101); n.start("/usr/sbin/nginx", ["nginx"]); n.bind(6, "0.0.0.0", 8080, errno="EACCES")
n.write(2, 'nginx: [emerg] bind() to 0.0.0.0:8080 failed (13: Permission denied)\n'); n.exit(1); n.end(1)
fixture("net.privileged-port", "privileged-port", ["80"], t, n)

# dns.port53
t = T(["/app/worker"]); t.start("/app/worker", ["/app/worker"]); t.open("/etc/resolv.conf"); t.open("/etc/hosts")
t.connect(5, "10.0.0.2", 53, errno="ENETUNREACH"); t.exit(1); t.end(1)
n = T(["/app/worker"]); n.start("/app/worker", ["/app/worker"]); n.open("/etc/resolv.conf"); n.connect(5, "10.0.0.2", 53, errno="ENETUNREACH"); n.connect(6, "10.0.0.2", 53)
n.exit(0); n.end(0)
fixture("dns.port53", "dns-failure", ["10.0.0.2"], t, n)

# dns.unknown-host
t = T(["/app/api"]); t.start("/app/api", ["/app/api"]); t.open("/etc/resolv.conf"); t.connect(5, "127.0.0.11", 53, syscall="connect")
t.write(2, "dial tcp: lookup postgres on 127.0.0.11:53: no such host\n"); t.exit(1); t.end(1)
n = T(["/app/api"]); n.start("/app/api", ["/app/api"]); n.write(2, "lookup table loaded: 12 entries\n"); n.exit(0); n.end(0)
fixture("dns.unknown-host", "dns-failure", ["postgres"], t, n)

# dns.failure-stderr
t = T(["python3", "app.py"]); t.start("/usr/local/bin/python3", ["python3", "app.py"]); t.open("/etc/resolv.conf")
t.write(2, "Traceback (most recent call last):\n  File \"/app/app.py\", line 3, in <module>\nsocket.gaierror: [Errno -2] Name or service not known\n"); t.exit(1); t.end(1)
n = T(["python3", "app.py"]); n.start("/usr/local/bin/python3", ["python3", "app.py"])
n.write(2, "Traceback (most recent call last):\nKeyError: 'DATABASE_URL'\n"); n.exit(1); n.end(1)
fixture("dns.failure-stderr", "dns-failure", ["Name or service not known"], t, n)

# net.connection-refused
t = T(["/app/api"]); t.start("/app/api", ["/app/api"]); t.connect(5, "127.0.0.1", 5432, errno="ECONNREFUSED")
t.write(2, "error: could not connect to the database\n"); t.exit(1); t.end(1)
n = T(["/app/api"]); n.start("/app/api", ["/app/api"]); n.connect(5, "127.0.0.1", 5432, errno="ECONNREFUSED"); n.connect(6, "127.0.0.1", 5432)
n.write(2, "connected on second attempt\n"); n.exit(0); n.end(0)
fixture("net.connection-refused", "connection-refused", ["127.0.0.1", "5432"], t, n)

# net.unix-socket-missing
t = T(["/app/agent"]); t.start("/app/agent", ["/app/agent"]); t.connect(4, "/var/run/docker.sock", None, family="AF_UNIX", errno="ENOENT")
t.write(2, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"); t.exit(1); t.end(1)
n = T(["id", "-un"]); n.start("/usr/bin/id", ["id", "-un"], libs=("libc.so.6", "libselinux.so.1")); n.connect(3, "/var/run/nscd/socket", None, family="AF_UNIX", errno="ENOENT")
n.connect(3, "/var/run/nscd/socket", None, family="AF_UNIX", errno="ENOENT"); n.open("/etc/passwd"); n.write(1, "root\n"); n.exit(0); n.end(0)
fixture("net.unix-socket-missing", "connection-refused", ["/var/run/docker.sock"], t, n)

# net.connection-refused-stderr
t = T(["python3", "app.py"]); t.start("/usr/local/bin/python3", ["python3", "app.py"])
t.write(2, 'psycopg2.OperationalError: connection to server at "localhost" (127.0.0.1), port 5432 failed: Connection refused\n'); t.exit(1); t.end(1)
fixture("net.connection-refused-stderr", "connection-refused", ["Connection refused"], t, ok_run(("python3",), "connection pool ready\n"))

# cap.chown
t = T(["/docker-entrypoint.sh", "postgres"], uid=1000); t.start("/bin/bash", ["/bin/bash", "/docker-entrypoint.sh", "postgres"])
t.sc("chown", '"/var/lib/postgresql/data", 999, 999', errno="EPERM", path="/var/lib/postgresql/data")
t.write(2, "chown: changing ownership of '/var/lib/postgresql/data': Operation not permitted\n"); t.exit(1); t.end(1)
n = T(["/docker-entrypoint.sh", "postgres"]); n.start("/bin/bash", ["/bin/bash", "/docker-entrypoint.sh", "postgres"])
n.sc("chown", '"/var/lib/postgresql/data", 999, 999', path="/var/lib/postgresql/data"); n.exit(0); n.end(0)
fixture("cap.chown", "missing-capability", ["/var/lib/postgresql/data", "CAP_CHOWN"], t, n)

# cap.setid
t = T(["gosu", "app", "/app/run"], uid=1000); t.start("/usr/local/bin/gosu", ["gosu", "app", "/app/run"])
t.sc("setgroups", "1, [1000]", errno="EPERM"); t.write(2, "error: failed switching to \"app\": operation not permitted\n"); t.exit(1); t.end(1)
n = T(["gosu", "app", "/app/run"]); n.start("/usr/local/bin/gosu", ["gosu", "app", "/app/run"]); n.sc("setgroups", "1, [1000]"); n.sc("setuid", "1000"); n.exit(0); n.end(0)
fixture("cap.setid", "missing-capability", ["setgroups", "CAP_SETUID"], t, n)

# cap.mount
t = T(["/init"]); t.start("/init", ["/init"]); t.sc("mount", '"tmpfs", "/mnt/cache", "tmpfs", 0, NULL', errno="EPERM", path="/mnt/cache")
t.write(2, "mount: /mnt/cache: permission denied.\n"); t.exit(32); t.end(32)
n = T(["/init"]); n.start("/init", ["/init"]); n.sc("mount", '"tmpfs", "/mnt/cache", "tmpfs", 0, NULL', errno="EPERM", path="/mnt/cache"); n.write(2, "mount failed, using a plain directory\n"); n.exit(0); n.end(0)
fixture("cap.mount", "missing-capability", ["mount", "CAP_SYS_ADMIN"], t, n)

# cap.other
t = T(["/app/db"]); t.start("/app/db", ["/app/db"]); t.sc("sched_setscheduler", "0, SCHED_FIFO, [50]", errno="EPERM")
t.exit(1); t.end(1)
n = T(["/app/db"]); n.start("/app/db", ["/app/db"]); n.sc("sched_setscheduler", "0, SCHED_FIFO, [50]", errno="EPERM"); n.exit(0); n.end(0)
fixture("cap.other", "missing-capability", ["sched_setscheduler"], t, n)

# cap.seccomp-hint: exit 3, nothing failed, no stderr
t = T(["/app/server"]); t.start("/app/server", ["/app/server"]); t.exit(3); t.end(3)
n = T(["/app/server"], full=True); n.start("/app/server", ["/app/server"]); n.exit(3); n.end(3)
# Second: the primary finding of a silent failure is `unknown`.
fixture("cap.seccomp-hint", "missing-capability", ["3", "seccomp"], t, n, rank=2)

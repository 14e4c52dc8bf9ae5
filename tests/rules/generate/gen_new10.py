from lib import *

# A termination signal's sender, from its signal line's si_pid (SI_USER: sent with kill).
def sig(t, pid, name, sender, code="SI_USER"):
    t.ev(pid, kind="signal", signal=name, sender=sender,
         call=f"--- {name} {{si_signo={name}, si_code={code}, si_pid={sender}, si_uid=0}} ---")
    return t.ev(pid, kind="killed", signal=name, call=f"+++ killed by {name} +++")

# signal.from-process: BusyBox's timeout runs the command in its own process and watches from a
# child, which sends the command SIGTERM when the time is up
def busybox_timeout(sender):
    t = T(["/entrypoint.sh"]); t.start("/bin/sh", ["/bin/sh", "/entrypoint.sh"], libs=())
    t.clone(7); t.execve("/bin/timeout", ["timeout", "5", "./migrate"], pid=7)
    t.clone(8, pid=7); t.execve("/app/migrate", ["./migrate"], pid=7)
    t.write(2, "migrating: waiting for the database lock\n", pid=7)
    sig(t, 7, "SIGTERM", sender(t))
    t.exit(143); return t.end(143)
fixture("signal.from-process", "app-error", ["./migrate", "SIGTERM", "timeout 5 ./migrate"],
        busybox_timeout(lambda t: 8),
        # The same end, but from outside the container (docker stop: pid 0).
        busybox_timeout(lambda t: 0))

# signal.sent-itself: a start script that gives up with `kill $$`
def gives_up(sender):
    t = T(["/entrypoint.sh"]); t.start("/bin/sh", ["/bin/sh", "/entrypoint.sh"], libs=())
    t.write(2, "config check failed\n")
    sig(t, 1, "SIGTERM", sender)
    return t.end(143, "SIGTERM")
fixture("signal.sent-itself", "app-error", ["/entrypoint.sh", "SIGTERM", "itself"],
        gives_up(1), gives_up(0))

# signal.external: a main process stopped from outside the container (si_pid 0 in its namespace)
def stopped(sender):
    t = T(["/app/server"]); t.start("/app/server", ["/app/server"])
    t.clone(9); t.execve("/bin/sh", ["sh", "-c", "sleep 1; kill 1"], pid=9)
    sig(t, 1, "SIGTERM", sender)
    return t.end(143, "SIGTERM")
fixture("signal.external", "unknown", ["SIGTERM", "outside"], stopped(0),
        # A process of the container sent it.
        stopped(9))

# app.timeout: GNU timeout gives up waiting for a database and exits 124
def waits(code, killed=True):
    t = T(["/entrypoint.sh"]); t.start("/bin/sh", ["/bin/sh", "/entrypoint.sh"], libs=())
    t.clone(7); t.execve("/usr/bin/timeout", ["timeout", "15", "sh", "-c", "until nc -z db 5432; do sleep 1; done"], pid=7)
    t.clone(8, pid=7); t.execve("/bin/sh", ["sh", "-c", "until nc -z db 5432; do sleep 1; done"], pid=8)
    if killed:
        sig(t, 8, "SIGTERM", 7)
    t.exit(code, pid=7); t.exit(code); return t.end(code)
fixture("app.timeout", "app-error", ["timeout 15 sh -c", "124"], waits(124),
        # The command itself failed with 1: timeout passes its status on.
        waits(1, killed=False))

# crash.null-pointer: a fault address in the first page
def faults(addr):
    t = T(["/app/server"]); t.start("/app/server", ["/app/server"])
    t.open("/etc/app.conf", errno="ENOENT")
    t.ev(kind="signal", signal="SIGSEGV", call=f"--- SIGSEGV {{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr={addr}}} ---")
    t.ev(kind="killed", signal="SIGSEGV", call="+++ killed by SIGSEGV (core dumped) +++")
    return t.end(139, "SIGSEGV")
fixture("crash.null-pointer", "crashed", ["SIGSEGV", "0x10", "null pointer"], faults("0x10"),
        # A wild address: not a null pointer.
        faults("0x7f3a2c001000"))

# crash.seccomp-call: the SIGSYS names the refused call
def trapped(code):
    t = T(["/app/server"]); t.start("/app/server", ["/app/server"])
    t.ev(kind="signal", signal="SIGSYS", call=f"--- SIGSYS {{si_signo=SIGSYS, si_code={code}, si_call_addr=0x7f950ecd6829, si_syscall=__NR_io_uring_setup, si_arch=AUDIT_ARCH_X86_64}} ---")
    t.ev(kind="killed", signal="SIGSYS", call="+++ killed by SIGSYS (core dumped) +++")
    return t.end(159, "SIGSYS")
fixture("crash.seccomp-call", "crashed", ["SIGSYS", "io_uring_setup"], trapped("SYS_SECCOMP"),
        # A SIGSYS someone sent with kill names no call.
        trapped("SI_USER"))

# dns.timeout: glibc's query to a name server that never answers; its wait times out
def silent(wait_result, stderr):
    t = T(["psql", "-h", "db"]); t.start("/usr/bin/psql", ["psql", "-h", "db"])
    t.open("/etc/resolv.conf")
    t.connect(3, "10.9.9.9", 53)
    t.sc("sendto", '3, "\\22\\64\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\2db\\0\\0\\1\\0\\1", 20, MSG_NOSIGNAL, NULL, 0',
         ret=20, fd=3, query="db")
    wait = "0 (Timeout)" if wait_result == 0 else f"{wait_result} ([{{fd=3, revents=POLLIN}}])"
    t.ev(syscall="poll", call=f"poll([{{fd=3, events=POLLIN}}], 1, 5000) = {wait}", ret=wait_result,
         errno=None, fd=3, addr="10.9.9.9", port=53, family="AF_INET")
    t.write(2, stderr); t.exit(2); return t.end(2)
fixture("dns.timeout", "dns-failure", ["10.9.9.9", "never answered", "db"],
        silent(0, 'psql: error: could not translate host name "db" to address: Temporary failure in name resolution\n'),
        # The server answered (its answer is another rule's business).
        silent(1, 'psql: error: could not translate host name "db" to address: Name or service not known\n'))

# dns.timeout-stderr: a resolver that says its lookup timed out (Go, nslookup, curl)
def says(argv, stderr, code=1):
    t = T(argv); t.start("/usr/local/bin/" + argv[0], argv)
    t.open("/etc/resolv.conf")
    t.write(2, stderr); t.exit(code); return t.end(code)
fixture("dns.timeout-stderr", "dns-failure", ["orders-db", "10.9.9.9:53", "timed out"],
        says(["api"], "2026/11/29 16:40:01 dial tcp: lookup orders-db on 10.9.9.9:53: read udp 172.17.0.2:40172->10.9.9.9:53: i/o timeout\n"),
        # The server answered: the name is unknown.
        says(["api"], "2026/11/29 16:40:01 dial tcp: lookup orders-db on 10.9.9.9:53: no such host\n"))

# net.socket-directory-missing and net.socket-permission-denied: a server's unix socket
def listens(errno, stderr):
    t = T(["haproxy", "-f", "/etc/haproxy/haproxy.cfg"], uid=101)
    t.start("/usr/sbin/haproxy", ["haproxy", "-f", "/etc/haproxy/haproxy.cfg"])
    t.sc("bind", '4, {sa_family=AF_UNIX, sun_path="/run/haproxy/admin.sock.1.tmp"}, 110', errno=errno,
         fd=4, addr="/run/haproxy/admin.sock.1.tmp", family="AF_UNIX")
    t.write(2, stderr); t.exit(1); return t.end(1)
ALERT = "[ALERT]    (1) : [haproxy.main()] Some protocols failed to start their listeners! Exiting.\n"
fixture("net.socket-directory-missing", "missing-file", ["/run/haproxy/admin.sock.1.tmp", "directory does not exist"],
        listens("ENOENT", "[ALERT]    (1) : Binding [/etc/haproxy/haproxy.cfg:5] for frontend GLOBAL: cannot bind UNIX socket (No such file or directory) [/run/haproxy/admin.sock]\n" + ALERT),
        # A stale socket file is another failure.
        listens("EADDRINUSE", ALERT))
fixture("net.socket-permission-denied", "permission-denied", ["/run/haproxy/admin.sock.1.tmp", "may not create"],
        listens("EACCES", "[ALERT]    (1) : Binding [/etc/haproxy/haproxy.cfg:5] for frontend GLOBAL: cannot bind UNIX socket (Permission denied) [/run/haproxy/admin.sock]\n" + ALERT),
        listens("ENOENT", ALERT))

# app.apache-envvars: apache2 started without /etc/apache2/envvars
def apache(stderr):
    t = T(["apache2", "-DFOREGROUND"]); t.start("/usr/sbin/apache2", ["apache2", "-DFOREGROUND"])
    t.open("/etc/apache2/apache2.conf")
    t.write(2, stderr); t.exit(1); return t.end(1)
fixture("app.apache-envvars", "app-error", ["APACHE_RUN_DIR", "envvars", "apache2ctl"],
        apache("[Sun Nov 29 17:07:57.749690 2026] [core:warn] [pid 1:tid 1] AH00111: Config variable ${APACHE_RUN_DIR} is not defined\n"
               "apache2: Syntax error on line 80 of /etc/apache2/apache2.conf: DefaultRuntimeDir must be a valid directory, absolute or relative to ServerRoot\n"),
        # Another configuration error, with the variables defined.
        apache("AH00526: Syntax error on line 12 of /etc/apache2/sites-enabled/000-default.conf:\nInvalid command 'RewriteEngine', perhaps misspelled or defined by a module not included in the server configuration\n"))

# net.socket-directory-missing-stderr: the server says so after it changed user (its calls'
# paths could not be read: they show pointers)
def mariadb(stderr):
    t = T(["mariadbd", "--user=mysql"]); t.start("/usr/sbin/mariadbd", ["mariadbd", "--user=mysql"])
    t.sc("setuid", "101")
    t.sc("openat", "AT_FDCWD, 0x7f2e84e34b21, O_RDONLY|O_CLOEXEC", errno="ENOENT", flags="O_RDONLY|O_CLOEXEC")
    t.write(2, stderr); t.exit(1); return t.end(1)
fixture("net.socket-directory-missing-stderr", "missing-file", ["unix socket", "does not exist"],
        mariadb("2026-11-29 17:23:16 0 [ERROR] Can't start server : Bind on unix socket: No such file or directory\n"
                "2026-11-29 17:23:16 0 [ERROR] Do you already have another server running on socket: /run/mysqld/mysqld.sock ?\n"
                "2026-11-29 17:23:16 0 [ERROR] Aborting\n"),
        mariadb("2026-11-29 17:23:16 0 [ERROR] Can't start server: Bind on TCP/IP port. Got error: 98: Address already in use\n"
                "2026-11-29 17:23:16 0 [ERROR] Aborting\n"))

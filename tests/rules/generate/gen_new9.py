from lib import *

# dns.nxdomain and dns.server-failure: glibc's lookup of `db` on a connected socket, then the
# name server's answer (read from the recvfrom), then the resolver's error on stderr
def lookup(flags, rcode, stderr, code=2):
    t = T(["psql", "-h", "db"]); t.start("/usr/bin/psql", ["psql", "-h", "db"])
    t.open("/etc/resolv.conf")
    t.open("/etc/hosts")
    t.connect(3, "10.0.0.2", 53)
    t.sc("sendto", '3, "\\22\\64\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\2db\\0\\0\\1\\0\\1", 20, MSG_NOSIGNAL, NULL, 0',
         ret=20, fd=3, query="db")
    if rcode:
        t.sc("recvfrom", f'3, "\\22\\64{flags}\\0\\1\\0\\0\\0\\0\\0\\0\\2db\\0\\0\\1\\0\\1", 1024, 0, '
             '{sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, [28 => 16]',
             ret=20, fd=3, addr="10.0.0.2", port=53, family="AF_INET", rcode=rcode, answers=0)
    t.write(2, stderr); t.exit(code); return t.end(code)

MESSAGE = 'psql: error: could not translate host name "db" to address: Name or service not known\n'
fixture("dns.nxdomain", "dns-failure", ["NXDOMAIN", "db"],
        lookup("\\201\\203", "NXDOMAIN", MESSAGE),
        # The name was found (the failure is another one), or no answer was read.
        lookup("\\201\\200", "NOERROR", "psql: error: connection to server at \"db\" (10.0.0.7), port 5432 failed: Connection refused\n"))
fixture("dns.server-failure", "dns-failure", ["SERVFAIL", "10.0.0.2", "db"],
        lookup("\\201\\202", "SERVFAIL", 'psql: error: could not translate host name "db" to address: Temporary failure in name resolution\n'),
        # The answer said NXDOMAIN: the name, not the server, is at fault.
        lookup("\\201\\203", "NXDOMAIN", MESSAGE))

# crash.abort-as-init: abort() in process 1 ends in the kernel's SIGSEGV (SI_KERNEL)
def died(si_code, stderr):
    t = T(["/app/server"]); t.start("/app/server", ["/app/server"], libs=("libstdc++.so.6", "libc.so.6"))
    t.write(2, stderr)
    t.ev(kind="signal", signal="SIGSEGV", call=f"--- SIGSEGV {{si_signo=SIGSEGV, si_code={si_code}}} ---")
    t.ev(kind="killed", signal="SIGSEGV", call="+++ killed by SIGSEGV +++")
    return t.end(signal="SIGSEGV")
ABORT = "terminate called after throwing an instance of 'std::runtime_error'\n  what():  config: bad port\n"
fixture("crash.abort-as-init", "crashed", ["SIGSEGV", "process 1", "abort()"],
        died("SI_KERNEL", ABORT),
        # A real bad access: a null pointer.
        died("SEGV_MAPERR", "starting\n"))

# cap.sys-time: a refused clock setting, named by the message (the calls are not prefiltered)
def clock(argv, stderr):
    t = T(argv); t.start("/usr/sbin/" + argv[0], argv)
    t.write(2, stderr); t.exit(1); return t.end(1)
fixture("cap.sys-time", "missing-capability", ["CAP_SYS_TIME", "adjtimex"],
        clock(["chronyd", "-d"], "2026-11-29T15:00:00Z chronyd version 4.3 starting\n"
              "2026-11-29T15:00:00Z Fatal error : adjtimex(0x8001) failed : Operation not permitted\n"),
        # Reading the clock is allowed; this refusal is another one.
        clock(["chronyd", "-d"], "2026-11-29T15:00:00Z Fatal error : Could not open /var/run/chrony/chronyd.pid : Permission denied\n"))

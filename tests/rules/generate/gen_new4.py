from lib import *
t = T(["/app/server"]); t.start("/app/server", ["/app/server"]); t.connect(3, "/run/app/app.sock", None, family="AF_UNIX", errno="EADDRINUSE", syscall="bind")
t.write(2, "listen unix /run/app/app.sock: bind: address already in use\n"); t.exit(1); t.end(1)
n = T(["/app/server"]); n.start("/app/server", ["/app/server"]); n.bind(3, "0.0.0.0", 8080, errno="EADDRINUSE"); n.write(2, "listen tcp :8080: bind: address already in use\n"); n.exit(1); n.end(1)
fixture("net.socket-file-exists", "port-in-use", ["/run/app/app.sock"], t, n)

def fails_with(stderr, argv=("/app/server",), code=1):
    t = T(list(argv)); t.start(argv[0], list(argv)); t.write(2, stderr); t.exit(code); return t.end(code)
fixture("net.privileged-port-stderr", "privileged-port", ["80"],
        fails_with("Error: listen EACCES: permission denied 0.0.0.0:80\n", ("node", "index.js")),
        fails_with("Error: listen EACCES: permission denied 0.0.0.0:8080\n", ("node", "index.js")))

from lib import *
def fails_with(stderr, argv=("/app/server",), code=1, extra=None):
    t = T(list(argv)); t.start(argv[0], list(argv))
    if extra: extra(t)
    t.write(2, stderr); t.exit(code); return t.end(code)
def ca_probes(t):
    for p in ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", "/etc/pki/tls/cacert.pem", "/etc/ssl/cert.pem"]:
        t.open(p, errno="ENOENT")
fixture("tls.unknown-authority", "missing-file", ["CA certificates"],
        fails_with('Get "https://api.example.com/v1": x509: certificate signed by unknown authority\n', extra=ca_probes),
        fails_with('Get "https://api.example.com/v1": dial tcp: i/o timeout\n'))

# dns.no-answer: the query went out, nothing failed, the program exited 1
t = T(["/entrypoint.sh"]); t.start("/bin/sh", ["/bin/sh", "/entrypoint.sh"]); t.open("/etc/resolv.conf"); t.sc("socket", "AF_INET, SOCK_DGRAM, IPPROTO_IP", ret=3)
t.connect(3, "127.0.0.11", 53); t.exit(1); t.end(1)
n = T(["/entrypoint.sh"]); n.start("/bin/sh", ["/bin/sh", "/entrypoint.sh"]); n.open("/etc/resolv.conf"); n.connect(3, "127.0.0.11", 53)
n.connect(4, "10.0.0.5", 5432); n.write(1, "connected\n"); n.exit(0); n.end(0)
fixture("dns.no-answer", "dns-failure", ["127.0.0.11"], t, n)

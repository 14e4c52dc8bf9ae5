from lib import *
DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
def search(t, name, evidence, found=None):
    for d in DIRS:
        if found and d == found:
            t.execve(f"{d}/{name}", [name, "--serve"]); return t
        t.execve(f"{d}/{name}", [name, "--serve"], errno="ENOENT", evidence=ev_missing(f"{d}/{name}") if evidence else None)
    return t

t = T(["/docker-entrypoint.sh", "gunicorn"]); t.start("/bin/sh", ["/bin/sh", "/docker-entrypoint.sh", "gunicorn"]); search(t, "gunicorn", True)
t.write(2, "/docker-entrypoint.sh: 12: exec: gunicorn: not found\n"); t.exit(127); t.end(127)
n = T(["/docker-entrypoint.sh", "gunicorn"]); n.start("/bin/sh", ["/bin/sh", "/docker-entrypoint.sh", "gunicorn"]); search(n, "gunicorn", True, found="/usr/bin")
n.write(2, "[INFO] Starting gunicorn 21.2.0\n"); n.exit(0); n.end(0)
fixture("exec.path-search", "missing-executable", ["gunicorn", "PATH"], t, n)

t = T(["/docker-entrypoint.sh", "gunicorn"]); t.start("/bin/sh", ["/bin/sh", "/docker-entrypoint.sh", "gunicorn"]); search(t, "gunicorn", False); t.exit(127); t.end(127)
n = T(["/docker-entrypoint.sh", "gunicorn"]); n.start("/bin/sh", ["/bin/sh", "/docker-entrypoint.sh", "gunicorn"]); search(n, "gunicorn", False, found="/usr/bin"); n.exit(0); n.end(0)
fixture("exec.path-search-log", "missing-executable", ["gunicorn", "PATH"], t, n)

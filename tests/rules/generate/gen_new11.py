from lib import *

# file.missing-parent: nginx makes its temporary directories at start, one level at a time
def nginx(parent_exists):
    t = T(["nginx", "-g", "daemon off;"]); t.start("/usr/sbin/nginx", ["nginx", "-g", "daemon off;"])
    t.open("/etc/nginx/nginx.conf")
    if parent_exists:
        t.sc("mkdir", '"/var/lib/nginx/body", 0700', path="/var/lib/nginx/body", mode=0o700)
        t.sc("mkdir", '"/var/lib/nginx/proxy", 0700', path="/var/lib/nginx/proxy", mode=0o700)
        t.write(2, "[emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)\n")
        t.exit(1); return t.end(1)
    t.sc("mkdir", '"/var/lib/nginx/body", 0700', ret=-1, errno="ENOENT", path="/var/lib/nginx/body", mode=0o700)
    t.write(2, '[emerg] 1#1: mkdir() "/var/lib/nginx/body" failed (2: No such file or directory)\n')
    t.exit(1); return t.end(1)
fixture("file.missing-parent", "missing-file", ["/var/lib/nginx", "/var/lib/nginx/body"],
        nginx(False),
        # The directory is there and the directories are made: something else failed.
        nginx(True))

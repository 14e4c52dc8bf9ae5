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

# file.cannot-create-file: php-fpm as www-data cannot create its log in root's /var/log
def php_fpm(exists):
    t = T(["php-fpm8.2", "-F"], uid=33); t.start("/usr/sbin/php-fpm8.2", ["php-fpm8.2", "-F"])
    t.open("/etc/php/8.2/fpm/php-fpm.conf")
    ev = {"path": "/var/log/php8.2-fpm.log", "exists": exists, "process_uid": 33}
    if exists:
        ev.update({"file_type": "file", "mode": 0o600, "uid": 0, "gid": 0})
    else:
        ev["nearest_parent"] = {"path": "/var/log", "mode": 0o755, "uid": 0, "gid": 0}
    t.open("/var/log/php8.2-fpm.log", "O_WRONLY|O_CREAT|O_APPEND", errno="EACCES", mode=0o600, evidence=ev)
    t.write(2, "ERROR: failed to open error_log (/var/log/php8.2-fpm.log): Permission denied (13)\n")
    t.exit(78); return t.end(78)
fixture("file.cannot-create-file", "permission-denied", ["/var/log/php8.2-fpm.log", "/var/log"],
        php_fpm(False),
        # The log exists and belongs to root: the file, not the directory, is the matter.
        php_fpm(True))

# net.address-not-available: Node's `localhost` resolves to ::1 first, which a container on
# Docker's default network does not have
def node_listens(errno):
    t = T(["node", "server.js"]); t.start("/usr/local/bin/node", ["node", "server.js"])
    t.sc("socket", "AF_INET6, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP", ret=18, family="AF_INET6")
    args = '18, {sa_family=AF_INET6, sin6_port=htons(3000), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28'
    t.sc("bind", args, errno=errno, fd=18, addr="::1", port=3000, family="AF_INET6")
    if errno:
        t.write(2, "Error: listen EADDRNOTAVAIL: address not available ::1:3000\n"); t.exit(1); return t.end(1)
    t.write(1, "listening on http://localhost:3000\n"); t.exit(0); return t.end(0)
fixture("net.address-not-available", "address-not-available", ["::1", "3000"],
        node_listens("EADDRNOTAVAIL"), node_listens(None))

# net.address-not-available-stderr: the message alone (a strace log that missed the bind)
def says(line):
    t = T(["nginx", "-g", "daemon off;"]); t.start("/usr/sbin/nginx", ["nginx", "-g", "daemon off;"])
    t.write(2, line); t.exit(1); return t.end(1)
fixture("net.address-not-available-stderr", "address-not-available", ["Cannot assign requested address"],
        says('nginx: [emerg] bind() to 10.1.2.3:80 failed (99: Cannot assign requested address)\n'),
        # An outgoing connection out of local ports says the same words: not a listener.
        says('upstream: connect() to 10.0.0.5:5432 failed (99: Cannot assign requested address)\n'))

# file.missing-under-mount: `-v ./conf:/etc/app` hides the image's /etc/app
def reads_config(mount_point, fs_type):
    t = T(["/app/server"]); t.start("/app/server", ["/app/server"])
    ev = ev_missing("/etc/app/config.yml")
    ev["mount"] = {"mount_point": mount_point, "fs_type": fs_type, "read_only": False, "noexec": False, "nosuid": False}
    t.open("/etc/app/config.yml", "O_RDONLY|O_CLOEXEC", errno="ENOENT", evidence=ev)
    t.write(2, "fatal: cannot read /etc/app/config.yml\n"); t.exit(1); return t.end(1)
fixture("file.missing-under-mount", "missing-file", ["/etc/app/config.yml", "/etc/app", "ext4"],
        reads_config("/etc/app", "ext4"),
        # On the image's own file system: the file is simply missing (file.missing).
        reads_config("/", "overlay"))

# file.mount-permission-denied: a host directory mounted with -v keeps the host's owner
def writes_data(mount_point, fs_type):
    t = T(["/app/server"], uid=999); t.start("/app/server", ["/app/server"])
    ev = {"path": "/data/state.db", "exists": False, "process_uid": 999,
          "nearest_parent": {"path": "/data", "mode": 0o755, "uid": 1000, "gid": 1000},
          "mount": {"mount_point": mount_point, "fs_type": fs_type, "read_only": False, "noexec": False, "nosuid": False}}
    t.open("/data/state.db", "O_RDWR|O_CREAT", errno="EACCES", mode=0o644, evidence=ev)
    t.write(2, "fatal: cannot open /data/state.db: permission denied\n"); t.exit(1); return t.end(1)
fixture("file.mount-permission-denied", "permission-denied", ["/data/state.db", "/data", "999"],
        writes_data("/data", "ext4"),
        # The image's own /data: a Dockerfile chown fixes that one (file.cannot-create-file).
        writes_data("/", "overlay"))

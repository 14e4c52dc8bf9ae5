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

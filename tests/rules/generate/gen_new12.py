from lib import *

# exec.byte-order-mark: an entrypoint saved as "UTF-8 with BOM"
def bom_exec(magic):
    ev = {"path": "/entrypoint.sh", "exists": True, "file_type": "file", "mode": 0o755, "uid": 0, "gid": 0,
          "size": 64, "magic": magic, "process_uid": 0, "notes": []}
    t = T(["/entrypoint.sh"]); t.execve("/entrypoint.sh", ["/entrypoint.sh"], errno="ENOEXEC", evidence=ev)
    t.write(2, "exec /entrypoint.sh: exec format error\n"); t.exit(1); return t.end(1)
fixture("exec.byte-order-mark", "exec-format", ["/entrypoint.sh", "byte-order mark"],
        bom_exec("utf8-bom"),
        # A script whose first line is a comment: no mark to blame.
        bom_exec("text"))

# app.user-without-name: `--user 1000` in an image without that user; the program asks its name
def python_user(stderr):
    argv = ["python3", "/app/main.py"]
    t = T(argv); t.start("/usr/bin/python3", argv); t.open("/etc/passwd")
    t.write(2, stderr); t.exit(1); return t.end(1)
fixture("app.user-without-name", "app-error", ["has no entry in the image's /etc/passwd", "uid not found: 1000"],
        python_user('Traceback (most recent call last):\n  File "/app/main.py", line 2, in <module>\n'
                    '    user = getpass.getuser()\n'
                    "KeyError: 'getpwuid(): uid not found: 1000'\n"),
        # A user named in the program's settings that the image lacks: another cause.
        python_user('Traceback (most recent call last):\n  File "/app/main.py", line 2, in <module>\n'
                    '    pw = pwd.getpwnam("worker")\n'
                    "KeyError: \"getpwnam(): name not found: 'worker'\"\n"))

def sigpipe(t, pid):
    t.ev(pid, kind="signal", signal="SIGPIPE", sender=pid,
         call=f"--- SIGPIPE {{si_signo=SIGPIPE, si_code=SI_USER, si_pid={pid}, si_uid=0}} ---")
    t.ev(pid, kind="killed", signal="SIGPIPE", call="+++ killed by SIGPIPE +++")

# signal.pipeline-sigpipe: `set -o pipefail` and `seq ... | head -n 1`: the script exits 141
def pipeline(writer_dies):
    t = T(["/entrypoint.sh"]); t.start("/bin/bash", ["/entrypoint.sh"])
    t.clone(8); t.clone(9, pid=8); t.clone(10, pid=8)
    t.execve("/usr/bin/head", ["head", "-n", "1"], pid=10); t.write(1, "1\n", pid=10); t.exit(0, pid=10)
    t.execve("/usr/bin/seq", ["seq", "1", "1000000"], pid=9)
    if writer_dies:
        sigpipe(t, 9); t.exit(141, pid=8); t.exit(141); return t.end(141)
    t.exit(0, pid=9); t.exit(0, pid=8); t.write(2, "/entrypoint.sh: line 6: DATABASE_URL: unbound variable\n")
    t.exit(1); return t.end(1)
fixture("signal.pipeline-sigpipe", "app-error", ["Process 9 (`seq 1 1000000`)", "SIGPIPE", "exit status 141"],
        pipeline(True),
        # The same pipeline ends well; the script fails on something else.
        pipeline(False))

# crash.broken-pipe: a server writes a reply to a client that has hung up
def server(dies):
    t = T(["/app/server"]); t.start("/app/server", ["/app/server"])
    t.bind(3, "0.0.0.0", 8080)
    if dies:
        sigpipe(t, 1); return t.end(None, "SIGPIPE")
    t.killed("SIGSEGV"); return t.end(None, "SIGSEGV")
fixture("crash.broken-pipe", "crashed", ["/app/server", "SIGPIPE", "closed"],
        server(True),
        # A death by another signal.
        server(False))

# app.stale-pid-file: an image built with `service apache2 start` keeps apache2.pid; the number in it
# (1) is alive in the new container, and apachectl says so on stdout and exits 0
def apachectl(stdout):
    argv = ["apache2ctl", "-D", "FOREGROUND"]
    t = T(argv); t.start("/usr/sbin/apache2ctl", argv); t.clone(22)
    t.execve("/usr/sbin/apache2", ["/usr/sbin/apache2", "-D", "FOREGROUND"], pid=22)
    t.open("/var/run/apache2/apache2.pid", pid=22, ret=4)
    t.write(1, stdout, pid=22); t.exit(0, pid=22); t.exit(0); return t.end(0)
fixture("app.stale-pid-file", "app-error", ["already running", "/var/run/apache2/apache2.pid"],
        apachectl("httpd (pid 1) already running\n"),
        # A server that reports its PID file and goes on: nothing stale.
        apachectl("wrote pid 22 to /var/run/apache2/apache2.pid\n"))


# file.missing-timezone-data: a Go program in a FROM scratch image with TZ=Europe/Berlin
def go_tz(stderr):
    t = T(["/app/server"]); t.execve("/app/server", ["/app/server"])
    t.open("/usr/share/zoneinfo/Europe/Berlin", errno="ENOENT")
    t.open("/usr/share/lib/zoneinfo/Europe/Berlin", errno="ENOENT")
    t.open("/usr/lib/locale/TZ/Europe/Berlin", errno="ENOENT")
    t.open("/usr/local/go/lib/time/zoneinfo.zip", errno="ENOENT")
    t.write(2, stderr); t.exit(2); return t.end(2)
fixture("file.missing-timezone-data", "missing-file", ["Europe/Berlin", "/usr/share/zoneinfo/Europe/Berlin"],
        go_tz("panic: unknown time zone Europe/Berlin\n\ngoroutine 1 [running]:\nmain.main()\n"),
        # The zone falls back to UTC; what stops the program is something else.
        go_tz("error: invalid port \"80a\"\n"))

# app.java-class-version: built with Java 21, run on a Java 17 runtime
JAVA = ["java", "-jar", "/app/app.jar"]
fixture("app.java-class-version", "app-error", ["older than the compiler", "class file version 65.0"],
        failing(JAVA, path="/opt/java/openjdk/bin/java", stderr=
                "Error: LinkageError occurred while loading main class com.example.App\n"
                "\tjava.lang.UnsupportedClassVersionError: com/example/App has been compiled by a more recent version "
                "of the Java Runtime (class file version 65.0), this version of the Java Runtime only recognizes class "
                "file versions up to 61.0\n"),
        # Another class loading failure: the class is not there at all.
        failing(JAVA, path="/opt/java/openjdk/bin/java", stderr=
                "Error: Could not find or load main class com.example.App\n"
                "Caused by: java.lang.ClassNotFoundException: com.example.App\n"))

# app.data-directory-not-empty: a fresh ext4 volume (with lost+found) mounted as PGDATA
INITDB = ["docker-entrypoint.sh", "postgres"]
fixture("app.data-directory-not-empty", "app-error", ["not empty", "/var/lib/postgresql/data"],
        failing(INITDB, path="/usr/local/bin/docker-entrypoint.sh", stderr=
                'initdb: error: directory "/var/lib/postgresql/data" exists but is not empty\n'
                "initdb: detail: It contains a lost+found directory, perhaps due to it being a mount point.\n"
                "initdb: hint: Using a mount point directly as the data directory is not recommended.\n"
                "Create a subdirectory under the mount point.\n"),
        # A data directory that is not empty because it holds a database: nothing to refuse.
        failing(INITDB, path="/usr/local/bin/docker-entrypoint.sh", stderr=
                'FATAL:  database files are incompatible with server\n'
                "DETAIL:  The data directory was initialized by PostgreSQL version 15, which is not compatible with this version 16.4.\n"))

# app.host-kernel-setting: Elasticsearch's bootstrap check on vm.max_map_count
ES = ["/usr/share/elasticsearch/bin/elasticsearch"]
fixture("app.host-kernel-setting", "app-error", ["kernel setting of the host", "vm.max_map_count"],
        failing(ES, path=ES[0], stderr=
                "ERROR: Elasticsearch did not exit normally - check the logs at /usr/share/elasticsearch/logs/docker-cluster.log\n",
                code=78,
                stdout="{\"@timestamp\":\"2026-11-29T21:00:00.000Z\", \"log.level\":\"ERROR\", \"message\":\"node validation exception\\n"
                       "[1] bootstrap checks failed. You must address the points described in the following [1] lines before starting Elasticsearch.\\n"
                       "bootstrap check failure [1] of [1]: max virtual memory areas vm.max_map_count [65530] is too low, increase to at least [262144]\"}\n"),
        # Another bootstrap check: not a host setting.
        failing(ES, path=ES[0], stderr=
                "bootstrap check failure [1] of [1]: the default discovery settings are unsuitable for production use\n",
                code=78))

# signal.killed-by-process: a start script gives the server 5 s, then `kill -9`s it
def killed_by(script_kills):
    t = T(["/entrypoint.sh"]); t.start("/bin/sh", ["/entrypoint.sh"]); t.clone(7)
    t.execve("/app/server", ["/app/server", "--port", "8080"], pid=7)
    if script_kills:
        t.sc("kill", "7, SIGKILL", ret=0, signal="SIGKILL", target=7)
    t.ev(7, kind="killed", signal="SIGKILL", call="+++ killed by SIGKILL +++")
    t.ev(kind="signal", signal="SIGCHLD", sender=7,
         call="--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=7, si_uid=0, si_status=SIGKILL, si_utime=0, si_stime=0} ---")
    t.exit(137); return t.end(137)
fixture("signal.killed-by-process", "app-error", ["Process 1 (`/entrypoint.sh`)", "killed `/app/server --port 8080` with SIGKILL"],
        killed_by(True),
        # The same death with no kill call in the trace: it came from outside.
        killed_by(False))

# app.user-not-in-image: an nginx.conf from the official image (`user nginx;`) on Debian's nginx
NGINX = ["nginx", "-g", "daemon off;"]
def nginx_conf(stderr):
    t = T(NGINX); t.start("/usr/sbin/nginx", NGINX); t.open("/etc/nginx/nginx.conf"); t.open("/etc/passwd")
    t.write(2, stderr); t.exit(1); return t.end(1)
fixture("app.user-not-in-image", "app-error", ["the user `nginx`", "getpwnam"],
        nginx_conf('2026/11/29 22:13:30 [emerg] 1#1: getpwnam("nginx") failed in /etc/nginx/nginx.conf:1\n'),
        # Another configuration error: an unknown directive.
        nginx_conf('2026/11/29 22:13:30 [emerg] 1#1: unknown directive "servr" in /etc/nginx/nginx.conf:12\n'))

# exec.dangling-link and file.dangling-link: the name is there, as a link to nothing
def link_ev(path, target):
    return {"path": path, "exists": False, "dangling_link": target, "process_uid": 0,
            "notes": [f"{path} is a symbolic link to {target}, which does not exist"]}
def exec_link(dangling):
    t = T(["/usr/local/bin/server"])
    ev = link_ev("/usr/local/bin/server", "/opt/app/bin/server") if dangling else \
        {"path": "/usr/local/bin/server", "exists": False, "process_uid": 0, "notes": ["/usr/local/bin/server does not exist"]}
    t.execve("/usr/local/bin/server", ["/usr/local/bin/server"], errno="ENOENT", evidence=ev)
    t.write(2, "exec /usr/local/bin/server: no such file or directory\n"); t.exit(127); return t.end(127)
fixture("exec.dangling-link", "missing-executable", ["/usr/local/bin/server", "/opt/app/bin/server"],
        exec_link(True),
        # Simply absent: no link.
        exec_link(False))
def open_link(dangling):
    argv = ["nginx", "-g", "daemon off;"]
    path = "/etc/nginx/sites-enabled/app"
    t = T(argv); t.start("/usr/sbin/nginx", argv)
    ev = link_ev(path, "../sites-available/app") if dangling else \
        {"path": path, "exists": False, "process_uid": 0, "notes": [f"{path} does not exist"]}
    t.open(path, errno="ENOENT", evidence=ev)
    t.write(2, f'nginx: [emerg] open() "{path}" failed (2: No such file or directory)\n'); t.exit(1); return t.end(1)
fixture("file.dangling-link", "missing-file", ["/etc/nginx/sites-enabled/app", "../sites-available/app"],
        open_link(True),
        open_link(False))

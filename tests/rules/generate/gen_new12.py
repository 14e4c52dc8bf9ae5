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

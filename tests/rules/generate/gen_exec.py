from lib import *

def ok_run(argv=("/app/server",)):
    t = T(list(argv)); t.start(argv[0], list(argv)); t.write(1, "started\n"); t.exit(0); return t.end(0)

def shell_child_exec(path, name, errno, evidence=None, code=127, stderr=None):
    t = T(["/bin/sh", "-c", name]); t.start("/bin/sh", ["/bin/sh", "-c", name])
    t.clone(2); t.execve(path, [name], errno=errno, pid=2, evidence=evidence)
    if stderr: t.write(2, stderr, pid=2)
    t.exit(code, pid=2); t.exit(code); return t.end(code)

# exec.not-in-path: the runner's note
t = T(["gunicorn", "app:app"]); t.ev(kind="note", call="gunicorn: not found in PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)")
for d in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]:
    t.execve(f"{d}/gunicorn", ["gunicorn", "app:app"], errno="ENOENT")
t.exit(127); t.end(127)
n = T(["gunicorn", "app:app"])
for d in ["/usr/local/sbin", "/usr/local/bin"]:
    n.execve(f"{d}/gunicorn", ["gunicorn", "app:app"], errno="ENOENT")
n.start("/usr/bin/gunicorn", ["gunicorn", "app:app"]); n.write(2, "[INFO] Listening at: http://0.0.0.0:8000\n"); n.exit(0); n.end(0)
fixture("exec.not-in-path", "missing-executable", ["gunicorn", "PATH"], t, n)

# exec.missing-file
t = T(["/app/server"]); t.execve("/app/server", ["/app/server"], errno="ENOENT", evidence=ev_missing("/app/server")); t.exit(127); t.end(127)
n = T(["/bin/sh", "-c", "/app/server || true"]); n.start("/bin/sh", ["/bin/sh", "-c", "/app/server || true"]); n.clone(2)
n.execve("/app/server", ["/app/server"], errno="ENOENT", pid=2, evidence=ev_missing("/app/server")); n.write(2, "/bin/sh: 1: /app/server: not found\n", pid=2); n.exit(127, pid=2); n.exit(0); n.end(0)
fixture("exec.missing-file", "missing-executable", ["/app/server"], t, n)

# exec.missing-interpreter
ev = ev_elf("/app/server", interp_exists=False); ev["notes"] = ["ELF interpreter /lib64/ld-linux-x86-64.so.2 is absent"]
t = T(["/app/server"]); t.execve("/app/server", ["/app/server"], errno="ENOENT", evidence=ev); t.exit(127); t.end(127)
fixture("exec.missing-interpreter", "missing-interpreter", ["/app/server", "/lib64/ld-linux-x86-64.so.2"], t, ok_run())

# exec.shebang-crlf
ev = ev_script("/entrypoint.sh", "/bin/sh\\r", "/bin/sh\r", False, cr=True)
t = T(["/entrypoint.sh"]); t.execve("/entrypoint.sh", ["/entrypoint.sh"], errno="ENOENT", evidence=ev); t.exit(127); t.end(127)
evn = ev_script("/entrypoint.sh", "/bin/sh", "/bin/sh", True)
n = T(["/entrypoint.sh"]); n.execve("/entrypoint.sh", ["/entrypoint.sh"], evidence=None); n.start("/bin/sh", ["/bin/sh", "/entrypoint.sh"]); n.exit(0); n.end(0)
fixture("exec.shebang-crlf", "bad-shebang", ["/entrypoint.sh", "CRLF"], t, n)

# exec.shebang-missing-interpreter
ev = ev_script("/entrypoint.sh", "/bin/bash", "/bin/bash", False)
t = T(["/entrypoint.sh"]); t.execve("/entrypoint.sh", ["/entrypoint.sh"], errno="ENOENT", evidence=ev); t.exit(127); t.end(127)
ev2 = ev_script("/entrypoint.sh", "/bin/bash", "/bin/bash", False)
n = T(["/bin/sh", "-c", "/entrypoint.sh; exit 0"]); n.start("/bin/sh", ["/bin/sh", "-c", "x"]); n.clone(2)
n.execve("/entrypoint.sh", ["/entrypoint.sh"], errno="ENOENT", pid=2, evidence=ev2); n.exit(127, pid=2); n.exit(0); n.end(0)
fixture("exec.shebang-missing-interpreter", "bad-shebang", ["/entrypoint.sh", "/bin/bash"], t, n)

# exec.foreign-architecture
ev = ev_elf("/usr/local/bin/app", interp="/lib/ld-linux-aarch64.so.1", interp_exists=False, machine="aarch64", runnable=False)
t = T(["/usr/local/bin/app"]); t.execve("/usr/local/bin/app", ["/usr/local/bin/app"], errno="ENOEXEC", evidence=ev); t.exit(126); t.end(126)
fixture("exec.foreign-architecture", "exec-format", ["/usr/local/bin/app", "aarch64"], t, ok_run(("/usr/local/bin/app",)))

# exec.truncated
ev = ev_elf("/usr/local/bin/tool", truncated=True)
t = T(["/usr/local/bin/tool"]); t.execve("/usr/local/bin/tool", ["/usr/local/bin/tool"], errno="ENOEXEC", evidence=ev); t.exit(126); t.end(126)
fixture("exec.truncated", "exec-format", ["/usr/local/bin/tool"], t, ok_run(("/usr/local/bin/tool",)))

# exec.script-without-shebang
ev = {"path": "/run.sh", "exists": True, "file_type": "file", "mode": 0o755, "uid": 0, "gid": 0, "size": 120, "magic": "text", "process_uid": 0,
      "notes": ["the file starts with neither #! nor an ELF header"]}
t = T(["/run.sh"]); t.execve("/run.sh", ["/run.sh"], errno="ENOEXEC", evidence=ev); t.exit(126); t.end(126)
# a shell falls back to running such a script itself: the ENOEXEC is recovered
n = T(["/bin/sh", "-c", "/run.sh"]); n.start("/bin/sh", ["/bin/sh", "-c", "/run.sh"]); n.clone(2)
n.execve("/run.sh", ["/run.sh"], errno="ENOEXEC", pid=2, evidence=ev); n.execve("/run.sh", ["/bin/sh", "/run.sh"], pid=2) if False else None
n.open("/run.sh", pid=2); n.write(1, "done\n", pid=2); n.exit(0, pid=2); n.exit(0); n.end(0)
fixture("exec.script-without-shebang", "exec-format", ["/run.sh", "#!"], t, n)

# exec.format-error (no evidence: a strace log)
t = T(["/app/server"]); t.execve("/app/server", ["/app/server"], errno="ENOEXEC"); t.write(2, "sh: 1: /app/server: Exec format error\n"); t.exit(2); t.end(2)
fixture("exec.format-error", "exec-format", ["/app/server"], t, ok_run())

# exec.noexec-mount
ev = ev_elf("/tmp/app/run"); ev["mount"] = {"mount_point": "/tmp", "fs_type": "tmpfs", "read_only": False, "noexec": True, "nosuid": True}
ev["notes"] = ["the file is on a noexec mount (/tmp)"]
t = T(["/tmp/app/run"]); t.execve("/tmp/app/run", ["/tmp/app/run"], errno="EACCES", evidence=ev); t.exit(126); t.end(126)
fixture("exec.noexec-mount", "not-executable", ["/tmp/app/run", "noexec", "/tmp"], t, ok_run(("/tmp/app/run",)))

# exec.directory
ev = {"path": "/app", "exists": True, "file_type": "dir", "mode": 0o755, "uid": 0, "gid": 0, "process_uid": 0, "notes": ["/app is a directory"]}
t = T(["/app"]); t.execve("/app", ["/app"], errno="EACCES", evidence=ev); t.exit(126); t.end(126)
fixture("exec.directory", "not-executable", ["/app", "directory"], t, ok_run(("/app/start",)))

# exec.no-exec-bit
ev = ev_script("/entrypoint.sh", "/bin/sh", "/bin/sh", True, mode=0o644)
t = T(["/entrypoint.sh"]); t.execve("/entrypoint.sh", ["/entrypoint.sh"], errno="EACCES", evidence=ev); t.exit(126); t.end(126)
fixture("exec.no-exec-bit", "not-executable", ["/entrypoint.sh", "0644"], t, ok_run(("/entrypoint.sh",)))

# exec.permission-denied (no evidence)
t = T(["/entrypoint.sh"]); t.execve("/entrypoint.sh", ["/entrypoint.sh"], errno="EACCES"); t.exit(126); t.end(126)
n = T(["/entrypoint.sh"]); n.execve("/entrypoint.sh", ["/entrypoint.sh"], errno="EACCES", pid=7); n.exit(126, pid=7); n.start("/bin/true", ["/bin/true"]); n.exit(0); n.end(0)
fixture("exec.permission-denied", "not-executable", ["/entrypoint.sh"], t, n)

# exec.present-but-enoent (strace log: the file was seen, then ENOENT)
t = T(["/bin/sh", "-c", "./server"]); t.start("/bin/sh", ["/bin/sh", "-c", "./server"]); t.stat("/srv/server"); t.clone(2)
t.execve("/srv/server", ["./server"], errno="ENOENT", pid=2); t.write(2, "/bin/sh: 1: ./server: not found\n", pid=2); t.exit(127, pid=2); t.exit(127); t.end(127)
n = T(["/bin/sh", "-c", "./server"]); n.start("/bin/sh", ["/bin/sh", "-c", "./server"]); n.stat("/srv/server"); n.clone(2)
n.execve("/srv/server", ["./server"], pid=2); n.write(1, "ok\n", pid=2); n.exit(0, pid=2); n.exit(0); n.end(0)
fixture("exec.present-but-enoent", "missing-interpreter", ["/srv/server", "interpreter"], t, n)

# exec.enoent (strace log, nothing seen before)
t = T(["/app/bin/start"]); t.execve("/app/bin/start", ["/app/bin/start"], errno="ENOENT"); t.exit(127); t.end(127)
n = T(["/bin/sh", "-c", "start"]); n.start("/bin/sh", ["/bin/sh", "-c", "start"]); n.clone(2)
n.execve("/usr/local/bin/start", ["start"], errno="ENOENT", pid=2); n.execve("/usr/bin/start", ["start"], pid=2); n.exit(0, pid=2); n.exit(0); n.end(0)
fixture("exec.enoent", "missing-executable", ["/app/bin/start"], t, n)

# exec.shell-not-found: exec inside an entrypoint script
t = T(["/docker-entrypoint.sh", "nginx-debug"]); t.start("/bin/sh", ["/bin/sh", "/docker-entrypoint.sh", "nginx-debug"])
t.open("/docker-entrypoint.sh")
for d in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]:
    t.execve(f"{d}/nginx-debug", ["nginx-debug"], errno="ENOENT")
t.write(2, "/docker-entrypoint.sh: exec: line 47: nginx-debug: not found\n"); t.exit(127); t.end(127)
n = T(["/docker-entrypoint.sh", "nginx"]); n.start("/bin/sh", ["/bin/sh", "/docker-entrypoint.sh", "nginx"])
n.write(2, "/docker-entrypoint.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf\n")
n.write(2, "10-listen-on-ipv6-by-default.sh: info: /etc/nginx/conf.d/default.conf differs from the packaged version; IPv6 config not found\n")
n.write(2, "/docker-entrypoint.sh: Configuration complete; ready for start up\n"); n.exit(0); n.end(0)
fixture("exec.shell-not-found", "missing-executable", ["nginx-debug"], t, n)

# exec.env-not-found
t = T(["/app/manage.py"]); t.start("/usr/bin/env", ["/usr/bin/env", "python", "/app/manage.py"])
for d in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]:
    t.execve(f"{d}/python", ["python", "/app/manage.py"], errno="ENOENT")
t.write(2, "/usr/bin/env: ‘python’: No such file or directory\n"); t.exit(127); t.end(127)
n = T(["/app/manage.py"]); n.start("/usr/bin/env", ["/usr/bin/env", "python3", "/app/manage.py"])
n.execve("/usr/local/sbin/python3", ["python3"], errno="ENOENT"); n.execve("/usr/local/bin/python3", ["python3"]); n.exit(0); n.end(0)
fixture("exec.env-not-found", "missing-executable", ["python"], t, n)

# exec.shell-bad-interpreter
t = T(["/bin/bash", "-c", "/opt/run.sh"]); t.start("/bin/bash", ["/bin/bash", "-c", "/opt/run.sh"]); t.clone(2)
t.execve("/opt/run.sh", ["/opt/run.sh"], errno="ENOENT", pid=2); t.write(2, "/bin/bash: line 1: /opt/run.sh: /usr/bin/python2: bad interpreter: No such file or directory\n", pid=2)
t.exit(127, pid=2); t.exit(127); t.end(127)
n = T(["/bin/bash", "-c", "/opt/run.sh"]); n.start("/bin/bash", ["/bin/bash", "-c", "/opt/run.sh"]); n.write(2, "warning: interpreter /usr/bin/python3 is deprecated\n"); n.exit(0); n.end(0)
fixture("exec.shell-bad-interpreter", "bad-shebang", ["/opt/run.sh", "/usr/bin/python2"], t, n)

# exec.shell-crlf
t = T(["/bin/bash", "-c", "./run.sh"]); t.start("/bin/bash", ["/bin/bash", "-c", "./run.sh"]); t.clone(2)
t.execve("/srv/run.sh", ["./run.sh"], errno="ENOENT", pid=2); t.write(2, "/bin/bash: ./run.sh: /bin/sh^M: bad interpreter: No such file or directory\n", pid=2)
t.exit(126, pid=2); t.exit(126); t.end(126)
n = T(["/bin/bash", "-c", "./run.sh"]); n.start("/bin/bash", ["/bin/bash", "-c", "./run.sh"]); n.clone(2)
n.execve("/srv/run.sh", ["./run.sh"], errno="ENOENT", pid=2); n.write(2, "/bin/bash: ./run.sh: /bin/zsh: bad interpreter: No such file or directory\n", pid=2)
n.exit(126, pid=2); n.exit(126); n.end(126)
fixture("exec.shell-crlf", "bad-shebang", ["./run.sh", "CRLF"], t, n)

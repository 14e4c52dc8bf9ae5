import json, os
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

class T:
    def __init__(self, argv, main_pid=1, uid=0, full=False):
        self.recs = [{"type": "header", "schema": "docker-diagnose.events/v1", "tool_version": "0.1.0",
                      "argv": argv, "main_pid": main_pid, "full": full, "uid": uid, "gid": uid}]
        self.seq = 0
        self.main = main_pid
        self.stderr = []
        self.stdout = []
        self.pids = {main_pid}
    def ev(self, pid=None, **kw):
        pid = self.main if pid is None else pid
        self.pids.add(pid)
        e = {"type": "event", "seq": self.seq, "pid": pid, "kind": kw.pop("kind", "syscall")}
        e.update(kw)
        e.setdefault("call", "")
        if e["kind"] == "syscall":
            e.setdefault("ret", 0)
            e.setdefault("errno", None)
        self.recs.append(e)
        self.seq += 1
        return self
    def sc(self, name, args, ret=0, errno=None, pid=None, **kw):
        if errno:
            text = {"ENOENT": "No such file or directory", "EACCES": "Permission denied", "EPERM": "Operation not permitted",
                    "ENOEXEC": "Exec format error", "EROFS": "Read-only file system", "ENOSPC": "No space left on device",
                    "EMFILE": "Too many open files", "EADDRINUSE": "Address already in use", "EADDRNOTAVAIL": "Cannot assign requested address", "ECONNREFUSED": "Connection refused",
                    "ENETUNREACH": "Network is unreachable", "ENOTDIR": "Not a directory", "ETIMEDOUT": "Connection timed out",
                    "EAGAIN": "Resource temporarily unavailable", "ENOMEM": "Cannot allocate memory"}.get(errno, errno)
            call = f"{name}({args}) = -1 {errno} ({text})"
            ret = -1
        else:
            call = f"{name}({args}) = {ret}"
        return self.ev(pid, syscall=name, call=call, ret=ret, errno=errno, **kw)
    def execve(self, path, argv, errno=None, pid=None, evidence=None):
        a = ", ".join(json.dumps(x) for x in argv)
        kw = {"path": path, "argv": argv}
        if evidence: kw["evidence"] = evidence
        return self.sc("execve", f'{json.dumps(path)}, [{a}], 0x7ffd /* 5 vars */', errno=errno, pid=pid, **kw)
    def open(self, path, flags="O_RDONLY|O_CLOEXEC", errno=None, pid=None, ret=3, evidence=None, mode=None):
        extra = f", 0{mode:o}" if mode is not None else ""
        kw = {"path": path, "flags": flags}
        if evidence: kw["evidence"] = evidence
        if mode is not None: kw["mode"] = mode
        return self.sc("openat", f'AT_FDCWD, {json.dumps(path)}, {flags}{extra}', ret=ret, errno=errno, pid=pid, **kw)
    def stat(self, path, errno=None, pid=None):
        return self.sc("newfstatat", f'AT_FDCWD, {json.dumps(path)}, {{st_mode=S_IFREG|0755, ...}}, 0' if not errno else f'AT_FDCWD, {json.dumps(path)}, 0x7ffc, 0', errno=errno, pid=pid, path=path)
    def access(self, path, errno=None, pid=None):
        return self.sc("access", f'{json.dumps(path)}, R_OK', errno=errno, pid=pid, path=path)
    def start(self, path, argv, pid=None, libs=("libc.so.6",)):
        self.execve(path, argv, pid=pid)
        self.access("/etc/ld.so.preload", errno="ENOENT", pid=pid)
        self.open("/etc/ld.so.cache", pid=pid)
        for lib in libs:
            self.open(f"/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/{lib}", errno="ENOENT", pid=pid)
            self.open(f"/lib/x86_64-linux-gnu/{lib}", pid=pid)
        self.open("/usr/lib/locale/C.UTF-8/LC_CTYPE", errno="ENOENT", pid=pid)
        self.open("/usr/lib/locale/C.utf8/LC_CTYPE", pid=pid)
        return self
    def write(self, fd, text, pid=None):
        self.sc("write", f'{fd}, {json.dumps(text)}, {len(text)}', ret=len(text), pid=pid, fd=fd, data=text)
        if (pid or self.main) in (self.main,) or True:
            (self.stderr if fd == 2 else self.stdout).extend(l for l in text.split("\n") if l)
        return self
    def connect(self, fd, addr, port, family="AF_INET", errno=None, pid=None, syscall="connect"):
        if family == "AF_UNIX":
            args = f'{fd}, {{sa_family=AF_UNIX, sun_path={json.dumps(addr)}}}, 110'
            kw = {"addr": addr, "family": family}
        else:
            args = f'{fd}, {{sa_family={family}, sin_port=htons({port}), sin_addr=inet_addr("{addr}")}}, 16'
            kw = {"addr": addr, "port": port, "family": family}
        return self.sc(syscall, args, errno=errno, pid=pid, fd=fd, **kw)
    def bind(self, fd, addr, port, errno=None, pid=None):
        return self.sc("bind", f'{fd}, {{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr("{addr}")}}, 16', errno=errno, pid=pid, fd=fd, addr=addr, port=port, family="AF_INET")
    def clone(self, child, pid=None):
        return self.sc("clone", f"child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD", ret=child, pid=pid)
    def exit(self, code, pid=None):
        p = self.main if pid is None else pid
        self.sc("exit_group", f"{code}", ret=None, pid=pid)
        self.recs[-1]["call"] = f"exit_group({code}) = ?"
        return self.ev(p, kind="exit", code=code, call=f"+++ exited with {code} +++", syscall=None)
    def killed(self, sig, pid=None):
        p = self.main if pid is None else pid
        # A wild address: a fault near zero is a null pointer (crash.null-pointer).
        self.ev(p, kind="signal", signal=sig, call=f"--- {sig} {{si_signo={sig}, si_code=SEGV_MAPERR, si_addr=0x7f3a2c001000}} ---")
        return self.ev(p, kind="killed", signal=sig, call=f"+++ killed by {sig} (core dumped) +++")
    def end(self, code=None, signal=None, oom=False, alive=(), dur=120):
        self.recs.append({"type": "end", "exit": {"code": code, "signal": signal, "oom_killed": oom},
                          "events": self.seq, "dropped": 0, "processes": len(self.pids), "alive": list(alive),
                          "stdout_tail": self.stdout[-50:], "stderr_tail": self.stderr[-50:], "duration_ms": dur})
        return self
    def text(self):
        return "".join(json.dumps(r) + "\n" for r in self.recs)

def failing(argv, stderr, code=1, path=None, stdout=None):
    """A program that starts, says `stderr` (and `stdout`) and exits with `code`."""
    path = path or (argv[0] if argv[0].startswith("/") else "/usr/bin/" + argv[0])
    t = T(argv); t.start(path, argv)
    if stdout: t.write(1, stdout)
    t.write(2, stderr); t.exit(code); return t.end(code)

def toml_val(v):
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, (int,)): return str(v)
    if isinstance(v, list): return "[" + ", ".join(toml_val(x) for x in v) + "]"
    if isinstance(v, dict): return "{ " + ", ".join(f"{k} = {toml_val(x)}" for k, x in v.items()) + " }"
    return json.dumps(v)

def fixture(rule, kind, mentions, catches, catches_not, obs=None, not_obs=None, rank=None):
    d = os.path.join(ROOT, rule)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "catches.jsonl"), "w").write(catches.text())
    open(os.path.join(d, "catches-not.jsonl"), "w").write(catches_not.text())
    lines = ["[catches]", f"kind = {toml_val(kind)}", f"mentions = {toml_val(mentions)}"]
    if rank:
        lines.append(f"rank = {rank}")
    if obs:
        lines.append("[catches.observation]")
        lines += [f"{k} = {toml_val(v)}" for k, v in obs.items()]
    if not_obs:
        lines.append("[catches_not.observation]")
        lines += [f"{k} = {toml_val(v)}" for k, v in not_obs.items()]
    open(os.path.join(d, "expect.toml"), "w").write("\n".join(lines) + "\n")

def ev_missing(path):
    return {"path": path, "exists": False, "notes": [f"{path} does not exist"], "process_uid": 0,
            "nearest_parent": {"path": os.path.dirname(path) or "/", "mode": 0o755, "uid": 0, "gid": 0}}

def ev_elf(path, interp="/lib64/ld-linux-x86-64.so.2", interp_exists=True, machine="x86_64", runnable=True, truncated=False, mode=0o755):
    return {"path": path, "exists": True, "file_type": "file", "mode": mode, "uid": 0, "gid": 0, "size": 2048000, "magic": "elf",
            "elf": {"class": "ELF64", "machine": machine, "runnable_machine": runnable, "interpreter": interp,
                    "interpreter_exists": interp_exists, "needed": ["libc.so.6"], "truncated": truncated},
            "mount": {"mount_point": "/", "fs_type": "overlay", "read_only": False, "noexec": False, "nosuid": False},
            "process_uid": 0}

def ev_script(path, line, interp, interp_exists, cr=False, mode=0o755):
    return {"path": path, "exists": True, "file_type": "file", "mode": mode, "uid": 0, "gid": 0, "size": 300, "magic": "script",
            "shebang": {"line": line, "interpreter": interp, "interpreter_exists": interp_exists, "trailing_cr": cr},
            "mount": {"mount_point": "/", "fs_type": "overlay", "read_only": False, "noexec": False, "nosuid": False},
            "process_uid": 0}

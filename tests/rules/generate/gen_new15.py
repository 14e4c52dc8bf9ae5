from lib import *

CLONE = "child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f3a"

def supervisor(limits, errno="EAGAIN"):
    """A shell that starts workers until a fork is refused (`limits`: what the runner read)."""
    t = T(["/start.sh"]); t.start("/bin/sh", ["/start.sh"])
    for child in (7, 8, 9):
        t.clone(child)
    kw = {"limits": limits} if limits else {}
    t.sc("clone", CLONE, errno=errno, **kw)
    t.write(2, "/start.sh: line 0: can't fork: Resource temporarily unavailable\n" if errno == "EAGAIN"
            else "/start.sh: line 0: can't fork: Out of memory\n")
    t.exit(2); return t.end(2, alive=(7, 8, 9))

PIDS = {"reached": "pids", "pids_max": 4, "pids_current": 4, "nproc": 96365, "uid": 0}
NPROC = {"reached": "nproc", "pids_max": 4096, "pids_current": 4, "nproc": 4, "uid": 1000, "uid_tasks": 4}
UNKNOWN = {"reached": "unknown", "nproc": 96365, "uid": 0}

# proc.pids-limit: a supervisor under `--pids-limit 4`
fixture("proc.pids-limit", "too-many-processes", ["limit of 4 processes", "4 in use"],
        supervisor(PIDS),
        # The user's own limit refused it while the cgroup had room.
        supervisor(NPROC))

# proc.nproc-limit: uid 1000 with `--ulimit nproc=4`
fixture("proc.nproc-limit", "too-many-processes", ["uid 1000", "`ulimit -u` 4"],
        supervisor(NPROC),
        # The container's limit, for root: no user limit binds root.
        supervisor(PIDS))

# proc.limit-reached: a strace log (no limits read) or a limit of the host
fixture("proc.limit-reached", "too-many-processes", ["clone failed with EAGAIN"],
        supervisor(None),
        # A fork refused for want of memory: no process limit.
        supervisor(None, errno="ENOMEM"))

# proc.limit-stderr: the JVM cannot start a thread (the clone3 is out of a filtered log)
fixture("proc.limit-stderr", "too-many-processes", ["unable to create native thread"],
        failing(["java", "-jar", "/app/app.jar"],
                "[0.412s][warning][os,thread] Failed to start thread \"Unknown thread\" - pthread_create failed (EAGAIN) for attributes: stacksize: 1024k.\n"
                "Exception in thread \"main\" java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached\n"),
        # The heap itself ran out: app.heap-exhausted's case.
        failing(["java", "-jar", "/app/app.jar"],
                "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n"))

def opener(path, errno, stderr, flags="O_RDWR", evidence=None):
    """A start script that opens `path` and stops when that fails with `errno`."""
    t = T(["/start.sh"]); t.start("/bin/sh", ["/start.sh"])
    t.open(path, flags=flags, errno=errno, evidence=evidence)
    t.write(2, stderr); t.exit(1); return t.end(1)

# file.device-missing: a VPN client started without `--device /dev/net/tun`
fixture("file.device-missing", "missing-file", ["`/dev/net/tun`", "--device"],
        opener("/dev/net/tun", "ENOENT", "openvpn: Cannot open TUN/TAP dev /dev/net/tun: No such file or directory (errno=2)\n",
               evidence={"path": "/dev/net/tun", "exists": False,
                         "nearest_parent": {"path": "/dev", "mode": 0o755, "uid": 0, "gid": 0}}),
        # A lock in /dev/shm that the program makes itself: no device.
        opener("/dev/shm/app.lock", "ENOENT", "app: cannot open lock /dev/shm/app.lock: No such file or directory\n"))

# file.device-not-allowed: an entrypoint's mknod of /dev/fuse, then the open
fixture("file.device-not-allowed", "missing-capability", ["`/dev/fuse`", "c 10:229"],
        opener("/dev/fuse", "EPERM", "fuse: failed to open /dev/fuse: Operation not permitted\n",
               evidence={"path": "/dev/fuse", "exists": True, "file_type": "char-device", "device": "c 10:229",
                         "mode": 0o666, "uid": 0, "gid": 0}),
        # A serial port the user's groups may not use: plain permissions, not the device cgroup.
        opener("/dev/ttyUSB0", "EACCES", "modbus: cannot open /dev/ttyUSB0: Permission denied\n",
               evidence={"path": "/dev/ttyUSB0", "exists": True, "file_type": "char-device", "device": "c 188:0",
                         "mode": 0o660, "uid": 0, "gid": 20}))

def creator(path, stderr, uid=4242):
    """A tool run as a uid without an account that creates `path` and is refused."""
    t = T(["pip", "install", "-r", "requirements.txt"], uid=uid); t.start("/usr/local/bin/pip", ["pip", "install", "-r", "requirements.txt"])
    t.sc("mkdir", f'"{path}", 0777', errno="EACCES", path=path,
         evidence={"path": path, "exists": False, "process_uid": uid, "process_gid": uid,
                   "nearest_parent": {"path": "/", "mode": 0o755, "uid": 0, "gid": 0}})
    t.write(2, stderr); t.exit(1); return t.end(1)

# file.home-is-root: pip under `--user 4242`, HOME=/
fixture("file.home-is-root", "permission-denied", ["home directory is `/`", "`/.cache`"],
        creator("/.cache", "ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: '/.cache'\n"),
        # A data directory at the top: the image's layout, not the home directory.
        creator("/data", "ERROR: [Errno 13] Permission denied: '/data'\n"))

def raiser(errno, resource="RLIMIT_NOFILE", value="64*1024"):
    """An entrypoint whose `ulimit` raise gets `errno` (None: it is allowed)."""
    t = T(["/docker-entrypoint.sh", "haproxy"]); t.start("/bin/sh", ["/docker-entrypoint.sh", "haproxy"])
    t.sc("prlimit64", f"0, {resource}, {{rlim_cur={value}, rlim_max={value}}}, NULL", errno=errno)
    if errno:
        t.write(2, "/docker-entrypoint.sh: 3: ulimit: error setting limit (Operation not permitted)\n")
        t.exit(2); return t.end(2)
    t.write(2, "haproxy: cannot bind socket [0.0.0.0:80]\n"); t.exit(1); return t.end(1)

# cap.raise-limit: `ulimit -n 65536` in an entrypoint, above the container's hard limit
fixture("cap.raise-limit", "missing-capability", ["`nofile`", "hard limit"],
        raiser("EPERM"),
        # The raise was allowed (the container got the limit); the server failed on its own.
        raiser(None))

# docker.ulimit-refused: `--ulimit memlock=-1:-1` on an engine that may not raise memlock
fixture("docker.ulimit-refused", "docker-error", ["`--ulimit`", "resource 8"], T(["/app/server"]), T(["/app/server"]),
        obs={"docker_error": "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 8: operation not permitted: unknown"},
        # Another refusal at the same step: a device that is not there.
        not_obs={"docker_error": "Error response from daemon: error gathering device information while adding custom device \"/dev/nosuch\": no such file or directory"})

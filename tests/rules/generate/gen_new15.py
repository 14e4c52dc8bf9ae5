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

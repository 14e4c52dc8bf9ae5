from lib import *

# cap.untraced-refusal: EPERM on stderr, every traced call succeeded
def refused(stderr, extra=None):
    t = T(["/app/server"]); t.start("/app/server", ["/app/server"])
    t.open("/etc/app/config.toml", ret=3)
    if extra: extra(t)
    t.write(2, stderr); t.exit(1); return t.end(1)
fixture("cap.untraced-refusal", "missing-capability", ["io_uring_setup: Operation not permitted"],
        refused("Error: io_uring_setup: Operation not permitted\n"),
        # The refusal is in the trace: the rules for that call explain it.
        refused("Error: /data: Operation not permitted\n",
                extra=lambda t: t.sc("chown", '"/data", 1000, 1000', ret=-1, errno="EPERM", path="/data")))

from lib import *

# app.redis-config: Redis's config error report; the quoted directive and the reason after it
BANNER = "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n"
def redis(stderr):
    t = T(["redis-server", "/etc/redis/redis.conf"]); t.start("/usr/local/bin/redis-server", ["redis-server", "/etc/redis/redis.conf"])
    t.open("/etc/redis/redis.conf", ret=3)
    t.write(2, stderr); t.exit(1); return t.end(1)
fixture("app.redis-config", "app-error", ["bind-address 0.0.0.0", "Bad directive or wrong number of arguments"],
        redis(BANNER + ">>> 'bind-address 0.0.0.0'\nBad directive or wrong number of arguments\n"),
        # Another program's fatal error: no quoted directive.
        redis("*** FATAL ERROR: out of cheese ***\n"))

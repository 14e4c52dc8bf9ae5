from lib import *

# exec.shell-required-file-script (bash 5.1+)
t = T(["/bin/bash", "-c", "./run.sh"]); t.start("/bin/bash", ["/bin/bash", "-c", "./run.sh"])
t.execve("/srv/run.sh", ["./run.sh"], errno="ENOENT"); t.write(2, "bash: line 1: ./run.sh: cannot execute: required file not found\n"); t.exit(127); t.end(127)
n = T(["/bin/bash", "-c", "./server"]); n.start("/bin/bash", ["/bin/bash", "-c", "./server"])
n.execve("/srv/server", ["./server"], errno="ENOENT"); n.write(2, "bash: line 1: ./server: cannot execute: required file not found\n"); n.exit(127); n.end(127)
fixture("exec.shell-required-file-script", "bad-shebang", ["./run.sh"], t, n)

# exec.shell-required-file
t = n
n2 = T(["/bin/bash", "-c", "./server"]); n2.start("/bin/bash", ["/bin/bash", "-c", "./server"])
n2.execve("/srv/server", ["./server"], errno="ENOENT"); n2.write(2, "bash: line 1: ./server: No such file or directory\n"); n2.exit(127); n2.end(127)
fixture("exec.shell-required-file", "missing-interpreter", ["./server"], t, n2)

# exec.present-script-enoent
t = T(["/bin/sh", "-c", "./run.sh"]); t.start("/bin/sh", ["/bin/sh", "-c", "./run.sh"])
t.execve("./run.sh", ["./run.sh"], errno="ENOENT"); t.stat("./run.sh"); t.write(2, "sh: 1: ./run.sh: not found\n"); t.exit(127); t.end(127)
n = T(["/bin/sh", "-c", "./run.sh"]); n.start("/bin/sh", ["/bin/sh", "-c", "./run.sh"])
n.execve("./run.sh", ["./run.sh"], errno="ENOENT"); n.stat("./run.sh", errno="ENOENT"); n.write(2, "sh: 1: ./run.sh: not found\n"); n.exit(127); n.end(127)
fixture("exec.present-script-enoent", "bad-shebang", ["./run.sh"], t, n)

# lib.missing-trace: stderr cut short as in a pasted log
LIBDIRS = ["/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v2", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"]
t = T(["./uses-foo"]); t.execve("./uses-foo", ["./uses-foo"]); t.open("/etc/ld.so.cache")
for d in LIBDIRS: t.open(f"{d}/libfoo.so.1", errno="ENOENT")
t.sc("write", '2, "./uses-foo: error while loading "..., 115', ret=115, fd=2, data="./uses-foo: error while loading ")
t.exit(127); t.end(127)
n = T(["./uses-foo"]); n.execve("./uses-foo", ["./uses-foo"]); n.open("/etc/ld.so.cache")
for d in LIBDIRS[:2]: n.open(f"{d}/libfoo.so.1", errno="ENOENT")
n.open(f"{LIBDIRS[2]}/libfoo.so.1"); n.open("/etc/app.conf", errno="ENOENT"); n.write(2, "app: cannot open /etc/app.conf\n"); n.exit(127); n.end(127)
fixture("lib.missing-trace", "missing-library", ["libfoo.so.1"], t, n)

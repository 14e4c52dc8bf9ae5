#!/bin/sh
# Records the real strace logs under tests/strace-logs/ with the installed strace (6.x), one per
# decoration variant. Run from anywhere; it works in a scratch directory and copies the logs here.
# The hand-made variants (wrapped, quoted, localised, mid-trace...) live next to them as *.txt.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
two='ls /nope; cat /etc/hostname'

# -f to a file: a pid column on every line.
strace -f -o f.log sh -c "$two" >/dev/null 2>&1 || true
# -f to stderr: `[pid N]` prefixes once there are two processes, program output mixed in.
strace -f sh -c "$two" >stderr.log 2>&1 || true
# -ff -o: one file per process, concatenated, and with `tail`'s headers.
mkdir ff && strace -ff -o ff/t sh -c "$two" >/dev/null 2>&1 || true
cat ff/t.* >ff-cat.log
tail -n +1 ff/t.* >ff-headers.log
# Timestamps and durations.
strace -f -tt -o tt.log sh -c "$two" >/dev/null 2>&1 || true
strace -f -ttt -o ttt.log sh -c "$two" >/dev/null 2>&1 || true
strace -f -r -o r.log sh -c "$two" >/dev/null 2>&1 || true
strace -f -T -o T.log sh -c "$two" >/dev/null 2>&1 || true
# fd decorations and short strings.
strace -f -y -o y.log sh -c "$two" >/dev/null 2>&1 || true
strace -f -yy -s 32 -o yy-s32.log sh -c "$two" >/dev/null 2>&1 || true
# A refused connection (IPv4 and IPv6), all decorations at once.
strace -f -tt -T -yy -o connect.log busybox nc 127.0.0.1 5432 </dev/null >/dev/null 2>&1 || true
strace -f -o connect6.log busybox nc ::1 5433 </dev/null >/dev/null 2>&1 || true
# Relative paths after a chdir, a missing program, a signal of its own, a kill, a daemon.
strace -f -o chdir.log sh -c 'cd /etc && cat hostname nope-relative' >/dev/null 2>&1 || true
strace -f -o exec-missing.log sh -c '/opt/app/bin/server --port 80' >/dev/null 2>&1 || true
strace -o segv.log sh -c 'kill -SEGV $$' >/dev/null 2>&1 || true
strace -o sigkill.log sh -c 'kill -KILL $$' >/dev/null 2>&1 || true
strace -f -o daemon.log sh -c 'sleep 1 & exit 0' >/dev/null 2>&1 || true
# Syscall numbers, instruction pointers (a process's end has `[????????????????]`) and times.
strace -f -n -i -tt -o n-i.log sh -c "$two" >/dev/null 2>&1 || true
# Command names after the pids.
strace -f --decode-pids=comm -o comm.log sh -c "$two" >/dev/null 2>&1 || true
# -e trace=... abbreviated output.
strace -f -e trace=execve,openat,write -o filtered.log sh -c "$two" >/dev/null 2>&1 || true

# A refused connection the way Go, Node and Python with a timeout make it: non-blocking, its
# outcome reported later by getsockopt(SO_ERROR).
strace -f -o nonblocking-connect.log /usr/bin/python3 -c 'import socket; socket.create_connection(("127.0.0.1", 6379), timeout=2)' >/dev/null 2>&1 || true
# A name that resolves nowhere, the way Python says it: `Name or service not known`, no name.
# The name is in the DNS query glibc sent (sendmmsg), read from the quoted buffer.
strace -f -o dns-python.log /usr/bin/python3 -c 'import socket; socket.create_connection(("orders-db", 5432), timeout=2)' >/dev/null 2>&1 || true

for log in *.log; do
    # Keep the logs free of this machine's scratch path.
    sed "s|$work|/tmp/work|g" "$log" >"$here/$log"
done
echo "recorded: $(ls "$work"/*.log | wc -l) logs into $here"

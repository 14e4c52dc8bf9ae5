#!/bin/sh
# A fork/exec-heavy workload for scripts/bench: ITERATIONS (default 300) rounds of running
# /bin/true and cat-ing a small file, each a fork plus an exec of a dynamically linked program.
n=${1:-300}
file=$(mktemp)
trap 'rm -f "$file"' EXIT
echo "a small file" >"$file"
i=0
while [ "$i" -lt "$n" ]; do
    /bin/true
    cat "$file" >/dev/null
    i=$((i + 1))
done

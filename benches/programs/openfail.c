/* A syscall-heavy workload for scripts/bench: many failing opens (which every tracer stops on)
 * mixed with getpid and read calls (which a seccomp prefilter lets pass without a stop).
 * Usage: openfail [OPENS [OTHERS]]; defaults 200000 and 200000. Exits 0 when every open failed
 * as expected, 1 otherwise, so a broken tracer cannot go unnoticed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long opens = argc > 1 ? atol(argv[1]) : 200000;
    long others = argc > 2 ? atol(argv[2]) : 200000;
    int zero = open("/dev/zero", O_RDONLY);
    if (zero < 0) {
        perror("/dev/zero");
        return 1;
    }
    long unexpected = 0;
    char byte;
    for (long i = 0; i < opens || i < others; i++) {
        if (i < opens) {
            /* Raw syscall: glibc's open() may go through a cache-free path anyway, but this keeps
             * the count exact. */
            long fd = syscall(SYS_openat, AT_FDCWD, "/nonexistent/docker-diagnose-bench", O_RDONLY);
            if (fd >= 0 || errno != ENOENT)
                unexpected++;
        }
        if (i < others) {
            syscall(SYS_getpid);
            if (read(zero, &byte, 1) != 1)
                unexpected++;
        }
    }
    close(zero);
    if (unexpected) {
        fprintf(stderr, "openfail: %ld unexpected results\n", unexpected);
        return 1;
    }
    return 0;
}

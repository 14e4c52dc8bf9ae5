/* What a program can tell of its privileges, for comparing a traced container with a bare one.
 * "show": its capability sets (/proc/self/status) and what the calls Docker's seccomp profile
 * opens only to CAP_SYS_PTRACE answer. "drop-user PATH": becomes nobody (65534) without an
 * exec, as servers do, then opens PATH; exits 1 with a message when that fails. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void call(const char *name, long nr, long a, long b) {
    long r = syscall(nr, a, b, 0, 0, 0);
    printf("%s: %s\n", name, r < 0 ? strerror(errno) : "allowed");
}

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "show")) {
        FILE *f = fopen("/proc/self/status", "r");
        char line[256];
        while (f && fgets(line, sizeof line, f))
            if (!strncmp(line, "Cap", 3)) fputs(line, stdout);
        call("kcmp", SYS_kcmp, getpid(), getpid());
        call("pidfd_getfd", SYS_pidfd_getfd, -1, 0);
        call("process_madvise", SYS_process_madvise, -1, 0);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "drop-user")) {
        if (setgid(65534) || setuid(65534)) {
            perror("setuid");
            return 3;
        }
        if (open(argv[2], O_RDONLY) < 0) {
            fprintf(stderr, "cannot read %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
        return 0;
    }
    return 2;
}

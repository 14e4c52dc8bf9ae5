/* Path lookups whose result the runner may predict at the seccomp stop (missing files, stats of
 * files found) and lookups it must not predict (another errno first, a stat buffer the kernel
 * cannot write, a file that appears, a created file, a path through /proc/self).
 * Each call is a raw syscall on a path under DIR, and prints `SYSCALL ERRNO-NAME` (or `OK`) as
 * the program itself saw it, in order (calls without a path under DIR are not printed): the test compares the runner's record with these lines.
 * Usage: lookups DIR. As root it finally drops to nobody and looks inside a root-only directory
 * (EACCES for the program, ENOENT for a root tracer). Exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *call, long ret) {
    printf("%s %s\n", call, ret < 0 ? strerrorname_np(errno) : "OK");
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    char p[4096];
    const char *dir = argv[1];
    struct stat st;
    char buf[64];
#define AT(name) (snprintf(p, sizeof p, "%s/%s", dir, name), p)

    report("openat", syscall(SYS_openat, AT_FDCWD, AT("missing"), O_RDONLY));
    report("openat", syscall(SYS_openat, AT_FDCWD, AT("no/such/dir/file"), O_RDONLY));
    report("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, AT("missing"), &st, 0));
    report("access", syscall(SYS_access, AT("missing"), F_OK));
    report("access", syscall(SYS_access, AT("missing"), 8)); /* EINVAL before the lookup */
    report("readlink", syscall(SYS_readlink, AT("missing"), buf, sizeof buf));
    report("readlink", syscall(SYS_readlink, AT("missing"), buf, 0)); /* EINVAL */

    /* A regular file used as a directory: ENOTDIR, not ENOENT. */
    long fd = syscall(SYS_openat, AT_FDCWD, AT("file"), O_CREAT | O_WRONLY, 0644);
    report("openat", fd);
    close(fd);
    report("openat", syscall(SYS_openat, AT_FDCWD, AT("file/missing"), O_RDONLY));

    /* Found: a stat succeeds, unless the kernel cannot write its buffer (EFAULT); access F_OK
     * succeeds, access X_OK on a 0644 file is refused, even to root. */
    report("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, AT("file"), &st, 0));
    report("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, AT("file"), (void *)8, 0));
    report("access", syscall(SYS_access, AT("file"), F_OK));
    report("access", syscall(SYS_access, AT("file"), X_OK));

    /* A dangling symbolic link: followed it is ENOENT; not followed, it exists (or ELOOP). */
    if (symlink("target-missing", AT("dangling")) != 0)
        return 3;
    report("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, AT("dangling"), &st, 0));
    report("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, AT("dangling"), &st, AT_SYMLINK_NOFOLLOW));
    report("openat", syscall(SYS_openat, AT_FDCWD, AT("dangling"), O_RDONLY | O_NOFOLLOW));
    report("readlink", syscall(SYS_readlink, AT("dangling"), buf, sizeof buf));

    /* Relative to a directory descriptor, to a bad one, and to the working directory. */
    long dirfd = syscall(SYS_openat, AT_FDCWD, dir, O_RDONLY | O_DIRECTORY);
    report("openat", dirfd);
    report("openat", syscall(SYS_openat, dirfd, "missing-via-dirfd", O_RDONLY));
    report("openat", syscall(SYS_openat, dirfd, "../no-such-dir-docker-diagnose/x", O_RDONLY));
    long filefd = syscall(SYS_openat, AT_FDCWD, AT("file"), O_RDONLY);
    report("openat", filefd);
    report("openat", syscall(SYS_openat, filefd, "x", O_RDONLY)); /* ENOTDIR */
    report("openat", syscall(SYS_openat, 987, "x", O_RDONLY));    /* EBADF */
    report("chdir", syscall(SYS_chdir, dir));
    report("openat", syscall(SYS_openat, AT_FDCWD, "missing-in-cwd", O_RDONLY));

    /* A file that appears between two calls, and one that the call itself creates. */
    report("openat", syscall(SYS_openat, AT_FDCWD, AT("appears"), O_RDONLY));
    fd = syscall(SYS_openat, AT_FDCWD, AT("appears"), O_CREAT | O_WRONLY, 0644);
    report("openat", fd);
    close(fd);
    report("openat", syscall(SYS_openat, AT_FDCWD, AT("appears"), O_RDONLY));
    report("openat", syscall(SYS_openat, AT_FDCWD, AT("created"), O_CREAT | O_WRONLY, 0600));

    /* Paths whose answer depends on who asks: /proc/self is the tracer for the tracer, and
     * /dev/fd leads there. The program's descriptor 77 exists for the program alone; 78 exists
     * for nobody. Reached through links under DIR, so the lines are printed. */
    if (dup2(filefd, 77) != 77 || symlink("/proc/self/fd", AT("selffd")) != 0
        || symlink("/dev/fd", AT("devfd")) != 0 || symlink("/proc/self", AT("self")) != 0)
        return 4;
    report("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, AT("selffd/77"), &st, 0));
    report("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, AT("selffd/77"), &st, AT_SYMLINK_NOFOLLOW));
    report("openat", syscall(SYS_openat, AT_FDCWD, AT("devfd/77"), O_RDONLY));
    report("access", syscall(SYS_access, AT("devfd/77"), F_OK));
    report("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, AT("self/fd/77"), &st, 0));
    report("openat", syscall(SYS_openat, AT_FDCWD, AT("devfd/78"), O_RDONLY));
    report("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, AT("self/fd/78"), &st, 0));

    /* Root drops to nobody: a root-only directory answers EACCES to the program, although the
     * (root) tracer would find the file missing inside it. */
    if (geteuid() == 0) {
        report("mkdir", syscall(SYS_mkdir, AT("locked"), 0700));
        if (syscall(SYS_setgroups, 0, NULL) || syscall(SYS_setgid, 65534) || syscall(SYS_setuid, 65534))
            return 5;
        report("access", syscall(SYS_access, AT("locked/missing"), F_OK));
        report("openat", syscall(SYS_openat, AT_FDCWD, AT("locked/missing"), O_RDONLY));
        report("openat", syscall(SYS_openat, AT_FDCWD, AT("missing-as-nobody"), O_RDONLY));
        /* Dumpable again, /proc/self is owned by nobody: a descriptor that is not open there
         * must get evidence about this process's /proc/self/fd, not the tracer's (not printed:
         * outside DIR). */
        prctl(PR_SET_DUMPABLE, 1);
        syscall(SYS_openat, AT_FDCWD, "/proc/self/fd/99", O_RDONLY);
    }
    return 0;
}

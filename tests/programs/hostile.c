/* Odd and hostile programs for the runner's hardening tests (issue 6, item 3). The first
 * argument picks the behaviour; each ends with an exit code of its own so the tests can check
 * that the exit is reported exactly:
 *
 *   threads N        N threads meet at a barrier, then all end; exit 7
 *   sizes            prints "argv BYTES env BYTES" (argv[0] included); exit 3
 *   longpath         opens a 4095-byte path (ENOENT) and a 5000-byte one (ENAMETOOLONG); exit 4
 *   flood N          writes N 4 KiB blocks to stdout and to stderr, alternately (N = 0: for
 *                    ever); exit 5
 *   stats N          N successful stat("/") calls, to outgrow the recorder's bounds, then
 *                    prints "ready" and waits for stdin to close; exit 6
 *   ignore-term      ignores SIGTERM, prints "ready", then answers each line of stdin with
 *                    "pong" until stdin closes; exit 9
 *   term-ignored     ignores SIGTERM, prints "ready", then sleeps for ever
 *   bomb             a fork bomb: every process forks for ever, failures or not
 *   traceme          PTRACE_TRACEME, as anti-debugging code does; prints "traced" (exit 10)
 *                    when it fails, "free" (exit 0) when it succeeds
 *   attach-child     forks a child and PTRACE_ATTACHes to it, as a debugger or a crash
 *                    reporter does; prints "attach failed" (exit 11) or "attached" (exit 0)
 *   forks            forks until fork fails (children wait for the parent to end); prints
 *                    "fork: ..." and exits 12
 *   ids              prints "euid E egid G" and tries to open argv[2] for reading: prints
 *                    "opened" (exit 0) or "open: ERROR" (exit 13)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pthread_barrier_t barrier;

static void *meet(void *arg) {
    (void)arg;
    pthread_barrier_wait(&barrier);
    return NULL;
}

static int threads(int n) {
    pthread_t *t = calloc(n, sizeof *t);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_barrier_init(&barrier, NULL, n + 1);
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], &attr, meet, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    printf("%d threads\n", n);
    return 7;
}

static int sizes(int argc, char **argv) {
    size_t a = 0, e = 0;
    for (int i = 0; i < argc; i++) a += strlen(argv[i]);
    for (char **v = environ; *v; v++) e += strlen(*v);
    printf("argv %zu env %zu\n", a, e);
    return 3;
}

static void open_long(size_t len) {
    char *p = malloc(len + 1);
    memcpy(p, "/tmp/", 5);
    for (size_t i = 5; i < len; i++) p[i] = (i % 100 == 99) ? '/' : 'd';
    p[len] = 0;
    int fd = open(p, O_RDONLY);
    printf("open %zu: %s\n", len, fd < 0 ? strerror(errno) : "ok");
    free(p);
}

static int flood(long n) {
    static char block[4096];
    memset(block, 'x', sizeof block);
    for (size_t i = 63; i < sizeof block; i += 64) block[i] = '\n';
    for (long i = 0; n == 0 || i < n; i++) {
        if (write(1, block, sizeof block) < 0 || write(2, block, sizeof block) < 0) return 1;
    }
    return 5;
}

static void wait_stdin(int answer) {
    char buf[256];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; answer && i < n; i++)
            if (buf[i] == '\n') write(1, "pong\n", 5);
}

static int ignore_term(void) {
    signal(SIGTERM, SIG_IGN);
    printf("ready\n");
    wait_stdin(1);
    return 9;
}

static int traceme(void) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) {
        printf("traced\n");
        return 10;
    }
    printf("free\n");
    return 0;
}

static int attach_child(void) {
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    int ok = ptrace(PTRACE_ATTACH, child, 0, 0) == 0;
    if (ok) {
        waitpid(child, NULL, __WALL);
        ptrace(PTRACE_DETACH, child, 0, 0);
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, __WALL);
    printf(ok ? "attached\n" : "attach failed\n");
    return ok ? 0 : 11;
}

static int forks(void) {
    int gate[2];
    if (pipe(gate) < 0) return 1;
    for (long n = 0;; n++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "fork: %s after %ld children\n", strerror(errno), n);
            return 12; /* the children end with us: their read sees EOF */
        }
        if (pid == 0) {
            char c;
            close(gate[1]);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            read(gate[0], &c, 1);
            _exit(0);
        }
    }
}

static int ids(const char *path) {
    printf("euid %u egid %u\n", geteuid(), getegid());
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("open: %s\n", strerror(errno));
        return 13;
    }
    printf("opened\n");
    return 0;
}

static int bomb(void) {
    printf("ready\n");
    for (;;) fork();
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? atol(argv[2]) : 0;
    if (!strcmp(mode, "threads")) return threads((int)n);
    if (!strcmp(mode, "sizes")) return sizes(argc, argv);
    if (!strcmp(mode, "longpath")) {
        open_long(4095);
        open_long(5000);
        return 4;
    }
    if (!strcmp(mode, "flood")) return flood(n);
    if (!strcmp(mode, "stats")) {
        struct stat st;
        for (long i = 0; i < n; i++) stat("/", &st);
        printf("ready\n");
        wait_stdin(0);
        return 6;
    }
    if (!strcmp(mode, "ignore-term")) return ignore_term();
    if (!strcmp(mode, "term-ignored")) {
        signal(SIGTERM, SIG_IGN);
        printf("ready\n");
        for (;;) pause();
    }
    if (!strcmp(mode, "bomb")) return bomb();
    if (!strcmp(mode, "traceme")) return traceme();
    if (!strcmp(mode, "attach-child")) return attach_child();
    if (!strcmp(mode, "forks")) return forks();
    if (!strcmp(mode, "ids")) return ids(argc > 2 ? argv[2] : "/");
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}

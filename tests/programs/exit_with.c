/* Ends the way its argument says: "code N", "segv", "abort", "kill", "trap-term" (prints
 * "ready", then exits 42 on SIGTERM), "rt" (handles SIGRTMIN+2, then dies of SIGRTMIN+3).
 * Used to compare exits with and without the runner. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_term(int sig) {
    (void)sig;
    static const char msg[] = "got SIGTERM\n";
    write(1, msg, sizeof msg - 1);
    _exit(42);
}

static void on_rt(int sig) {
    (void)sig;
    static const char msg[] = "got SIGRTMIN+2\n";
    write(1, msg, sizeof msg - 1);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    if (!strcmp(argv[1], "code")) return argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(argv[1], "segv")) { volatile int *p = NULL; return *p; }
    if (!strcmp(argv[1], "abort")) abort();
    if (!strcmp(argv[1], "kill")) raise(SIGKILL);
    if (!strcmp(argv[1], "rt")) {
        signal(SIGRTMIN + 2, on_rt);
        raise(SIGRTMIN + 2);
        raise(SIGRTMIN + 3);
        return 0;
    }
    if (!strcmp(argv[1], "trap-term")) {
        signal(SIGTERM, on_term);
        printf("ready\n");
        fflush(stdout);
        for (;;) pause();
    }
    return 2;
}

/* A second thread execs argv[1..] while the main thread waits: the process goes on under the
 * new program, with the same pid. */
#include <pthread.h>
#include <unistd.h>

static char **cmd;

static void *run(void *arg) {
    (void)arg;
    execv(cmd[0], cmd);
    _exit(127);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    cmd = argv + 1;
    pthread_t t;
    pthread_create(&t, NULL, run, NULL);
    for (;;) pause();
}

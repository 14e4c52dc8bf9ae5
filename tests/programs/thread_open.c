/* A thread opens DIR/a and closes it; once it is joined, the main thread opens DIR/b. Each open
 * gets the lowest free descriptor of the table the two threads share.
 * Usage: thread_open DIR. Exits 0 when both opens succeeded. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static const char *dir;
static int failed;

static void *worker(void *arg) {
    (void)arg;
    char path[4096];
    snprintf(path, sizeof path, "%s/a", dir);
    int fd = open(path, O_RDONLY);
    failed |= fd < 0;
    if (fd >= 0)
        close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    dir = argv[1];
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0 || pthread_join(t, NULL) != 0)
        return 3;
    char path[4096];
    snprintf(path, sizeof path, "%s/b", dir);
    int fd = open(path, O_RDONLY);
    return failed || fd < 0;
}

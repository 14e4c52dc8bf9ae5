/* Four threads, each opening a file that does not exist: /tmp/dd-missing-thread-N. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *worker(void *arg) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/dd-missing-thread-%ld", (long)arg);
    int fd = open(path, O_RDONLY);
    if (fd >= 0) close(fd);
    return NULL;
}

int main(void) {
    pthread_t t[4];
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    return 0;
}

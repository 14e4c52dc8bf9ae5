/* A fork+exec chain: forks, the child execs argv[1..], the parent exits with the child's code
 * (or 128+signal). With "vfork" as argv[1] it uses vfork instead. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int use_vfork = argc > 1 && !strcmp(argv[1], "vfork");
    char **cmd = argv + 1 + use_vfork;
    if (!cmd[0]) return 2;
    pid_t pid = use_vfork ? vfork() : fork();
    if (pid == 0) {
        execvp(cmd[0], cmd);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Signals of every sort strace details, each caught so the program goes on: sent by itself
 * with kill, tgkill (raise) and sigqueue; a child's exit and a child's death (SIGCHLD); a bad
 * access (SIGSEGV, left by siglongjmp); a call its own seccomp filter traps (SIGSYS). Exits 0. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf back;

static void caught(int sig) { (void)sig; }
static void fault(int sig) { (void)sig; siglongjmp(back, 1); }

int main(void) {
    struct sigaction quiet = { .sa_handler = caught }, jump = { .sa_handler = fault };
    sigaction(SIGUSR1, &quiet, 0);
    sigaction(SIGUSR2, &quiet, 0);
    sigaction(SIGCHLD, &quiet, 0);
    sigaction(SIGSYS, &quiet, 0);
    sigaction(SIGSEGV, &jump, 0);

    kill(getpid(), SIGUSR1);
    raise(SIGUSR2);
    union sigval seven = { .sival_int = 7 };
    sigqueue(getpid(), SIGUSR1, seven);

    pid_t child = fork();
    if (child == 0)
        _exit(3);
    waitpid(child, 0, 0);
    child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    kill(child, SIGKILL);
    waitpid(child, 0, 0);

    if (sigsetjmp(back, 1) == 0)
        *(volatile int *)0x10 = 1;

    struct sock_filter trap_getppid[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog filter = { 4, trap_getppid };
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter);
    syscall(SYS_getppid);
    return 0;
}

/* Execs itself N times (argv[1] = N, counting down), then exits 8: "one that execs 10,000
 * times". Built with -nostdlib -static so that each exec is as cheap as an exec can be (no libc
 * start-up): the test is about the runner, not about glibc. */
#include <sys/syscall.h>

static long sys3(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

/* Decrements the decimal number in s in place; returns 0 when it was already 0. */
static int decrement(char *s) {
    int len = 0;
    while (s[len]) len++;
    int i = len - 1;
    int zero = 1;
    for (int j = 0; j < len; j++) zero &= s[j] == '0';
    if (zero) return 0;
    while (i >= 0 && s[i] == '0') s[i--] = '9';
    s[i]--;
    return 1;
}

__attribute__((used)) void start_c(long *sp) {
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    if (argc > 1 && decrement(argv[1])) {
        sys3(SYS_execve, (long)"/proc/self/exe", (long)argv, (long)envp);
        sys3(SYS_exit_group, 1, 0, 0);
    }
    sys3(SYS_write, 1, (long)"done\n", 5);
    sys3(SYS_exit_group, 8, 0, 0);
}

__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call start_c\n hlt\n");

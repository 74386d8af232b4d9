/*
 * seccomp_enosys: run a program against the system-call surface of Linux 2.6.32.
 *
 * Usage: seccomp_enosys PROGRAM [ARG...]
 *
 * Installs a seccomp filter that answers ENOSYS to every x86_64 system call numbered 299 or
 * higher (recvmmsg, added in 2.6.33, and everything after it), and to every x32 or non-x86_64
 * call, then executes PROGRAM. The filter is inherited by PROGRAM and by all its threads and
 * children, so the program sees exactly what a 2.6.32 kernel would answer to a newer call.
 * Combine with `setarch x86_64 --uname-2.6` so that uname(2) reports a 2.6 release too.
 *
 * Built by the tests (tests/static_binary.rs) with the system's cc.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

/* The first x86_64 system call a 2.6.32 kernel does not have. */
#define FIRST_NEWER_SYSCALL 299

int main(int argc, char **argv)
{
    struct sock_filter filter[] = {
        /* Other architectures' calling conventions: ENOSYS. */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        /* x32 calls have bit 30 set, so they are >= 299 too. */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, FIRST_NEWER_SYSCALL, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {
        .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
        .filter = filter,
    };

    if (argc < 2) {
        fprintf(stderr, "usage: %s PROGRAM [ARG...]\n", argv[0]);
        return 127;
    }
    /* Lets an unprivileged process install the filter; harmless for root. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fprintf(stderr, "seccomp_enosys: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
        return 127;
    }
    /* prctl(PR_SET_SECCOMP), not seccomp(2): the latter is itself newer than 2.6.32. */
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
        fprintf(stderr, "seccomp_enosys: PR_SET_SECCOMP: %s\n", strerror(errno));
        return 127;
    }
    execv(argv[1], argv + 1);
    fprintf(stderr, "seccomp_enosys: cannot execute %s: %s\n", argv[1], strerror(errno));
    return 127;
}

/* The floor for the ASCII scan benchmark: the least a single thread can do to see every name
 * under some directories. Raw getdents64, openat relative to the parent, d_type only, no stat,
 * no file-system boundary check, no name check. Prints how many entries it read.
 * Build: cc -O2 -o floor_walker floor_walker.c      Run: ./floor_walker /usr /etc */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BUF (32 * 1024)

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static unsigned long long entries;

static void walk(int fd) {
    char *buf = malloc(BUF);
    if (!buf) { close(fd); return; }
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, BUF);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            off += d->d_reclen;
            const char *s = d->d_name;
            if (s[0] == '.' && (s[1] == 0 || (s[1] == '.' && s[2] == 0))) continue;
            entries++;
            if (d->d_type == DT_DIR) {
                int c = openat(fd, s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (c >= 0) walk(c);
            }
        }
    }
    free(buf);
    close(fd);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) walk(fd);
        else perror(argv[i]);
    }
    printf("%llu entries\n", entries);
    return 0;
}

/*
 * newlib's system calls for the tests on the target: the console (stdout
 * and stderr) over semihosting, the heap in the board's 16 MiB PSRAM, exit
 * through semihosting. Everything else (files) is libnosys's "not
 * supported": the tests' simulated flash and store live in RAM.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

#include "semihost.h"

int _write(int fd, const void *buf, int len);
void *_sbrk(ptrdiff_t incr);
void _exit(int status);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);

int _write(int fd, const void *buf, int len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    semihost_print(buf, (uint32_t)len);
    return len;
}

int _fstat(int fd, struct stat *st)
{
    if (fd < 0 || fd > 2) {
        errno = EBADF;
        return -1;
    }
    st->st_mode = S_IFCHR;
    return 0;
}

int _isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

/* From tests.ld: the heap region. */
extern char __heap_start[], __heap_end[];

void *_sbrk(ptrdiff_t incr)
{
    static char *brk = __heap_start;
    if (incr > __heap_end - brk || incr < __heap_start - brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    char *old = brk;
    brk += incr;
    return old;
}

void _exit(int status)
{
    semihost_exit((uint32_t)status);
}

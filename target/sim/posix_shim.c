/*
 * The few POSIX calls the host-side files of the simulator name that newlib
 * does not have on a bare Cortex-M4 (libnosys has the rest): the monotonic
 * clock, from the board's millisecond tick, and the file calls, which fail
 * as libnosys's do: the target build's simulated flash and store live in
 * RAM, never in files (a path given to them fails with OTA_ERR_IO).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "board.h"

int clock_gettime(clockid_t clock_id, struct timespec *tp)
{
    static int started;
    if (!started) {
        started = 1;
        mps2_tick_start();
    }
    uint32_t ms = mps2_millis();
    (void)clock_id;
    tp->tv_sec = (time_t)(ms / 1000u);
    tp->tv_nsec = (long)(ms % 1000u) * 1000000L;
    return 0;
}

int ftruncate(int fd, off_t length)
{
    (void)fd;
    (void)length;
    errno = ENOSYS;
    return -1;
}

int fdatasync(int fd)
{
    (void)fd;
    errno = ENOSYS;
    return -1;
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    (void)fd;
    (void)buf;
    (void)n;
    (void)off;
    errno = ENOSYS;
    return -1;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    (void)fd;
    (void)buf;
    (void)n;
    (void)off;
    errno = ENOSYS;
    return -1;
}

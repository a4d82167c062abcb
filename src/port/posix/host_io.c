/* Whole-buffer positioned I/O: see host_io.h. */
#include "host_io.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

int posix_io_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return OTA_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return OTA_OK;
}

int posix_io_pread_all(int fd, void *buf, size_t len, off_t off)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return OTA_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return OTA_OK;
}

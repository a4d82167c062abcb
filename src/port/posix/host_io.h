/*
 * sysota host port: whole-buffer positioned reads and writes on a file
 * descriptor (retrying short transfers and EINTR), for the parts that keep
 * their state in host files (the file flash, the simulator's bookkeeping).
 */
#ifndef SYSOTA_HOST_IO_H
#define SYSOTA_HOST_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "sysota/ota_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Write all len bytes at offset off. OTA_OK or OTA_ERR_IO. */
int posix_io_pwrite_all(int fd, const void *buf, size_t len, off_t off);

/** Read exactly len bytes at offset off. OTA_OK, or OTA_ERR_IO (also for a file that ends first). */
int posix_io_pread_all(int fd, void *buf, size_t len, off_t off);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_HOST_IO_H */

/*
 * sysota host port: an ota_store_t over one host directory (the external
 * store of a Linux-class device, or of a simulated one).
 *
 * One host file per store file. Names follow the core's store name rule
 * (ota_name_check: 1..OTA_STORE_NAME_MAX bytes of letters, digits and
 * "._+~-", no trailing '.', no '~' before a digit), else OTA_ERR_NAME; files
 * in the directory whose names break the rule are not the store's and list()
 * does not report them. Handles are small integers into a fixed table of
 * POSIX_STORE_DIR_MAX_OPEN files (the core needs one, four while it applies a
 * delta patch); reads and writes are
 * sequential and go straight to the host file (no buffering here: a 64 MiB
 * image streams through at disk speed).
 *
 * Durability, as ota_port.h asks, by default:
 *  - sync() is fsync(2) of the file;
 *  - creating a file (open for WRITE or APPEND of a missing name), rename()
 *    and remove() fsync(2) the directory before they return, so the new
 *    name (or its absence) survives a power cut of the host;
 *  - rename() is rename(2) (atomic, replaces the target), remove() unlink(2).
 * no_fsync skips every fsync(2): for a simulator whose power model is its own
 * (src/sim) and for tests, where the host never loses power.
 *
 * Capacity: an optional byte limit on the sum of the file sizes; a write that
 * would pass it writes nothing and fails with OTA_ERR_NO_SPACE.
 */
#ifndef SYSOTA_STORE_DIR_H
#define SYSOTA_STORE_DIR_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Handles open at once. */
#define POSIX_STORE_DIR_MAX_OPEN 8

/** Configuration of a directory store. */
typedef struct posix_store_dir_config {
    const char *dir;   /**< host directory (created if missing; its parent must exist) */
    uint64_t capacity; /**< byte limit on the sum of file sizes; 0: unlimited */
    bool no_fsync;     /**< true: never fsync(2) (a simulator, tests); default: durable as ota_port.h asks */
} posix_store_dir_config_t;

/* Private: one open handle. */
typedef struct posix_store_dir_handle {
    int fd; /* -1: free slot */
    unsigned flags;
    char name[OTA_STORE_NAME_MAX + 1];
} posix_store_dir_handle_t;

/** One directory store. Fields are private. */
typedef struct posix_store_dir {
    posix_store_dir_config_t cfg;
    char *dir; /* owned copy of cfg.dir */
    int dirfd;
    uint64_t used; /* sum of the sizes of the files */
    posix_store_dir_handle_t handles[POSIX_STORE_DIR_MAX_OPEN];
} posix_store_dir_t;

/**
 * Open the store over cfg->dir (mkdir if missing) and sum the sizes of the
 * regular files already there. Returns OTA_OK, OTA_ERR_INVALID_ARG or
 * OTA_ERR_IO.
 */
int posix_store_dir_open(posix_store_dir_t *st, const posix_store_dir_config_t *cfg);

/**
 * Close every handle and free everything (the files stay).
 * Returns OTA_OK or OTA_ERR_IO.
 */
int posix_store_dir_close(posix_store_dir_t *st);

/** Fill *out with the ota_store_t view of st (ctx = st). Returns OTA_OK. */
int posix_store_dir_port(posix_store_dir_t *st, ota_store_t *out);

/** Sum of the sizes of the store's files, in bytes, as the store accounts it. */
uint64_t posix_store_dir_used(const posix_store_dir_t *st);

/** Handles currently open (a leak check for tests). */
int posix_store_dir_open_handles(const posix_store_dir_t *st);

/**
 * OTA_OK if name (NUL-terminated) follows the core's store name rule, else
 * OTA_ERR_NAME.
 */
int posix_store_dir_check_name(const char *name);

/** True when len more bytes fit under the capacity (always, without one). */
bool posix_store_dir_fits(const posix_store_dir_t *st, uint64_t len);

/**
 * Host-only: cut the file name down to len bytes (no longer than it is),
 * as if the bytes past len had never been written. The simulator uses it
 * to apply what a power cut loses. Returns OTA_OK, OTA_ERR_NAME,
 * OTA_ERR_NOT_FOUND, OTA_ERR_INVALID_ARG (len past the end) or OTA_ERR_IO.
 */
int posix_store_dir_truncate(posix_store_dir_t *st, const char *name, uint64_t len);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_STORE_DIR_H */

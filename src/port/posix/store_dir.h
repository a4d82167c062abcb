/*
 * sysota host port: an ota_store_t over one host directory (the simulated
 * device's external storage: SPI flash with a file system on the target).
 *
 * Names are flat: non-empty, at most OTA_STORE_NAME_MAX bytes, no '/', not
 * "." or "..", no control characters (else OTA_ERR_NAME). Handles are small
 * integers into a fixed table of OTA_STORE_DIR_MAX_OPEN files; reads and
 * writes are sequential. Writes go straight to the host file with write(2)
 * (no buffering here: a 64 MiB image streams through at disk speed); a real
 * fsync(2) is issued only when the config asks for it.
 *
 * Durability model (the contract of ota_port.h, made observable):
 *  - open with OTA_STORE_WRITE creates or truncates at once, and the new
 *    empty file is durable;
 *  - bytes written are volatile until sync() on that file returns OTA_OK;
 *    closing does not sync, and the volatility is tracked per file name, so
 *    it survives close and follows the file through rename;
 *  - at a power cut, every file with volatile bytes is truncated at a
 *    pseudo-random length between its synced length and its current length
 *    (a suffix of the unsynced data is lost), every handle is dropped, and
 *    every later call fails with OTA_ERR_POWER_LOST until the power object
 *    reboots (then the handle table is empty, as after a reset);
 *  - rename and remove are atomic (rename(2), unlink(2)).
 *
 * Counted mutating operations (see power_sim.h): open for WRITE/APPEND,
 * write, sync, close of a handle opened for WRITE/APPEND, rename, remove.
 * The cut victim: SKIP = not done, WHOLE = done, TORN = a write stores a
 * pseudo-random prefix of its data; the other (atomic) operations are
 * either done or not, at random. Calls refused for their arguments
 * (bad name or handle, missing file, capacity) change nothing and are not
 * counted.
 */
#ifndef SYSOTA_STORE_DIR_H
#define SYSOTA_STORE_DIR_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_port.h"
#include "power_sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Handles open at once. */
#define OTA_STORE_DIR_MAX_OPEN 8

/** Configuration of a directory store. */
typedef struct ota_store_dir_config {
    const char *dir;     /**< host directory (created if missing; its parent must exist) */
    uint64_t capacity;   /**< byte limit on the sum of file sizes; 0: unlimited */
    bool fsync;          /**< issue fsync(2) on sync/rename/remove (real durability on the host) */
    ota_power_t *power;  /**< shared power supply; NULL: power never fails */
} ota_store_dir_config_t;

/** Counters since open or the last reset. */
typedef struct ota_store_dir_counters {
    uint64_t ops;           /**< every call of the ota_store_t functions */
    uint64_t mutating_ops;  /**< of which counted as mutating (see above) */
    uint64_t bytes_read;
    uint64_t bytes_written;
} ota_store_dir_counters_t;

/* Private: one open handle. */
typedef struct ota_store_dir_handle {
    int fd;               /* -1: free slot */
    unsigned flags;
    char name[OTA_STORE_NAME_MAX + 1];
} ota_store_dir_handle_t;

/* Private: one file with unsynced bytes. */
typedef struct ota_store_dir_dirty {
    char name[OTA_STORE_NAME_MAX + 1];
    uint64_t synced;      /* durable length */
} ota_store_dir_dirty_t;

/** One directory store. Fields are private. */
typedef struct ota_store_dir {
    ota_store_dir_config_t cfg;
    char *dir;            /* owned copy of cfg.dir */
    int dirfd;
    uint64_t used;        /* sum of the sizes of the files */
    ota_store_dir_handle_t handles[OTA_STORE_DIR_MAX_OPEN];
    ota_store_dir_dirty_t *dirty;
    size_t ndirty, cap_dirty;
    ota_store_dir_counters_t counters;
} ota_store_dir_t;

/**
 * Open the store over cfg->dir (mkdir if missing), sum the sizes of the
 * regular files already there, and register with cfg->power for cuts.
 * Returns OTA_OK, OTA_ERR_INVALID_ARG, OTA_ERR_IO, or OTA_ERR_FULL (the power
 * object has no free listener slot).
 */
int ota_store_dir_open(ota_store_dir_t *st, const ota_store_dir_config_t *cfg);

/**
 * Close every handle, unregister from the power object and free everything.
 * Unsynced data stays in the host files (the host did not lose power).
 * Returns OTA_OK or OTA_ERR_IO.
 */
int ota_store_dir_close(ota_store_dir_t *st);

/** Fill *out with the ota_store_t view of st (ctx = st). Returns OTA_OK. */
int ota_store_dir_port(ota_store_dir_t *st, ota_store_t *out);

/** Copy the counters into *out. Returns OTA_OK. */
int ota_store_dir_counters(const ota_store_dir_t *st, ota_store_dir_counters_t *out);

/** Set every counter to 0. Returns OTA_OK. */
int ota_store_dir_reset_counters(ota_store_dir_t *st);

/** Sum of the sizes of the store's files, in bytes, as the store accounts it. */
uint64_t ota_store_dir_used(const ota_store_dir_t *st);

/** Handles currently open (a leak check for tests). */
int ota_store_dir_open_handles(const ota_store_dir_t *st);

/** OTA_OK if name is a valid flat store name, else OTA_ERR_NAME. */
int ota_store_dir_check_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_STORE_DIR_H */

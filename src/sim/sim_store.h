/*
 * sysota simulator: the external store of a simulated device, with power
 * cuts. It wraps the host port's directory store (store_dir.h), which keeps
 * the files, and makes the durability contract of ota_port.h observable:
 *  - open with OTA_STORE_WRITE truncates at once, and the truncation is
 *    durable;
 *  - bytes written are volatile until sync() on that file returns OTA_OK;
 *    closing does not sync, and the volatility is tracked per file name, so
 *    it survives close and follows the file through rename;
 *  - at a power cut (of the store or of the flash: one power object), every
 *    file with volatile bytes is cut down to a pseudo-random length between
 *    its synced length and its current length (a suffix of the unsynced
 *    data is lost), every handle is dropped, and every later call fails
 *    with OTA_ERR_POWER_LOST until the power object reboots (the handle
 *    table is then empty, as after a reset);
 *  - rename and remove are atomic: done or not.
 *
 * Counted mutating operations (sim_power.h): open for WRITE/APPEND, write,
 * sync of a writer, close of a writer, rename, remove; each goes through the
 * one cut protocol, sim_power_run(). The cut victim: SKIP = not done,
 * WHOLE = done, TORN = a write stores a pseudo-random prefix of its data,
 * a close is done either way (the cut drops the handle anyhow), and the
 * other (atomic) operations are done or not at random. Calls refused for
 * their arguments (bad name or handle, missing file, capacity) change
 * nothing and are not counted.
 */
#ifndef SYSOTA_SIM_STORE_H
#define SYSOTA_SIM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_port.h"
#include "sim_power.h"
#include "store_dir.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Counters since open or the last reset. */
typedef struct sim_store_counters {
    uint64_t ops;          /**< every call of the ota_store_t functions */
    uint64_t mutating_ops; /**< of which counted as mutating (see above) */
    uint64_t bytes_read;
    uint64_t bytes_written;
} sim_store_counters_t;

/* Private: what the wrapper knows of one handle of the directory store. */
typedef struct sim_store_handle {
    bool open;
    unsigned flags;
    char name[OTA_STORE_NAME_MAX + 1];
} sim_store_handle_t;

/* Private: one file with unsynced bytes. */
typedef struct sim_store_dirty {
    char name[OTA_STORE_NAME_MAX + 1];
    uint64_t synced; /* durable length */
} sim_store_dirty_t;

/** One simulated store. Fields are private. */
typedef struct sim_store {
    posix_store_dir_t *dir; /* the files */
    ota_store_t under;      /* dir's port */
    sim_power_t *power;     /* NULL: power never fails */
    sim_store_handle_t handles[POSIX_STORE_DIR_MAX_OPEN];
    sim_store_dirty_t *dirty;
    size_t ndirty, cap_dirty;
    sim_store_counters_t counters;
} sim_store_t;

/**
 * Wrap dir (open, and left open by sim_store_close) with power (NULL:
 * never cut; counters only) and register for its cuts. Returns OTA_OK,
 * OTA_ERR_INVALID_ARG, or OTA_ERR_FULL (the power object has no free
 * listener slot).
 */
int sim_store_open(sim_store_t *ss, posix_store_dir_t *dir, sim_power_t *power);

/**
 * Close every handle and unregister from the power object. Unsynced data
 * stays in the host files (the host did not lose power). Returns OTA_OK.
 */
int sim_store_close(sim_store_t *ss);

/** Fill *out with the ota_store_t view of ss (ctx = ss). Returns OTA_OK. */
int sim_store_port(sim_store_t *ss, ota_store_t *out);

/** Copy the counters into *out. Returns OTA_OK. */
int sim_store_counters(const sim_store_t *ss, sim_store_counters_t *out);

/** Set every counter to 0. Returns OTA_OK. */
int sim_store_reset_counters(sim_store_t *ss);

/** Handles currently open (a leak check for tests). */
int sim_store_open_handles(const sim_store_t *ss);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_SIM_STORE_H */

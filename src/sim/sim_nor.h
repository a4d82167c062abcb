/*
 * sysota simulator: a NOR flash model behind an ota_flash_t, with power cuts.
 *
 * It wraps the host port's file flash (flash_file.h), which holds the bytes
 * (in memory, or written through to a file so that a simulator process that
 * exits leaves the device's state behind) and enforces the NOR rules that
 * can be read from the bytes: erase to 0xFF, program only clears bits
 * (OTA_ERR_FLASH_BITS otherwise, writing nothing), alignment, range, and
 * sectors uniform or from a sector map (reported through ota_flash_t.sector,
 * so the core runs on an STM32F4-like geometry).
 *
 * On top of that, the model adds what a real part does but a file cannot:
 *  - a write unit programmed twice between erases is counted as a violation
 *    and, in strict mode, refused (ECC flash such as PIC32MZ cannot do it at
 *    all). The bookkeeping lives in a sidecar file "<path>.wu" (one byte per
 *    write unit) so strict mode holds across processes too;
 *  - with a power object (sim_power.h), erase and program are counted
 *    mutating operations and may be the victim of a cut:
 *     - SKIP:  nothing changes;
 *     - WHOLE: the operation completes;
 *     - TORN program: a random number of whole write units is programmed,
 *       then the next write unit gets a random subset of the bit clears the
 *       data asked for (never a bit the data would not clear), the rest is
 *       untouched; the torn unit counts as programmed;
 *     - TORN erase: each byte of the sector independently keeps its old
 *       value or becomes 0xFF (a half-done erase); a write unit counts as
 *       erased only if it ended all 0xFF.
 * Calls rejected for their arguments (alignment, range, bits, reprogram in
 * strict mode) change nothing and are not counted as operations.
 */
#ifndef SYSOTA_SIM_NOR_H
#define SYSOTA_SIM_NOR_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_port.h"
#include "flash_file.h"
#include "sim_power.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Geometry and backing of one simulated flash. */
typedef struct sim_nor_config {
    uint32_t size;                      /**< bytes, a multiple of sector_size; with a sector map, 0 or its total */
    uint32_t sector_size;               /**< uniform sectors: a power of two; ignored with a sector map */
    uint32_t write_unit;                /**< a power of two dividing every sector */
    const posix_flash_file_run_t *runs; /**< sector map (see flash_file.h); NULL: uniform */
    size_t nruns;
    bool strict;        /**< refuse a second program of a write unit between erases */
    const char *path;   /**< NULL: in memory; else the backing file (copied) */
    sim_power_t *power; /**< shared power supply; NULL: power never fails */
} sim_nor_config_t;

/** Operation counters (successful and victim operations). */
typedef struct sim_nor_counters {
    uint64_t reads;
    uint64_t bytes_read;
    uint64_t erases;
    uint64_t programs;
    uint64_t bytes_programmed;
    uint64_t violations; /**< write units programmed twice between erases */
} sim_nor_counters_t;

/** One simulated flash. Fields are private. */
typedef struct sim_nor {
    sim_nor_config_t cfg;
    posix_flash_file_t file; /* the bytes and the NOR rules */
    ota_flash_t under;       /* file's port */
    uint8_t *wu;             /* one byte per write unit: 1 = programmed since erase */
    int wu_fd;               /* sidecar file, -1 in memory */
    sim_nor_counters_t counters;
} sim_nor_t;

/**
 * Create a flash from cfg. In memory it starts erased (0xFF). With a path,
 * the file is created filled with 0xFF if missing, or reopened with its
 * contents (its size must equal cfg->size); the sidecar "<path>.wu" is
 * created or reopened likewise (if it is missing, a write unit counts as
 * programmed when any of its bytes is not 0xFF).
 * Returns OTA_OK, OTA_ERR_INVALID_ARG (bad geometry, size mismatch) or
 * OTA_ERR_IO.
 */
int sim_nor_open(sim_nor_t *sim, const sim_nor_config_t *cfg);

/** Release memory and close the files (their contents stay). Returns OTA_OK or OTA_ERR_IO. */
int sim_nor_close(sim_nor_t *sim);

/** Fill *out with the ota_flash_t view of sim (ctx = sim). Returns OTA_OK. */
int sim_nor_port(sim_nor_t *sim, ota_flash_t *out);

/** Copy the counters into *out. Returns OTA_OK. */
int sim_nor_counters(const sim_nor_t *sim, sim_nor_counters_t *out);

/** Set every counter to 0. Returns OTA_OK. */
int sim_nor_reset_counters(sim_nor_t *sim);

/**
 * The device contents, for tests and tools to inspect (size bytes, read
 * only: writing through it would bypass the file and the NOR rules).
 */
const uint8_t *sim_nor_data(const sim_nor_t *sim);

/**
 * Factory programming: write len bytes at addr as an external programmer
 * would (erased device assumed: bytes are stored as given, the write units
 * touched are marked programmed). No NOR rules, no power, no counters.
 * Returns OTA_OK, OTA_ERR_RANGE or OTA_ERR_IO.
 */
int sim_nor_load(sim_nor_t *sim, uint32_t addr, const void *data, uint32_t len);

/**
 * Erase the whole device to 0xFF as an external programmer would (no power,
 * no counters). Returns OTA_OK or OTA_ERR_IO.
 */
int sim_nor_wipe(sim_nor_t *sim);

/** 1 if the write unit containing addr is programmed since its last erase, 0 if not, or OTA_ERR_RANGE. */
int sim_nor_unit_programmed(const sim_nor_t *sim, uint32_t addr);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_SIM_NOR_H */

/*
 * sysota benchmarks: counting wrappers around any ota_flash_t, ota_crypto_t
 * and ota_store_t. The simulator's own counters cannot tell the application
 * region from the boot control sector, the database from the images, nor
 * see how much was hashed, and those are exactly the figures the install and boot benchmarks owe.
 */
#ifndef SYSOTA_BENCH_PORTS_H
#define SYSOTA_BENCH_PORTS_H

#include <stdint.h>

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Counts of one address range. */
typedef struct bench_flash_counts {
    uint64_t reads;
    uint64_t bytes_read;
    uint64_t erases;
    uint64_t programs;
    uint64_t bytes_programmed;
} bench_flash_counts_t;

/** A flash port that forwards to `inner` and counts inside and outside [lo, hi). */
typedef struct bench_flash {
    const ota_flash_t *inner;
    uint32_t lo, hi;          /**< the counted region, e.g. the application region */
    bench_flash_counts_t in;  /**< operations that start inside [lo, hi) */
    bench_flash_counts_t out; /**< every other operation (the boot control sector) */
    ota_flash_t port;         /**< hand this to the core */
} bench_flash_t;

/**
 * Wrap inner; the counters start at zero. Same geometry as inner.
 * Returns OTA_OK, or OTA_ERR_INVALID_ARG when lo > hi or a pointer is NULL.
 */
int bench_flash_wrap(bench_flash_t *bf, const ota_flash_t *inner, uint32_t lo, uint32_t hi);

/** Zero both sets of counters. Returns OTA_OK. */
int bench_flash_reset(bench_flash_t *bf);

/** A crypto port that forwards to `inner` and counts what is hashed. */
typedef struct bench_crypto {
    const ota_crypto_t *inner;
    uint64_t starts;       /**< sha256_start calls */
    uint64_t bytes_hashed; /**< bytes passed to sha256_update */
    ota_crypto_t port;     /**< hand this to the core */
} bench_crypto_t;

/** Wrap inner; the counters start at zero. Returns OTA_OK or OTA_ERR_INVALID_ARG. */
int bench_crypto_wrap(bench_crypto_t *bc, const ota_crypto_t *inner);

/** Zero the counters. Returns OTA_OK. */
int bench_crypto_reset(bench_crypto_t *bc);

/** Handles a store wrapper can tell apart at once. */
#define BENCH_STORE_MAX_HANDLES 16

/**
 * A store port that forwards to `inner` and splits the bytes read between
 * the image database (OTA_DB_NAME) and every other file (the images).
 */
typedef struct bench_store {
    const ota_store_t *inner;
    uint64_t ops;                           /**< every call */
    uint64_t db_bytes_read;                 /**< read from the image database */
    uint64_t other_bytes_read;              /**< read from any other file */
    int db_handle[BENCH_STORE_MAX_HANDLES]; /* private: 1 when handle i is the database */
    ota_store_t port;                       /**< hand this to the core */
} bench_store_t;

/** Wrap inner; the counters start at zero. Returns OTA_OK or OTA_ERR_INVALID_ARG. */
int bench_store_wrap(bench_store_t *bs, const ota_store_t *inner);

/** Zero the counters (open handles keep their kind). Returns OTA_OK. */
int bench_store_reset(bench_store_t *bs);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_BENCH_PORTS_H */

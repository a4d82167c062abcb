/*
 * sysota host port: internal flash over a host file (or memory) behind an
 * ota_flash_t.
 *
 * For a device whose "internal flash" is a file (a Linux-class board keeping
 * its boot control area in a file, a test, the simulator's backing store).
 * It enforces the NOR rules of ota_port.h that can be checked from the
 * bytes alone, so a core bug shows here as an error rather than as data a
 * real flash would not hold:
 *  - erase sets exactly one sector to OTA_FLASH_ERASED, and only at a
 *    sector's first byte (else OTA_ERR_ALIGN);
 *  - program addresses and lengths are multiples of the write unit (else
 *    OTA_ERR_ALIGN); a program that would turn a 0 bit back into 1 is
 *    refused whole with OTA_ERR_FLASH_BITS and writes nothing;
 *  - anything outside the device is OTA_ERR_RANGE.
 * It does not track how often a write unit was programmed between erases
 * (a rule about the caller that needs bookkeeping: the simulator's NOR model
 * in src/sim does it), and it has no power to lose.
 *
 * Sectors: uniform (sector_size), or a sector map of runs from address 0 up
 * ("4 of 16 KiB, 1 of 64 KiB, 7 of 128 KiB" for an STM32F4), reported
 * through ota_flash_t.sector.
 *
 * Backing: the whole device is held in memory; with a path, every change is
 * written through to the file with pwrite(2) and, unless no_fsync is set,
 * made durable with fdatasync(2) before the call returns (ota_port.h: an
 * operation is complete when it returns).
 */
#ifndef SYSOTA_FLASH_FILE_H
#define SYSOTA_FLASH_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most runs a sector map holds. */
#define POSIX_FLASH_FILE_MAX_RUNS 8

/** count sectors of size bytes each, following the previous run. */
typedef struct posix_flash_file_run {
    uint32_t count;
    uint32_t size; /**< a multiple of the write unit */
} posix_flash_file_run_t;

/** Geometry and backing of one file flash. */
typedef struct posix_flash_file_config {
    uint32_t size;                      /**< bytes; with a sector map, 0 or the map's total */
    uint32_t sector_size;               /**< uniform sectors: a power of two dividing size; ignored with a map */
    uint32_t write_unit;                /**< a power of two, dividing every sector */
    const posix_flash_file_run_t *runs; /**< sector map (copied); NULL: uniform sectors */
    size_t nruns;
    const char *path; /**< NULL: in memory; else the backing file (copied) */
    bool no_fsync;    /**< true: no fdatasync(2) after a change (a simulator, tests) */
} posix_flash_file_config_t;

/** One file flash. Fields are private. */
typedef struct posix_flash_file {
    posix_flash_file_config_t cfg;
    posix_flash_file_run_t runs[POSIX_FLASH_FILE_MAX_RUNS];
    char *path;   /* owned copy of cfg.path */
    uint8_t *mem; /* the whole device */
    int fd;       /* backing file, -1 in memory */
} posix_flash_file_t;

/**
 * Create a flash from cfg. In memory it starts erased. With a path, the file
 * is created erased if missing or empty, else read back (its size must equal
 * the device's). Returns OTA_OK, OTA_ERR_INVALID_ARG (bad geometry, size
 * mismatch) or OTA_ERR_IO.
 */
int posix_flash_file_open(posix_flash_file_t *f, const posix_flash_file_config_t *cfg);

/** Release memory and close the file (its contents stay). Returns OTA_OK or OTA_ERR_IO. */
int posix_flash_file_close(posix_flash_file_t *f);

/** Fill *out with the ota_flash_t view of f (ctx = f). Returns OTA_OK. */
int posix_flash_file_port(posix_flash_file_t *f, ota_flash_t *out);

/**
 * The sector holding addr in a sector map of nruns runs from address 0 (its
 * first byte and size), without a flash: OTA_ERR_RANGE past the map's end.
 */
int posix_flash_file_map_sector(const posix_flash_file_run_t *runs, size_t nruns, uint32_t addr, uint32_t *start,
                                uint32_t *size);

/** The sector holding addr (first byte and size). OTA_ERR_RANGE outside the device. */
int posix_flash_file_sector(const posix_flash_file_t *f, uint32_t addr, uint32_t *start, uint32_t *size);

/**
 * What erase(addr) would return, without erasing: OTA_OK, OTA_ERR_RANGE or
 * OTA_ERR_ALIGN; *size (when not NULL) gets the sector's size.
 */
int posix_flash_file_erase_check(const posix_flash_file_t *f, uint32_t addr, uint32_t *size);

/**
 * What program(addr, data, len) would return, without programming: OTA_OK,
 * OTA_ERR_ALIGN, OTA_ERR_RANGE, OTA_ERR_INVALID_ARG or OTA_ERR_FLASH_BITS.
 */
int posix_flash_file_program_check(const posix_flash_file_t *f, uint32_t addr, const void *data, uint32_t len);

/**
 * The device contents (size bytes, read only: writing through it would
 * bypass the file and the NOR rules).
 */
const uint8_t *posix_flash_file_data(const posix_flash_file_t *f);

/**
 * Store len bytes at addr exactly as given, as an external programmer (or a
 * model of what an interrupted operation leaves) would: no NOR rule.
 * Returns OTA_OK, OTA_ERR_RANGE, OTA_ERR_INVALID_ARG or OTA_ERR_IO.
 */
int posix_flash_file_load(posix_flash_file_t *f, uint32_t addr, const void *data, uint32_t len);

/** Erase the whole device as an external programmer would. Returns OTA_OK or OTA_ERR_IO. */
int posix_flash_file_wipe(posix_flash_file_t *f);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_FLASH_FILE_H */

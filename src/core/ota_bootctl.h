/*
 * Internal to the core: the boot control area, one erase sector of internal
 * flash shared by the bootloader and the application, holding the record of
 * the image in program flash.
 *
 * The sector is an append-only log of fixed-size records (slots of
 * OTA_BOOTCTL_RECORD_SIZE bytes, or one write unit if larger). Each change
 * appends a whole new record with the next sequence number and a CRC; the
 * valid record with the newest sequence number wins (compared across the
 * wrap at 2^32: consecutive appends are never 2^31 apart). The sector is erased
 * only when no slot is left. No write unit is ever programmed twice between
 * erases, so the log works on ECC flash (PIC32MZ).
 *
 * Every record also carries the golden image's version, size and digest, so
 * the bootloader can verify the golden copy even when the image database is
 * lost. docs/boot-control.md gives the byte layout and the power-loss argument.
 */
#ifndef SYSOTA_OTA_BOOTCTL_H
#define SYSOTA_OTA_BOOTCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_port.h"
#include "sysota/ota_types.h"
#include "sysota/ota_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of one encoded record (a slot is this or one write unit, whichever is larger). */
#define OTA_BOOTCTL_RECORD_SIZE 128u
/** "SOTA" little-endian. */
#define OTA_BOOTCTL_MAGIC 0x41544F53u
/** Record format version written by this code. */
#define OTA_BOOTCTL_FORMAT 2u
/** The first format, without the security fields (still read). */
#define OTA_BOOTCTL_FORMAT_1 1u
/** Largest slot supported (write units above this are refused). */
#define OTA_BOOTCTL_SLOT_MAX 256u



/**
 * Bind a handle to the area of size bytes at addr: one whole sector (size 0
 * or the sector's size), or two whole sectors one after the other (the log
 * is then never without a record, even while it compacts). No flash
 * access. OTA_ERR_INVALID_ARG for an area that is not whole sectors.
 */
int ota_bootctl_init(ota_bootctl_t *bc, const ota_flash_t *flash, uint32_t addr, uint32_t size);

/**
 * Read the newest valid record (one pass over the sector). Returns OTA_OK,
 * OTA_ERR_NOT_FOUND when the sector holds no record (blank), or
 * OTA_ERR_CORRUPT when it holds no trustworthy record (garbage, or the traces
 * of an interrupted erase). In both error cases the caller recovers from the
 * image database and a digest check of program flash.
 */
int ota_bootctl_read(ota_bootctl_t *bc, ota_bootctl_record_t *out);

/**
 * Append rec as the newest record (rec->seq is assigned). Erases the sector
 * first when it is full or holds an interrupted erase.
 */
int ota_bootctl_write(ota_bootctl_t *bc, ota_bootctl_record_t *rec);

/** Read the newest record, change its status (and attempts), append it. */
int ota_bootctl_set_status(ota_bootctl_t *bc, uint8_t status);

/** Encode rec into OTA_BOOTCTL_RECORD_SIZE bytes (for tools that build a factory image). */
void ota_bootctl_encode(const ota_bootctl_record_t *rec, uint8_t out[OTA_BOOTCTL_RECORD_SIZE]);

/** Decode and check magic, format and CRC. OTA_OK or OTA_ERR_CORRUPT. */
int ota_bootctl_decode(const uint8_t in[OTA_BOOTCTL_RECORD_SIZE], ota_bootctl_record_t *rec);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_BOOTCTL_H */

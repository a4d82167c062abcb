/*
 * Internal to the core: the boot control area, two erase sectors of internal
 * flash shared by the bootloader and the application. It holds the record
 * of the image in program flash and the candidate table: the stored images
 * the bootloader may install, written by the service from the image
 * database, so the bootloader never parses the CSV.
 *
 * The area is an append-only log of records. A record is one or more
 * consecutive slots (a slot is OTA_BOOTCTL_SLOT_MIN bytes, or one write unit
 * if larger); each change appends a whole new record with the next sequence
 * number and a CRC, and the valid record with the newest sequence number
 * wins (compared across the wrap at 2^32: consecutive appends are never 2^31
 * apart). When the active sector has no room left the log moves to the
 * other sector, which is erased first: the sector holding the newest record
 * is never erased, so the log is never without a record. No write unit is
 * ever programmed twice between erases, so the log works on ECC flash
 * (PIC32MZ). docs/boot-control.md gives the byte layout and the power-loss
 * argument.
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

/** Smallest slot: a record with an empty table fits one. */
#define OTA_BOOTCTL_SLOT_MIN 128u
/** Largest slot supported (write units above this are refused). */
#define OTA_BOOTCTL_SLOT_MAX 256u
/** "SOTA" little-endian. */
#define OTA_BOOTCTL_MAGIC 0x41544F53u
/** Record format written by this code: variable length, with the candidate table. */
#define OTA_BOOTCTL_FORMAT 3u
/** Earlier one-slot formats, still read: 1 (no security fields) and 2 (no table). */
#define OTA_BOOTCTL_FORMAT_1 1u
#define OTA_BOOTCTL_FORMAT_2 2u
/** Bytes of the fixed part of a format-3 record (before the table). */
#define OTA_BOOTCTL_HEAD_SIZE 116u
/** Bytes of one table entry besides its name. */
#define OTA_BOOTCTL_ENTRY_FIXED (4u + 4u + 1u + 1u + 1u + OTA_SHA256_LEN)
/** Longest record: the fixed part, a full table of longest names, the CRC. */
#define OTA_BOOTCTL_BYTES_MAX \
    (OTA_BOOTCTL_HEAD_SIZE + OTA_BOOT_TABLE_MAX * (OTA_BOOTCTL_ENTRY_FIXED + OTA_STORE_NAME_MAX) + 4u)
/** A buffer that holds the longest record in whole slots of any size. */
#define OTA_BOOTCTL_BUF_SIZE \
    ((OTA_BOOTCTL_BYTES_MAX + OTA_BOOTCTL_SLOT_MAX - 1u) / OTA_BOOTCTL_SLOT_MAX * OTA_BOOTCTL_SLOT_MAX)

/**
 * Bind a handle to the area of size bytes at addr: two whole sectors one
 * after the other (size 0: the sector at addr and the one after it). No
 * flash access. OTA_ERR_INVALID_ARG for an area that is not two whole
 * sectors; OTA_ERR_NOT_SUPPORTED when a sector cannot hold the longest
 * record or the write unit is larger than OTA_BOOTCTL_SLOT_MAX.
 */
int ota_bootctl_init(ota_bootctl_t *bc, const ota_flash_t *flash, uint32_t addr, uint32_t size);

/**
 * Read the newest valid record (one pass over the area). Returns OTA_OK,
 * OTA_ERR_NOT_FOUND when the area holds no record (blank), or
 * OTA_ERR_CORRUPT when it holds no trustworthy record. Either error means
 * the device was never provisioned, or its internal flash was damaged:
 * nothing can be verified, and the bootloader boots nothing.
 */
int ota_bootctl_read(ota_bootctl_t *bc, ota_bootctl_record_t *out);

/**
 * Append rec as the newest record (rec->seq is assigned). Moves the log to
 * the other sector, erasing it first, when the active one has no room.
 * OTA_ERR_INVALID_ARG for a table that does not encode (too many entries,
 * a name empty or too long).
 */
int ota_bootctl_write(ota_bootctl_t *bc, ota_bootctl_record_t *rec);

/** Read the newest record, change its status, append it. */
int ota_bootctl_set_status(ota_bootctl_t *bc, uint8_t status);

/**
 * Encode rec (format 3) into out, padded with OTA_FLASH_ERASED to whole
 * slots of slot_size bytes (for tools that build a factory image). Returns
 * the bytes to program (a multiple of slot_size), or OTA_ERR_INVALID_ARG
 * (a table that does not encode, or cap too small).
 */
int ota_bootctl_encode(const ota_bootctl_record_t *rec, uint32_t slot_size, uint8_t *out, uint32_t cap);

/**
 * Decode a record from the len bytes at in: check magic, format, length and
 * CRC, and (format 3) that the table fills the record exactly. OTA_OK or
 * OTA_ERR_CORRUPT.
 */
int ota_bootctl_decode(const uint8_t *in, uint32_t len, ota_bootctl_record_t *rec);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_BOOTCTL_H */

/*
 * sysota host tools: Intel HEX reading and writing, into and out of a
 * sparse tool_memmap_t.
 *
 * Record types 00 (data), 01 (end of file), 02 (extended segment address),
 * 03 (start segment address), 04 (extended linear address) and 05 (start
 * linear address). Every checksum is verified.
 *
 * Address rule (Intel's "Hexadecimal Object File Format Specification",
 * rev. A, and what srec_cat does):
 *  - after an 02 record with segment S, the byte i of a data record with
 *    offset O goes to (S << 4) + ((O + i) mod 64 KiB): an offset that runs
 *    past 0xFFFF wraps to the start of the same 64 KiB segment;
 *  - after an 04 record with upper address U (and before any 02/04 record,
 *    with U = 0), it goes to ((U << 16) + O + i) mod 4 GiB: an offset that
 *    runs past 0xFFFF carries into the next 64 KiB page, and a record that
 *    runs past 0xFFFFFFFF wraps to address 0;
 *  - the last 02 or 04 record seen decides which rule applies; start
 *    records (03, 05) change nothing. (srec_cat differs here alone: it lets
 *    an 03 record switch to the 02 rule and an 05 record to the 04 rule.)
 * The writer never relies on either wrap: no record it writes crosses a
 * 64 KiB boundary, so every reader agrees on its addresses.
 *
 * Start records carry no data; the first one is remembered so that merge can
 * keep it.
 */
#ifndef SYSOTA_TOOLS_OTA_IHEX_H
#define SYSOTA_TOOLS_OTA_IHEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tool_memmap.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default and largest data bytes per written record. */
#define TOOL_IHEX_RECORD_SIZE 16
#define TOOL_IHEX_RECORD_SIZE_MAX 255

/** What a parse found, and why it stopped when it failed. */
typedef struct tool_ihex_result {
    unsigned long line;              /**< 1-based line of the problem; 0 when there is none */
    char msg[240];                   /**< the problem, without file name or line; "" when none */
    tool_memmap_conflict_t conflict; /**< where, when the error is OTA_ERR_EXISTS */
    unsigned long records;           /**< records read (every type) */
    uint64_t data_bytes;             /**< bytes in data records, repeats included */
    bool has_start;                  /**< a start record (03 or 05) was seen */
    uint8_t start_type;              /**< 3 or 5: the first start record's type */
    uint32_t start_value;            /**< its 4 data bytes, big-endian (CS:IP for 03, EIP for 05) */
    unsigned long start_differs;     /**< later start records with another type or value (ignored) */
} tool_ihex_result_t;

/**
 * Parse len bytes of Intel HEX text and put every data byte into map
 * (which may already hold bytes: the union is taken, as tool_memmap_put).
 * Lines end with "\n" or "\r\n"; empty lines are skipped. Returns OTA_OK, or
 * with res->line and res->msg set:
 *  - OTA_ERR_CORRUPT: a line that is not a valid record (no ':', a non-hex
 *    character, a bad length, a bad checksum, an unknown type, a wrong
 *    length for types 01-05), anything but empty lines after the
 *    end-of-file record, or no end-of-file record at all (line = last line);
 *  - OTA_ERR_EXISTS: a byte given twice with different values (res->conflict
 *    says where; line = the second record);
 *  - OTA_ERR_NO_SPACE: out of memory.
 * res may not be NULL. On error map keeps what was put before the bad line.
 */
int tool_ihex_parse(const char *text, size_t len, tool_memmap_t *map, tool_ihex_result_t *res);

/**
 * Read the file at path and parse it as tool_ihex_parse. Also OTA_ERR_IO
 * (res->msg says why, res->line is 0) when the file cannot be read.
 */
int tool_ihex_load(const char *path, tool_memmap_t *map, tool_ihex_result_t *res);

/** Options of tool_ihex_write. Zero-initialise for the defaults. */
typedef struct tool_ihex_write_opts {
    unsigned record_size; /**< data bytes per record, 1..255; 0: TOOL_IHEX_RECORD_SIZE */
    bool has_start;       /**< write a start record before the end-of-file record */
    uint8_t start_type;   /**< 3 or 5 */
    uint32_t start_value; /**< its 4 bytes, big-endian */
} tool_ihex_write_opts_t;

/** Receives the next len characters of output. Return OTA_OK, or an error to stop. */
typedef int (*tool_ihex_sink_fn)(void *arg, const char *text, size_t len);

/**
 * Write map as Intel HEX, one record a line ending in "\n": data records of
 * at most record_size bytes (aligned to multiples of it when it is a
 * power of two), an 04
 * record whenever the upper 16 address bits change (none while they are 0),
 * no record crossing a 64 KiB boundary, the optional start record, then
 * the end-of-file record. Returns OTA_OK, OTA_ERR_INVALID_ARG for a bad
 * option, or the first error the sink returns.
 */
int tool_ihex_write(const tool_memmap_t *map, const tool_ihex_write_opts_t *opt, tool_ihex_sink_fn sink, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TOOLS_OTA_IHEX_H */

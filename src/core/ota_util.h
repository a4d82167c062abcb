/*
 * Internal to the core: the small helpers every module shares, one of each
 * (util.c). Nothing here calls a port except ota_log, which only forwards.
 */
#ifndef SYSOTA_OTA_UTIL_H
#define SYSOTA_OTA_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_port.h"

/** Store v little-endian at p (4 bytes, any alignment). */
static inline void ota_le32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/** The little-endian 32-bit value at p (any alignment). */
static inline uint32_t ota_le32_get(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/**
 * CRC-32 (IEEE 802.3, reflected, as zlib computes it) of len bytes. Bitwise:
 * the records it checks are small, and a 1 KiB table would cost a
 * bootloader more flash than the loop costs it time.
 */
uint32_t ota_crc32(const uint8_t *p, size_t len);

/**
 * The CRC-32 of what crc covered followed by len more bytes at p (crc 0:
 * none before), so ota_crc32_continue(ota_crc32(a), b) == ota_crc32(a b).
 */
uint32_t ota_crc32_continue(uint32_t crc, const uint8_t *p, size_t len);

/**
 * Length of the string at s, looking at no more than max bytes: max when
 * there is no NUL among them (so an unterminated buffer is measured, not
 * overrun).
 */
size_t ota_strnlen(const char *s, size_t max);

/** Decimal digits of v into out (no NUL). Returns the digit count, 1..10. */
uint32_t ota_dec_format(uint32_t v, char out[10]);

/**
 * Strict decimal: 1..10 digits, nothing else (no sign, space or "0x"), no
 * overflow past 2^32-1. OTA_OK or OTA_ERR_INVALID_ARG.
 */
int ota_dec_parse(const char *s, size_t len, uint32_t *out);

/**
 * A log line's text, or "" when the build drops the text (OTA_LOG_TEXT 0):
 * the literal is then never referenced, so the image does not carry it.
 */
#define OTA_TEXT(s) (OTA_LOG_TEXT ? (s) : "")

/** One line through the system port's log, if there is one (sys may be NULL). */
static inline void ota_log(const ota_system_t *sys, ota_log_level_t level, const char *msg, int32_t value)
{
    if (sys != NULL && sys->log != NULL) {
        sys->log(sys->ctx, level, msg, value);
    }
}

#endif /* SYSOTA_OTA_UTIL_H */

/*
 * Internal to the core: text codecs of the manifest's security fields and
 * of HTTP dates (base64.c, datetime.c). Pure, bounded, allocation-free.
 */
#ifndef SYSOTA_OTA_CODEC_H
#define SYSOTA_OTA_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_error.h"

/**
 * Decode standard base64 (RFC 4648, alphabet A-Z a-z 0-9 + /, '=' padding
 * to a multiple of 4 characters) from len characters into out. Strict: no
 * whitespace, no URL-safe alphabet, padding only at the end, and the unused
 * low bits of the last character zero (one text per byte string). Returns
 * OTA_OK with *out_len set, OTA_ERR_INVALID_ARG for text that is not such
 * base64, OTA_ERR_TOO_LARGE when the bytes would not fit in cap. Never
 * writes past out[cap-1].
 */
int ota_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/**
 * Encode len bytes as padded base64 plus a NUL into out (4*ceil(len/3)+1
 * bytes). Returns the text's length, or OTA_ERR_TOO_LARGE when cap is too small.
 */
int ota_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/**
 * An RFC 3339 date-time ("2026-12-02T05:19:30Z", "...T07:19:30.5+02:00") as
 * seconds since 1970-01-01T00:00:00Z, fractions dropped. Years 1970..9999;
 * the date must exist (30 February does not); a leap second (:60) counts as
 * the next second. OTA_OK or OTA_ERR_INVALID_ARG.
 */
int ota_rfc3339_parse(const char *s, size_t len, uint64_t *unix_seconds);

/**
 * An HTTP date in the one form servers send today, IMF-fixdate ("Sun, 06
 * Nov 1994 08:49:37 GMT": English names, two-digit day, GMT), as seconds
 * since 1970. The day's name is checked to be one, not to match the date.
 * The obsolete RFC 850 and asctime forms are refused. OTA_OK or
 * OTA_ERR_INVALID_ARG.
 */
int ota_http_date_parse(const char *s, size_t len, uint64_t *unix_seconds);

#endif /* SYSOTA_OTA_CODEC_H */

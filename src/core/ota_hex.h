/*
 * Internal to the core: hexadecimal digits <-> bytes, for digests in
 * manifests and in the image database. Pure and allocation-free.
 */
#ifndef SYSOTA_OTA_HEX_H
#define SYSOTA_OTA_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Value 0..15 of the hex digit c (either case), or OTA_ERR_INVALID_ARG. */
int ota_hex_digit(int c);

/**
 * Decode exactly 2*out_len hex digits (either case, nothing else: no
 * whitespace, no "0x") from hex into out. Returns OTA_OK, or
 * OTA_ERR_INVALID_ARG when hex_len != 2*out_len or a character is not a hex
 * digit; out is then left in an unspecified state.
 */
int ota_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_len);

/**
 * Encode len bytes as 2*len lowercase hex digits plus a NUL into out, which
 * must hold 2*len+1 bytes. Returns OTA_OK, or OTA_ERR_INVALID_ARG for NULL
 * pointers.
 */
int ota_hex_encode(const uint8_t *in, size_t len, char *out);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_HEX_H */

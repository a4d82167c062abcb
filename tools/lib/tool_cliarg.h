/*
 * sysota host tools: parsing the numbers a developer types on a command line.
 */
#ifndef SYSOTA_TOOLS_OTA_CLIARG_H
#define SYSOTA_TOOLS_OTA_CLIARG_H

#include <stdint.h>

#include "sysota/ota_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Parse an address or a size: "0x" followed by hex digits, or decimal
 * digits (a leading 0 is still decimal: firmware people write 0x for hex and
 * would never mean octal), optionally followed by K or M (KiB, MiB). The
 * whole string must be used, and the value must not exceed max. Returns
 * OTA_OK with *out set, or OTA_ERR_INVALID_ARG (malformed) / OTA_ERR_RANGE
 * (above max).
 */
int tool_cliarg_number(const char *s, uint64_t max, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TOOLS_OTA_CLIARG_H */

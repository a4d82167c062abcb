/*
 * sysota host tools: a delta patch applied in memory through the core's own
 * decoders (ota_delta.h), for `sysota delta apply`, the benchmark and the
 * fuzz targets. Images are small enough on a host to hold whole.
 */
#ifndef SYSOTA_TOOLS_OTA_HOSTDELTA_H
#define SYSOTA_TOOLS_OTA_HOSTDELTA_H

#include <stddef.h>
#include <stdint.h>

#include "ota_delta.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The first bytes of every VCDIFF patch (the fourth is its version). */
#define TOOL_HOSTDELTA_VCDIFF_MAGIC "\xD6\xC3\xC4"

/**
 * The format of a patch by its first bytes: VCDIFF when they are the
 * VCDIFF magic, else JojoDiff (which has no magic at all).
 */
ota_delta_format_t tool_hostdelta_detect(const uint8_t *patch, size_t len);

/**
 * Apply patch (patch_len bytes) to base (base_len) in the given format,
 * through a work buffer of work_len bytes (>= 1). On OTA_OK *out (malloc'ed,
 * to be freed; never NULL) holds the *out_len bytes of the new image.
 * Errors: what ota_delta_step() returns (OTA_ERR_CORRUPT,
 * OTA_ERR_NOT_SUPPORTED), OTA_ERR_TOO_LARGE when the image would pass
 * out_max bytes, OTA_ERR_INVALID_ARG for sizes of 4 GiB or more,
 * OTA_ERR_NO_SPACE when out of memory; *out is then NULL. *steps (may be
 * NULL) counts the decoder's steps. OTA_ERR_RANGE only when the decoder
 * asked for bytes outside the base, the patch or the output written so
 * far, which it must never do.
 */
int tool_hostdelta_apply(ota_delta_format_t format, const uint8_t *base, size_t base_len, const uint8_t *patch,
                         size_t patch_len, uint32_t work_len, size_t out_max, uint8_t **out, size_t *out_len,
                         uint64_t *steps);

/** The encoder `sysota delta make` runs for VCDIFF (Debian's xdelta3). */
#define TOOL_HOSTDELTA_XDELTA3 "xdelta3"

/**
 * A VCDIFF patch from old_path to new_path, made by running
 * `xdelta3 -e -9 -S none -D -c -s OLD NEW` (found on PATH): the best
 * compression xdelta3 has, no secondary compressor (the device's decoder
 * has none), no external decompression of gzip-looking inputs. On OTA_OK
 * *patch (malloc'ed, to be freed) holds *len bytes. OTA_ERR_NOT_FOUND when
 * xdelta3 is not installed, OTA_ERR_IO when it failed (its own message went
 * to stderr), OTA_ERR_NO_SPACE when out of memory.
 */
int tool_hostdelta_xdelta3(const char *old_path, const char *new_path, uint8_t **patch, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TOOLS_OTA_HOSTDELTA_H */

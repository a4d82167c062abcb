/*
 * What both delta fuzz targets do (fuzz_delta_jojo.c, fuzz_delta_vcdiff.c).
 *
 * Input: one byte choosing the work buffer (1 to 4096 bytes), then the
 * patch, applied to a fixed 8 KiB base (FUZZ_DELTA_BASE_SIZE bytes of
 * fuzz_delta_base(), which the seed corpora were made against) through the
 * core's decoder. Besides the sanitizers' own checks (the base is in a heap
 * buffer of exactly its size, the patch is libFuzzer's), it traps when:
 *  - the decoder asks for bytes outside the base, the patch or the output
 *    written so far (tool_hostdelta_apply then says OTA_ERR_RANGE);
 *  - it ends with anything but OTA_OK, OTA_ERR_CORRUPT,
 *    OTA_ERR_NOT_SUPPORTED or this harness's output cap (OTA_ERR_TOO_LARGE);
 *  - a work buffer of 1 byte gives another result or another image than
 *    the chosen one: the step size must never change what a patch means.
 */
#ifndef SYSOTA_FUZZ_DELTA_H
#define SYSOTA_FUZZ_DELTA_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tool_hostdelta.h"

#define FUZZ_DELTA_BASE_SIZE 8192u
/* Output beyond this is cut short: a patch may legitimately ask for much
 * more (a RUN of megabytes), which says nothing more about the decoder. */
#define FUZZ_DELTA_OUT_MAX (1u << 20)

#define FUZZ_CHECK(cond)      \
    do {                      \
        if (!(cond)) {        \
            __builtin_trap(); \
        }                     \
    } while (0)

/* The base: a multiplicative hash of the offset (Python: (i * 2654435761 >> 13) & 0xFF). */
static inline uint8_t *fuzz_delta_base(void)
{
    uint8_t *b = malloc(FUZZ_DELTA_BASE_SIZE);
    FUZZ_CHECK(b != NULL);
    for (uint32_t i = 0; i < FUZZ_DELTA_BASE_SIZE; i++) {
        b[i] = (uint8_t)(((uint64_t)i * 2654435761u) >> 13);
    }
    return b;
}

static inline int fuzz_delta_one(ota_delta_format_t format, const uint8_t *data, size_t size)
{
    static const uint32_t work[8] = { 1, 2, 3, 7, 64, 255, 256, 4096 };
    if (size < 1) {
        return 0;
    }
    uint8_t *base = fuzz_delta_base();
    uint8_t *out = NULL, *out1 = NULL;
    size_t len = 0, len1 = 0;
    int err = tool_hostdelta_apply(format, base, FUZZ_DELTA_BASE_SIZE, data + 1, size - 1, work[data[0] % 8],
                                   FUZZ_DELTA_OUT_MAX, &out, &len, NULL);
    FUZZ_CHECK(err == OTA_OK || err == OTA_ERR_CORRUPT || err == OTA_ERR_NOT_SUPPORTED || err == OTA_ERR_TOO_LARGE);
    int err1 = tool_hostdelta_apply(format, base, FUZZ_DELTA_BASE_SIZE, data + 1, size - 1, 1, FUZZ_DELTA_OUT_MAX,
                                    &out1, &len1, NULL);
    /* The cap is met at a flush, which comes sooner with a small buffer:
     * only results that did not meet it compare. */
    if (err != OTA_ERR_TOO_LARGE && err1 != OTA_ERR_TOO_LARGE) {
        FUZZ_CHECK(err1 == err);
        FUZZ_CHECK(len1 == len && (len == 0 || memcmp(out, out1, len) == 0));
    }
    free(out);
    free(out1);
    free(base);
    return 0;
}

#endif

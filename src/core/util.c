/* The core's shared helpers (ota_util.h). */
#include "ota_util.h"

#include <string.h>

uint32_t ota_crc32_continue(uint32_t crc, const uint8_t *p, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

uint32_t ota_crc32(const uint8_t *p, size_t len)
{
    return ota_crc32_continue(0, p, len);
}

size_t ota_strnlen(const char *s, size_t max)
{
    const char *nul = memchr(s, '\0', max);
    return nul != NULL ? (size_t)(nul - s) : max;
}

uint32_t ota_dec_format(uint32_t v, char out[10])
{
    char rev[10];
    uint32_t n = 0;
    do {
        rev[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    for (uint32_t i = 0; i < n; i++) {
        out[i] = rev[n - 1u - i];
    }
    return n;
}

int ota_dec_parse(const char *s, size_t len, uint32_t *out)
{
    uint32_t v = 0;
    if (len == 0 || len > 10) {
        return OTA_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return OTA_ERR_INVALID_ARG;
        }
        uint32_t d = (uint32_t)(s[i] - '0');
        if (v > (UINT32_MAX - d) / 10u) {
            return OTA_ERR_INVALID_ARG;
        }
        v = v * 10u + d;
    }
    *out = v;
    return OTA_OK;
}

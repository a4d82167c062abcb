/*
 * Hex digits. Written without ctype.h on purpose: the core is freestanding,
 * and isxdigit() would depend on the C library's locale.
 */
#include "ota_hex.h"

int ota_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return OTA_ERR_INVALID_ARG;
}

int ota_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_len)
{
    if (hex == NULL || out == NULL || out_len > SIZE_MAX / 2 || hex_len != 2 * out_len) {
        return OTA_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < out_len; i++) {
        int hi = ota_hex_digit((unsigned char)hex[2 * i]);
        int lo = ota_hex_digit((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return OTA_ERR_INVALID_ARG;
        }
        out[i] = (uint8_t)((hi << 4) | lo);
    }
    return OTA_OK;
}

int ota_hex_encode(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    if ((in == NULL && len != 0) || out == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
    return OTA_OK;
}

/* Base64 (ota_codec.h): the manifest's Signature values. */
#include "ota_codec.h"

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value 0..63 of a base64 character, or -1. */
static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    return c == '/' ? 63 : -1;
}

int ota_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n = 0;

    if (in == NULL || out_len == NULL || len % 4u != 0u) {
        return OTA_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        size_t pad = 0;
        for (size_t k = 0; k < 4; k++) {
            char c = in[i + k];
            /* '=' only in the last quantum, only at its end, at most two. */
            if (c == '=' && i + 4 == len && k >= 2 && (k == 3 || in[i + 3] == '=')) {
                v[k] = 0;
                pad++;
                continue;
            }
            v[k] = b64_value(c);
            if (v[k] < 0 || pad > 0) {
                return OTA_ERR_INVALID_ARG;
            }
        }
        uint32_t q = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        size_t bytes = 3u - pad;
        /* The bits the padding leaves unused must be zero: one text per value. */
        if ((pad == 1 && (q & 0xFFu) != 0) || (pad == 2 && (q & 0xFFFFu) != 0)) {
            return OTA_ERR_INVALID_ARG;
        }
        if (out == NULL || n > cap || bytes > cap - n) {
            return OTA_ERR_TOO_LARGE;
        }
        out[n++] = (uint8_t)(q >> 16);
        if (bytes > 1) {
            out[n++] = (uint8_t)(q >> 8);
        }
        if (bytes > 2) {
            out[n++] = (uint8_t)q;
        }
    }
    *out_len = n;
    return OTA_OK;
}

int ota_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t need = (len + 2u) / 3u * 4u;
    if (out == NULL || (in == NULL && len != 0) || cap < need + 1u) {
        return OTA_ERR_TOO_LARGE;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t q = (uint32_t)in[i] << 16;
        size_t rest = len - i;
        if (rest > 1) {
            q |= (uint32_t)in[i + 1] << 8;
        }
        if (rest > 2) {
            q |= in[i + 2];
        }
        out[n++] = b64_alphabet[(q >> 18) & 63u];
        out[n++] = b64_alphabet[(q >> 12) & 63u];
        out[n++] = rest > 1 ? b64_alphabet[(q >> 6) & 63u] : '=';
        out[n++] = rest > 2 ? b64_alphabet[q & 63u] : '=';
    }
    out[n] = '\0';
    return (int)n;
}

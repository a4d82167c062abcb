/*
 * Command-line numbers (see tool_cliarg.h).
 */
#include "tool_cliarg.h"

#include <stdbool.h>
#include <stddef.h>

int tool_cliarg_number(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s == '\0') {
        return OTA_ERR_INVALID_ARG;
    }
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    /* Values above 2^40 are never meaningful here; stopping there keeps the
     * arithmetic (times 16, then a K or M suffix) far from overflow. */
    const uint64_t limit = (uint64_t)1 << 40;
    uint64_t v = 0;
    bool any = false;
    for (; *s != '\0'; s++) {
        unsigned d;
        char c = *s;
        if (c >= '0' && c <= '9') {
            d = (unsigned)(c - '0');
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            d = (unsigned)(c - 'a' + 10);
        } else if (base == 16 && c >= 'A' && c <= 'F') {
            d = (unsigned)(c - 'A' + 10);
        } else {
            break;
        }
        v = v * base + d;
        any = true;
        if (v > limit) {
            return OTA_ERR_RANGE;
        }
    }
    if (!any) {
        return OTA_ERR_INVALID_ARG;
    }
    if (*s == 'K' || *s == 'k') {
        v <<= 10;
        s++;
    } else if (*s == 'M' || *s == 'm') {
        v <<= 20;
        s++;
    }
    if (*s != '\0') {
        return OTA_ERR_INVALID_ARG;
    }
    if (v > max) {
        return OTA_ERR_RANGE;
    }
    *out = v;
    return OTA_OK;
}

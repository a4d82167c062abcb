/* The HTTP header values of a response, read (ota_http.h). */
#include <string.h>

#include "ota_codec.h"
#include "ota_http.h"
#include "ota_util.h"

int ota_http_validator(const ota_http_response_t *r, bool strong_only, char *out)
{
    const char *v = r->etag;
    int kind = OTA_HTTP_VALIDATOR_ETAG;
    size_t n;

    if (v[0] == '\0' || (strong_only && v[0] == 'W' && v[1] == '/')) {
        v = r->last_modified;
        kind = OTA_HTTP_VALIDATOR_LAST_MODIFIED;
    }
    /* The port promises NUL-terminated fields; a field filled to the brim
     * without its NUL is taken as absent rather than read past. */
    n = ota_strnlen(v, OTA_HTTP_VALIDATOR_MAX + 1u);
    if (n == 0 || n > OTA_HTTP_VALIDATOR_MAX) {
        out[0] = '\0';
        return OTA_HTTP_VALIDATOR_NONE;
    }
    memcpy(out, v, n + 1u);
    return kind;
}

int ota_http_retry_after(const char *value, const ota_system_t *sys, uint32_t max_ms, uint32_t *ms)
{
    size_t n = ota_strnlen(value, OTA_HTTP_RETRY_AFTER_MAX + 1u);
    uint64_t seconds = 0;

    if (n == 0) {
        return OTA_ERR_NOT_FOUND;
    }
    if (value[0] >= '0' && value[0] <= '9') {
        /* delta-seconds: any number of digits; a huge one only saturates. */
        for (size_t i = 0; i < n; i++) {
            if (value[i] < '0' || value[i] > '9') {
                return OTA_ERR_INVALID_ARG;
            }
            if (seconds < UINT32_MAX) {
                seconds = seconds * 10u + (uint64_t)(value[i] - '0');
            }
        }
    } else {
        uint64_t when, now;
        if (ota_http_date_parse(value, n, &when) != OTA_OK) {
            return OTA_ERR_INVALID_ARG;
        }
        /* Without a clock the device trusts, "until 14:00 GMT" says nothing
         * about how long to wait. */
        if (sys == NULL || sys->utc_time == NULL || sys->utc_time(sys->ctx, &now) != OTA_OK) {
            return OTA_ERR_NOT_SUPPORTED;
        }
        seconds = when > now ? when - now : 0u;
    }
    /* At most ~4.3e10 s of digits, or a date before 10000: no overflow here. */
    uint64_t wait = seconds * 1000u;
    *ms = wait > max_ms ? max_ms : (uint32_t)wait;
    return OTA_OK;
}

/* The decimal number at *p up to the character stop, advancing *p past stop. */
static int take_number(const char **p, char stop, uint32_t *out)
{
    const char *end = strchr(*p, stop);
    if (end == NULL || ota_dec_parse(*p, (size_t)(end - *p), out) != OTA_OK) {
        return OTA_ERR_INVALID_ARG;
    }
    *p = end + 1;
    return OTA_OK;
}

int ota_http_content_range(const char *value, uint32_t *first, uint32_t *length)
{
    const char *p = value;
    uint32_t last;

    if (ota_strnlen(value, OTA_HTTP_CONTENT_RANGE_MAX + 1u) > OTA_HTTP_CONTENT_RANGE_MAX ||
        strncmp(p, "bytes ", 6) != 0) {
        return OTA_ERR_INVALID_ARG;
    }
    p += 6;
    if (take_number(&p, '-', first) != OTA_OK || take_number(&p, '/', &last) != OTA_OK || last < *first) {
        return OTA_ERR_INVALID_ARG;
    }
    if (p[0] == '*' && p[1] == '\0') {
        *length = 0;
        return OTA_OK;
    }
    if (ota_dec_parse(p, strlen(p), length) != OTA_OK || *length <= last) {
        return OTA_ERR_INVALID_ARG;
    }
    return OTA_OK;
}

/*
 * Internal to the core: reading the HTTP header values a transport hands
 * over in ota_http_response_t (http.c). Pure and bounded, no allocation;
 * the only port called is the system's trusted time, for a Retry-After date.
 */
#ifndef SYSOTA_OTA_HTTP_H
#define SYSOTA_OTA_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_port.h"

/** Which validator a stored one is: how it goes back to the server. */
enum ota_http_validator_kind {
    OTA_HTTP_VALIDATOR_NONE = 0,
    OTA_HTTP_VALIDATOR_ETAG = 1,         /**< an ETag: If-None-Match / If-Range */
    OTA_HTTP_VALIDATOR_LAST_MODIFIED = 2 /**< a Last-Modified date: If-Modified-Since / If-Range */
};

/**
 * The validator of r to keep, into out (OTA_HTTP_VALIDATOR_MAX + 1 bytes):
 * its ETag if it has one, else its Last-Modified date. With strong_only
 * (what If-Range needs: a weak "W/" ETag never matches there), a weak ETag
 * is passed over for the date. Returns the kind (OTA_HTTP_VALIDATOR_NONE
 * and "" when r carries none that qualifies).
 */
int ota_http_validator(const ota_http_response_t *r, bool strong_only, char *out);

/**
 * The wait a "Retry-After" value asks for, in *ms: delta-seconds, or an
 * HTTP date measured against the system's trusted time (sys->utc_time); a
 * date in the past is 0. Saturates at max_ms. OTA_OK; OTA_ERR_NOT_FOUND
 * for an empty value; OTA_ERR_NOT_SUPPORTED for a date while the device has
 * no trusted time (without one a date cannot be turned into a wait);
 * OTA_ERR_INVALID_ARG for anything else.
 */
int ota_http_retry_after(const char *value, const ota_system_t *sys, uint32_t max_ms, uint32_t *ms);

/**
 * The first byte and the full length of a "Content-Range" value
 * "bytes <first>-<last>/<length>" (*length 0 for "*", a length the server
 * does not know). OTA_OK, or OTA_ERR_INVALID_ARG for anything else (other
 * units, last before first, numbers past 2^32-1).
 */
int ota_http_content_range(const char *value, uint32_t *first, uint32_t *length);

#endif /* SYSOTA_OTA_HTTP_H */

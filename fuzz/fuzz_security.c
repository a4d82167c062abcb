/*
 * libFuzzer target: the parsers of what a server sends a device with keys,
 * before any signature is checked: the manifest's detached signature file
 * (ota_sigfile_parse), an entry's base64 Signature (ota_base64_decode) and
 * the manifest's Expires (ota_rfc3339_parse); and the HTTP header values
 * any device reads (ota_http.h: an HTTP date, Retry-After, Content-Range,
 * the validator kept).
 *
 * Every input goes through all of them, from a heap copy of exactly its
 * length, so that a read one byte past it is the sanitizer's report.
 * Beyond no crash, the round trips their headers promise are checked:
 *  - a signature file that parses is the encoding of what it parsed to, and
 *    any decoded signature file encodes to bytes that parse back to it;
 *  - base64 that decodes encodes back to the same text (the decoder is
 *    strict: one text per byte string), and any bytes encode to base64 that
 *    decodes back to them; a buffer one byte too small is refused, never
 *    written past;
 *  - a date-time that parses is between 1970 and the end of 9999 (give or
 *    take its offset), and written back as "YYYY-MM-DDTHH:MM:SSZ" parses to
 *    the same second; an HTTP date likewise, written back as IMF-fixdate;
 *  - a header value (as a transport hands it over: in its field, with its
 *    NUL) gives a Retry-After wait no longer than the cap, a Content-Range
 *    whose first byte is below its length, and a validator that is the
 *    field's own text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ota_codec.h"
#include "ota_http.h"
#include "ota_trust.h"
#include "fuzz_check.h"

/* 9999-12-31T23:59:59Z, the last second a date-time may write in UTC. */
#define RFC3339_LAST_UTC 253402300799ull
/* A local time in 9999 with a negative offset (up to -23:59), or its leap second, is a little later. */
#define RFC3339_LAST (RFC3339_LAST_UTC + 1u + 86400u)

static void check_sigfile(const uint8_t *in, size_t size)
{
    ota_sigfile_t sf, back;
    uint8_t enc[OTA_SIGFILE_LEN];
    const char *what = NULL;

    int err = ota_sigfile_parse(in, size, &sf, &what);
    if (err == OTA_OK) {
        CHECK(size == OTA_SIGFILE_LEN && what == NULL);
        ota_sigfile_encode(&sf, enc);
        CHECK(memcmp(enc, in, OTA_SIGFILE_LEN) == 0);
    } else {
        CHECK(err == OTA_ERR_SIGNATURE && what != NULL);
    }
    /* Any key id and signature, taken from the input: encode, then parse back. */
    memset(&sf, 0, sizeof sf);
    memcpy(&sf, in, size < sizeof sf ? size : sizeof sf);
    ota_sigfile_encode(&sf, enc);
    CHECK(ota_sigfile_parse(enc, sizeof enc, &back, &what) == OTA_OK);
    CHECK(memcmp(back.key_id, sf.key_id, OTA_KEY_ID_LEN) == 0 && memcmp(back.sig, sf.sig, OTA_SIG_LEN) == 0);
}

static void check_base64(const uint8_t *in, size_t size)
{
    const char *text = (const char *)in;
    size_t cap = size / 4u * 3u; /* the most that size characters decode to */
    uint8_t *bytes = malloc(cap ? cap : 1u);
    char *again = malloc(size + 1u);
    size_t n = 0;
    CHECK(bytes != NULL && again != NULL);

    int err = ota_base64_decode(text, size, bytes, cap, &n);
    if (err == OTA_OK) {
        CHECK(n <= cap);
        CHECK(ota_base64_encode(bytes, n, again, size + 1u) == (int)size);
        CHECK(memcmp(again, text, size) == 0 && again[size] == '\0');
        if (n > 0) {
            /* One byte short, in a buffer of exactly that size: refused, not overrun. */
            uint8_t *tight = malloc(n - 1u ? n - 1u : 1u);
            size_t m = 0;
            CHECK(tight != NULL);
            CHECK(ota_base64_decode(text, size, tight, n - 1u, &m) == OTA_ERR_TOO_LARGE);
            free(tight);
        }
    } else {
        CHECK(err == OTA_ERR_INVALID_ARG);
    }
    free(bytes);
    free(again);

    /* The other way: the input as bytes, encoded, decodes back to itself. */
    size_t len = (size + 2u) / 3u * 4u;
    char *enc = malloc(len + 1u);
    uint8_t *dec = malloc(size ? size : 1u);
    CHECK(enc != NULL && dec != NULL);
    CHECK(ota_base64_encode(in, size, enc, len) == OTA_ERR_TOO_LARGE); /* no room for the NUL */
    CHECK(ota_base64_encode(in, size, enc, len + 1u) == (int)len);
    CHECK(ota_base64_decode(enc, len, dec, size, &n) == OTA_OK);
    CHECK(n == size && memcmp(dec, in, size) == 0);
    free(enc);
    free(dec);
}

/* t, a second a parser returned, written back in format (expect_len
 * characters) parses to t again. */
static void check_written_back(uint64_t t, int (*parse)(const char *, size_t, uint64_t *), const char *format,
                               size_t expect_len)
{
    uint64_t back = 0;
    char text[40];
    time_t tt = (time_t)t;
    struct tm tm;
    CHECK(gmtime_r(&tt, &tm) != NULL);
    size_t n = strftime(text, sizeof text, format, &tm);
    CHECK(n == expect_len);
    CHECK(parse(text, n, &back) == OTA_OK && back == t);
}

static void check_rfc3339(const uint8_t *in, size_t size)
{
    uint64_t t = 0;
    if (ota_rfc3339_parse((const char *)in, size, &t) != OTA_OK) {
        return;
    }
    CHECK(t <= RFC3339_LAST);
    if (t > RFC3339_LAST_UTC) {
        return; /* in the year 10000 in UTC: not writable as a date-time */
    }
    check_written_back(t, ota_rfc3339_parse, "%Y-%m-%dT%H:%M:%SZ", 20);
}

static void check_http_date(const uint8_t *in, size_t size)
{
    uint64_t t = 0;
    if (ota_http_date_parse((const char *)in, size, &t) == OTA_OK) {
        CHECK(t <= RFC3339_LAST_UTC);
        check_written_back(t, ota_http_date_parse, "%a, %d %b %Y %H:%M:%S GMT", 29);
    }
}

static int fuzz_utc(void *ctx, uint64_t *seconds)
{
    (void)ctx;
    *seconds = 1796188770u;
    return OTA_OK;
}

static void check_http_fields(const uint8_t *in, size_t size)
{
    ota_http_response_t r;
    memset(&r, 0, sizeof r);
    size_t n = size < OTA_HTTP_RETRY_AFTER_MAX ? size : OTA_HTTP_RETRY_AFTER_MAX;
    memcpy(r.retry_after, in, n);
    n = size < OTA_HTTP_CONTENT_RANGE_MAX ? size : OTA_HTTP_CONTENT_RANGE_MAX;
    memcpy(r.content_range, in, n);
    n = size < OTA_HTTP_VALIDATOR_MAX ? size : OTA_HTTP_VALIDATOR_MAX;
    memcpy(r.etag, in, n);

    ota_system_t sys = { .utc_time = fuzz_utc };
    uint32_t ms = 0;
    if (ota_http_retry_after(r.retry_after, &sys, 21600000u, &ms) == OTA_OK) {
        CHECK(ms <= 21600000u);
    }
    uint32_t first = 0, length = 0;
    if (ota_http_content_range(r.content_range, &first, &length) == OTA_OK) {
        CHECK(length == 0 || first < length);
    }
    char v[OTA_HTTP_VALIDATOR_MAX + 1];
    int kind = ota_http_validator(&r, (size & 1u) != 0, v);
    CHECK(kind == OTA_HTTP_VALIDATOR_NONE ? v[0] == '\0' : strcmp(v, r.etag) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes: nothing after it for a parser to read. */
    uint8_t *in = malloc(size ? size : 1u);
    if (in == NULL) {
        return 0;
    }
    memcpy(in, data, size);
    check_sigfile(in, size);
    check_base64(in, size);
    check_rfc3339(in, size);
    check_http_date(in, size);
    check_http_fields(in, size);
    free(in);
    return 0;
}

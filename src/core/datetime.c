/*
 * Date-times as seconds since 1970 (ota_codec.h): RFC 3339 (the manifest's
 * Expires) and HTTP's IMF-fixdate (a Retry-After date). Days are counted
 * with the civil-calendar arithmetic of Howard Hinnant's days_from_civil,
 * written out here for the years 1970..9999 only.
 */
#include "ota_codec.h"

#include <stdbool.h>

/* The value of n digits at s, or -1 if one is not a digit. */
static int32_t digits(const char *s, unsigned n)
{
    int32_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool leap(int32_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (a valid date, y >= 1970). */
static int64_t days_from_civil(int32_t y, int32_t m, int32_t d)
{
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static const uint8_t month_days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

/* Seconds since 1970 of a calendar date and time of day (offset: the
 * local time's distance from UTC), each field checked against its range
 * (-1, a field that was not digits, fails too). */
static int to_seconds(int32_t y, int32_t mo, int32_t d, int32_t h, int32_t mi, int32_t se, int64_t offset,
                      uint64_t *unix_seconds)
{
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) {
        return OTA_ERR_INVALID_ARG;
    }
    if (d > month_days[mo - 1] + (mo == 2 && leap(y))) {
        return OTA_ERR_INVALID_ARG;
    }
    int64_t t = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + se - offset;
    if (t < 0) {
        return OTA_ERR_INVALID_ARG;
    }
    *unix_seconds = (uint64_t)t;
    return OTA_OK;
}

int ota_rfc3339_parse(const char *s, size_t len, uint64_t *unix_seconds)
{
    /* YYYY-MM-DDTHH:MM:SS is 19 characters; then [.digits] and Z or +HH:MM. */
    if (s == NULL || unix_seconds == NULL || len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':') {
        return OTA_ERR_INVALID_ARG;
    }
    int32_t y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int32_t h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    size_t i = 19;
    if (i < len && s[i] == '.') {
        size_t first = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == first) {
            return OTA_ERR_INVALID_ARG;
        }
    }
    int64_t offset = 0;
    if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int32_t oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) {
            return OTA_ERR_INVALID_ARG;
        }
        /* Local time = UTC + offset, so UTC = local - offset. */
        offset = (s[i] == '+' ? 1 : -1) * ((int64_t)oh * 3600 + (int64_t)om * 60);
        i += 6;
    } else {
        return OTA_ERR_INVALID_ARG;
    }
    return to_seconds(y, mo, d, h, mi, se, offset, unix_seconds);
}

/* The index of the three letters at s in names (n entries of 3), or -1. */
static int32_t name_index(const char *s, const char *names, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        const char *m = names + 3 * i;
        if (s[0] == m[0] && s[1] == m[1] && s[2] == m[2]) {
            return i;
        }
    }
    return -1;
}

int ota_http_date_parse(const char *s, size_t len, uint64_t *unix_seconds)
{
    /* "Sun, 06 Nov 1994 08:49:37 GMT": fixed columns, 29 characters. */
    if (s == NULL || unix_seconds == NULL || len != 29 || name_index(s, "MonTueWedThuFriSatSun", 7) < 0 ||
        s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
        s[25] != ' ' || s[26] != 'G' || s[27] != 'M' || s[28] != 'T') {
        return OTA_ERR_INVALID_ARG;
    }
    int32_t mo = name_index(s + 8, "JanFebMarAprMayJunJulAugSepOctNovDec", 12) + 1;
    return to_seconds(digits(s + 12, 4), mo, digits(s + 5, 2), digits(s + 17, 2), digits(s + 20, 2), digits(s + 23, 2),
                      0, unix_seconds);
}

/*
 * A strict RFC 8259 syntax check of a whole JSON document, bounded and
 * non-recursive. The manifest comes from the network, and jsmn, even with
 * JSMN_STRICT, accepts missing or trailing commas, "tru", "01", raw control
 * characters in strings and anything after the first value: we refuse all
 * of that rather than guess what a sloppy document meant.
 */
#include "ota_json.h"

#include <string.h>

#include "ota_hex.h"

bool ota_json_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* pos is at the opening quote. Returns the offset just past the closing quote, 0 if malformed. */
static size_t scan_string(const char *js, size_t pos, size_t len)
{
    pos++;
    while (pos < len) {
        unsigned char c = (unsigned char)js[pos];
        if (c == '"') {
            return pos + 1;
        }
        if (c < 0x20) {
            return 0; /* RFC 8259: control characters must be escaped */
        }
        if (c != '\\') {
            pos++;
            continue;
        }
        if (len - pos < 2) {
            return 0;
        }
        c = (unsigned char)js[pos + 1];
        if (c == 'u') {
            if (len - pos < 6) {
                return 0;
            }
            for (size_t i = 2; i < 6; i++) {
                if (ota_hex_digit((unsigned char)js[pos + i]) < 0) {
                    return 0;
                }
            }
            pos += 6;
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
            pos += 2;
        } else {
            return 0;
        }
    }
    return 0; /* unterminated */
}

/* pos is at '-' or a digit. Returns the offset just past the number, 0 if malformed. */
static size_t scan_number(const char *js, size_t pos, size_t len)
{
    if (js[pos] == '-') {
        pos++;
    }
    if (pos >= len || !is_digit(js[pos])) {
        return 0;
    }
    if (js[pos] == '0') {
        pos++; /* a leading zero stands alone: "01" leaves '1' as garbage */
    } else {
        while (pos < len && is_digit(js[pos])) {
            pos++;
        }
    }
    if (pos < len && js[pos] == '.') {
        pos++;
        if (pos >= len || !is_digit(js[pos])) {
            return 0;
        }
        while (pos < len && is_digit(js[pos])) {
            pos++;
        }
    }
    if (pos < len && (js[pos] == 'e' || js[pos] == 'E')) {
        pos++;
        if (pos < len && (js[pos] == '+' || js[pos] == '-')) {
            pos++;
        }
        if (pos >= len || !is_digit(js[pos])) {
            return 0;
        }
        while (pos < len && is_digit(js[pos])) {
            pos++;
        }
    }
    return pos;
}

/* Returns the offset past "true", "false" or "null" at pos, 0 otherwise. */
static size_t scan_literal(const char *js, size_t pos, size_t len)
{
    static const char *const words[] = { "true", "false", "null" };

    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i]);
        if (len - pos >= n && memcmp(js + pos, words[i], n) == 0) {
            return pos + n;
        }
    }
    return 0;
}

enum json_expect {
    EXPECT_VALUE,
    EXPECT_VALUE_OR_CLOSE, /* just after '[' */
    EXPECT_KEY,
    EXPECT_KEY_OR_CLOSE, /* just after '{' */
    EXPECT_COLON,
    EXPECT_COMMA_OR_CLOSE /* just after a value */
};

/*
 * One complete JSON value, optionally surrounded by whitespace, and nothing
 * else. A pushdown automaton whose stack is one bit per open container
 * (object or array), so its memory is fixed.
 */
int ota_json_check(const char *js, size_t len)
{
    uint8_t is_object[(OTA_JSON_DEPTH_MAX + 7) / 8] = { 0 };
    size_t depth = 0;
    enum json_expect st = EXPECT_VALUE;
    size_t pos = 0;

    while (pos < len) {
        char c = js[pos];
        size_t end;

        if (ota_json_is_ws(c)) {
            pos++;
            continue;
        }
        if (st == EXPECT_COMMA_OR_CLOSE) {
            if (depth == 0) {
                return OTA_ERR_JSON; /* something after the top-level value */
            }
            bool in_object = (is_object[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1u;
            if (c == ',') {
                st = in_object ? EXPECT_KEY : EXPECT_VALUE;
            } else if (c == (in_object ? '}' : ']')) {
                depth--;
            } else {
                return OTA_ERR_JSON;
            }
            pos++;
            continue;
        }
        if (st == EXPECT_COLON) {
            if (c != ':') {
                return OTA_ERR_JSON;
            }
            st = EXPECT_VALUE;
            pos++;
            continue;
        }
        if (st == EXPECT_KEY || st == EXPECT_KEY_OR_CLOSE) {
            if (c == '}' && st == EXPECT_KEY_OR_CLOSE) {
                depth--;
                st = EXPECT_COMMA_OR_CLOSE;
                pos++;
                continue;
            }
            if (c != '"' || (end = scan_string(js, pos, len)) == 0) {
                return OTA_ERR_JSON;
            }
            st = EXPECT_COLON;
            pos = end;
            continue;
        }
        /* EXPECT_VALUE or EXPECT_VALUE_OR_CLOSE */
        if (c == ']' && st == EXPECT_VALUE_OR_CLOSE) {
            depth--;
            st = EXPECT_COMMA_OR_CLOSE;
            pos++;
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth == OTA_JSON_DEPTH_MAX) {
                return OTA_ERR_TOO_LARGE;
            }
            uint8_t bit = (uint8_t)(1u << (depth % 8));
            if (c == '{') {
                is_object[depth / 8] |= bit;
            } else {
                is_object[depth / 8] &= (uint8_t)~bit;
            }
            depth++;
            st = (c == '{') ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
            pos++;
            continue;
        }
        if (c == '"') {
            end = scan_string(js, pos, len);
        } else if (c == '-' || is_digit(c)) {
            end = scan_number(js, pos, len);
        } else {
            end = scan_literal(js, pos, len);
        }
        if (end == 0) {
            return OTA_ERR_JSON;
        }
        st = EXPECT_COMMA_OR_CLOSE;
        pos = end;
    }
    return (st == EXPECT_COMMA_OR_CLOSE && depth == 0) ? OTA_OK : OTA_ERR_JSON;
}

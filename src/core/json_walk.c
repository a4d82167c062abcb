/*
 * Walking JSON text that ota_json_check() accepted (ota_json.h): values are
 * found by scanning from a position, with no tokens and no recursion.
 *
 * Why not a tokeniser: the text was already checked byte by byte, so every
 * question the manifest parser asks ("the next member", "the end of this
 * value") has a short answer from the text itself. A token array sized for
 * the largest manifest cost 2.5 KB of stack and a third-party header; this
 * costs a few pointers. Each scan is linear in the bytes it passes, and the
 * parser passes each entry a bounded number of times.
 */
#include "ota_json.h"

/* Just past the string whose opening quote is at p (checked text: it ends). */
static const char *string_end(const char *p)
{
    for (p++; *p != '"'; p++) {
        if (*p == '\\') {
            p++; /* the escaped byte; \uXXXX's digits are not quotes */
        }
    }
    return p + 1;
}

/* Just past the value that starts at p. */
static const char *value_end(const char *p)
{
    if (*p == '"') {
        return string_end(p);
    }
    if (*p != '{' && *p != '[') {
        /* A number or a literal: up to the next delimiter. */
        while (*p != ',' && *p != '}' && *p != ']' && !ota_json_is_ws(*p) && *p != '\0') {
            p++;
        }
        return p;
    }
    /* A container: count brackets outside strings down to zero. */
    unsigned depth = 0;
    do {
        if (*p == '"') {
            p = string_end(p);
            continue;
        }
        if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
        }
        p++;
    } while (depth > 0);
    return p;
}

/* The first byte at or after p that is not whitespace, and not after end. */
static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && ota_json_is_ws(*p)) {
        p++;
    }
    return p;
}

ota_json_span_t ota_json_root(const char *js, size_t len)
{
    ota_json_span_t v;
    const char *end = js + len;
    v.p = skip_ws(js, end);
    /* A number at the very end of the text has no delimiter after it. */
    const char *e = v.p;
    if (*e == '"' || *e == '{' || *e == '[') {
        e = value_end(e);
    } else {
        while (e < end && *e != ',' && !ota_json_is_ws(*e)) {
            e++;
        }
    }
    v.len = (size_t)(e - v.p);
    return v;
}

ota_json_kind_t ota_json_kind(ota_json_span_t v)
{
    switch (v.p[0]) {
    case '{':
        return OTA_JSON_OBJECT;
    case '[':
        return OTA_JSON_ARRAY;
    case '"':
        return OTA_JSON_STRING;
    case 't':
        return OTA_JSON_TRUE;
    case 'f':
        return OTA_JSON_FALSE;
    case 'n':
        return OTA_JSON_NULL;
    default:
        return OTA_JSON_NUMBER;
    }
}

ota_json_span_t ota_json_contents(ota_json_span_t v)
{
    ota_json_span_t c = { v.p + 1, v.len - 2 };
    return c;
}

void ota_json_iter_init(ota_json_iter_t *it, ota_json_span_t v)
{
    it->p = v.p + 1;
    it->end = v.p + v.len - 1;
}

/* The next value at it->p (after a ',' when not the first), or false at the end. */
static bool next_value(ota_json_iter_t *it, ota_json_span_t *val)
{
    const char *p = skip_ws(it->p, it->end);
    if (p < it->end && *p == ',') {
        p = skip_ws(p + 1, it->end);
    }
    if (p >= it->end) {
        it->p = it->end;
        return false;
    }
    const char *e = value_end(p);
    val->p = p;
    val->len = (size_t)(e - p);
    it->p = e;
    return true;
}

bool ota_json_next_member(ota_json_iter_t *it, ota_json_span_t *key, ota_json_span_t *val)
{
    ota_json_span_t k;
    if (!next_value(it, &k)) {
        return false;
    }
    *key = ota_json_contents(k);
    /* the ':' and the value */
    it->p = skip_ws(it->p, it->end) + 1;
    return next_value(it, val);
}

bool ota_json_next_element(ota_json_iter_t *it, ota_json_span_t *val)
{
    return next_value(it, val);
}

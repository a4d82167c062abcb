/*
 * JSON string values, decoded one byte at a time: escapes resolved, \u
 * escapes (and surrogate pairs) written as UTF-8. The text was checked by
 * ota_json_check(), so every escape is whole.
 */
#include "ota_json.h"

#include "ota_hex.h"

void ota_json_str_init(ota_json_str_t *s, const char *p, size_t len)
{
    s->p = p;
    s->end = p + len;
    s->npend = 0;
    s->ipend = 0;
}

static uint32_t hex4(const char *p)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        v = (v << 4) | (uint32_t)ota_hex_digit((unsigned char)p[i]);
    }
    return v;
}

int ota_json_str_next(ota_json_str_t *s)
{
    if (s->ipend < s->npend) {
        return s->pend[s->ipend++];
    }
    if (s->p >= s->end) {
        return -1;
    }
    unsigned char c = (unsigned char)*s->p++;
    if (c != '\\' || s->p >= s->end) {
        return c;
    }
    c = (unsigned char)*s->p++;
    switch (c) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'u':
        break;
    default:
        return c; /* '"', '\\' or '/' */
    }
    if (s->end - s->p < 4) {
        return -1;
    }
    uint32_t cp = hex4(s->p);
    s->p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF && s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u') {
        uint32_t lo = hex4(s->p + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            s->p += 6;
        }
    }
    /* A lone surrogate keeps its 3-byte form: only equality of keys depends on it. */
    if (cp < 0x80) {
        s->pend[0] = (uint8_t)cp;
        s->npend = 1;
    } else if (cp < 0x800) {
        s->pend[0] = (uint8_t)(0xC0 | (cp >> 6));
        s->pend[1] = (uint8_t)(0x80 | (cp & 0x3F));
        s->npend = 2;
    } else if (cp < 0x10000) {
        s->pend[0] = (uint8_t)(0xE0 | (cp >> 12));
        s->pend[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        s->pend[2] = (uint8_t)(0x80 | (cp & 0x3F));
        s->npend = 3;
    } else {
        s->pend[0] = (uint8_t)(0xF0 | (cp >> 18));
        s->pend[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        s->pend[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        s->pend[3] = (uint8_t)(0x80 | (cp & 0x3F));
        s->npend = 4;
    }
    s->ipend = 1;
    return s->pend[0];
}

int ota_json_str_decode(const char *p, size_t len, char *out, size_t cap)
{
    ota_json_str_t s;
    size_t n = 0;
    int c;

    ota_json_str_init(&s, p, len);
    while ((c = ota_json_str_next(&s)) >= 0) {
        if (n + 1 >= cap) {
            return -1;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return (int)n;
}

bool ota_json_str_equal(const char *a, size_t a_len, const char *b, size_t b_len)
{
    ota_json_str_t sa;
    ota_json_str_t sb;
    int ca;
    int cb;

    ota_json_str_init(&sa, a, a_len);
    ota_json_str_init(&sb, b, b_len);
    do {
        ca = ota_json_str_next(&sa);
        cb = ota_json_str_next(&sb);
        if (ca != cb) {
            return false;
        }
    } while (ca >= 0);
    return true;
}

bool ota_json_str_is(const char *p, size_t len, const char *word)
{
    ota_json_str_t s;
    int c;

    ota_json_str_init(&s, p, len);
    for (; *word != '\0'; word++) {
        if (ota_json_str_next(&s) != (unsigned char)*word) {
            return false;
        }
    }
    c = ota_json_str_next(&s);
    return c < 0;
}

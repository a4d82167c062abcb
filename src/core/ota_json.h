/*
 * Internal to the core: JSON text, checked strictly and read without
 * allocation or tokens (json_check.c, json_walk.c, json_string.c). The
 * manifest parser uses it.
 */
#ifndef SYSOTA_OTA_JSON_H
#define SYSOTA_OTA_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_error.h"

/*
 * Deepest nesting ota_json_check() accepts (OTA_ERR_TOO_LARGE beyond): a
 * manifest needs four levels; the bitmap costs one bit a level.
 */
#define OTA_JSON_DEPTH_MAX 32

/** JSON whitespace: space, tab, LF, CR (not form feed). */
bool ota_json_is_ws(char c);

/**
 * One complete JSON value (RFC 8259), optionally surrounded by whitespace,
 * and nothing else in len bytes. OTA_OK, OTA_ERR_JSON, or OTA_ERR_TOO_LARGE
 * when nested deeper than OTA_JSON_DEPTH_MAX. A pushdown automaton whose
 * stack is one bit per open container: its memory is fixed.
 */
int ota_json_check(const char *js, size_t len);

/*
 * Walking checked text: once ota_json_check() accepted a document, its
 * values are found by scanning it again from a position, with no tokens
 * and no recursion (a container is skipped by counting brackets outside
 * strings). Only ever call these on text ota_json_check() accepted.
 */

/** A value in checked text: its first byte and its length (a string with its quotes). */
typedef struct ota_json_span {
    const char *p;
    size_t len;
} ota_json_span_t;

/** The kinds of value, told by the first byte. */
typedef enum ota_json_kind {
    OTA_JSON_OBJECT,
    OTA_JSON_ARRAY,
    OTA_JSON_STRING,
    OTA_JSON_NUMBER,
    OTA_JSON_TRUE,
    OTA_JSON_FALSE,
    OTA_JSON_NULL
} ota_json_kind_t;

/** Walks the members of an object or the elements of an array. */
typedef struct ota_json_iter {
    const char *p;   /* next byte to look at */
    const char *end; /* the container's closing bracket */
} ota_json_iter_t;

/** The top-level value of len bytes of checked text. */
ota_json_span_t ota_json_root(const char *js, size_t len);

/** The kind of a value. */
ota_json_kind_t ota_json_kind(ota_json_span_t v);

/** A string value's contents, between its quotes (still escaped). */
ota_json_span_t ota_json_contents(ota_json_span_t v);

/** Start walking the object or array v. */
void ota_json_iter_init(ota_json_iter_t *it, ota_json_span_t v);

/**
 * The next member of an object: true with *key (its contents, still
 * escaped) and *val; false after the last one.
 */
bool ota_json_next_member(ota_json_iter_t *it, ota_json_span_t *key, ota_json_span_t *val);

/** The next element of an array: true with *val; false after the last one. */
bool ota_json_next_element(ota_json_iter_t *it, ota_json_span_t *val);

/** Reads the contents of one string value (between its quotes) byte by byte. */
typedef struct ota_json_str {
    const char *p;
    const char *end;
    uint8_t pend[4]; /* the rest of a \u escape's UTF-8 bytes */
    uint8_t npend;
    uint8_t ipend;
} ota_json_str_t;

/** Start reading the len bytes at p (a string's contents, already checked). */
void ota_json_str_init(ota_json_str_t *s, const char *p, size_t len);

/** Next decoded byte 0..255, or -1 at the end. */
int ota_json_str_next(ota_json_str_t *s);

/** Decode into out, NUL-terminated. Returns the length, or -1 if it needs more than cap-1 bytes. */
int ota_json_str_decode(const char *p, size_t len, char *out, size_t cap);

/** True when the two strings are equal once decoded ("Vers\u0069on" equals "Version"). */
bool ota_json_str_equal(const char *a, size_t a_len, const char *b, size_t b_len);

/** True when the decoded string equals the plain ASCII word. */
bool ota_json_str_is(const char *p, size_t len, const char *word);

#endif /* SYSOTA_OTA_JSON_H */

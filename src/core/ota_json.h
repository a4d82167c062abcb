/*
 * Internal to the core: JSON text, checked strictly and read without
 * allocation (json_check.c, json_string.c). The manifest parser uses it.
 */
#ifndef SYSOTA_OTA_JSON_H
#define SYSOTA_OTA_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_error.h"

/*
 * Deepest nesting ota_json_check() tracks. Every '{' or '[' costs the
 * tokeniser one token, so a document nested deeper than the token budget
 * could not be tokenised anyway: same answer, OTA_ERR_TOO_LARGE.
 */
#define OTA_JSON_DEPTH_MAX OTA_MANIFEST_MAX_TOKENS

/** JSON whitespace: space, tab, LF, CR (not form feed). */
bool ota_json_is_ws(char c);

/**
 * One complete JSON value (RFC 8259), optionally surrounded by whitespace,
 * and nothing else in len bytes. OTA_OK, OTA_ERR_JSON, or OTA_ERR_TOO_LARGE
 * when nested deeper than OTA_JSON_DEPTH_MAX. A pushdown automaton whose
 * stack is one bit per open container: its memory is fixed.
 */
int ota_json_check(const char *js, size_t len);

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

/*
 * Internal to the core: image URLs (url.c). ota_url_file_name() is declared
 * in ota_manifest.h; this adds what the parser and the service share.
 */
#ifndef SYSOTA_OTA_URL_H
#define SYSOTA_OTA_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "ota_manifest.h"

/** ota_url_file_name(), with *what set to a constant reason on failure (the name is then undefined). */
int ota_url_name(const char *url, char *name, size_t cap, const char **what);

/** True when url starts with "https://", ignoring case. */
bool ota_url_is_https(const char *url);

#endif /* SYSOTA_OTA_URL_H */

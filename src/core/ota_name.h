/*
 * Internal to the core: store file names, the one rule for every name the
 * core writes into the external store or reads from the image database, and
 * that a store port
 * may apply to what it is given.
 *
 * A store name is flat and portable to the simplest file systems a device
 * may use (FAT with 8.3 short names, littlefs, a host directory):
 *  - 1 .. OTA_STORE_NAME_MAX bytes of ASCII letters, digits and "._+~-"
 *    (so no '/', '\\', '%', ',', space, control or non-ASCII byte; nothing
 *    FAT forbids);
 *  - not "." or "..", and not ending with '.' (FAT drops a trailing dot, so
 *    "a." would alias "a");
 *  - no '~' followed by a digit ("IMAGE_~1.CSV" is the 8.3 alias FAT gives a
 *    long name: on such a store it would alias the database).
 * An image name (a database row, a name taken from a URL) is a store name
 * that does not start with '.': those are the core's temporary files.
 */
#ifndef SYSOTA_OTA_NAME_H
#define SYSOTA_OTA_NAME_H

#include <stddef.h>

#include "sysota/ota_error.h"
#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Check the len bytes at name (no NUL needed) against the store name rule.
 * Returns OTA_OK, or OTA_ERR_NAME with *what (when what is not NULL) set to
 * a constant string naming the problem, e.g. "name: unsafe character".
 */
int ota_name_check(const char *name, size_t len, const char **what);

/** ota_name_check, and the name does not start with '.' (an image, not a temporary file). */
int ota_name_check_image(const char *name, size_t len, const char **what);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_NAME_H */

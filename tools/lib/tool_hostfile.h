/*
 * sysota host tools: whole-file reads and atomic file replacement.
 *
 * Every file a tool writes (a .bin for the server, a factory .hex, a
 * manifest) goes to a temporary file in the same directory, is flushed to
 * disk, and is then renamed over the destination. A tool killed half way,
 * or a machine that loses power, leaves either the old file or the new one,
 * never a torn one that a server would then hand out to devices.
 */
#ifndef SYSOTA_TOOLS_OTA_HOSTFILE_H
#define SYSOTA_TOOLS_OTA_HOSTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "sysota/ota_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Read the whole file at path into a new buffer (*data, NUL-terminated for
 * convenience, to be freed with free()) of *len bytes. Returns OTA_OK,
 * OTA_ERR_NOT_FOUND when there is no such file, OTA_ERR_NO_SPACE when out of
 * memory, or OTA_ERR_IO; errno then tells why.
 */
int tool_hostfile_read(const char *path, char **data, size_t *len);

/** An output file being written; it appears at its path only on commit. */
typedef struct tool_hostfile_out {
    FILE *f;
    char *path; /**< the destination */
    char *tmp;  /**< the temporary file next to it */
} tool_hostfile_out_t;

/**
 * Start writing path: create a temporary file in the same directory (so
 * that the final rename stays within one file system). Returns OTA_OK or
 * OTA_ERR_IO (errno tells why) / OTA_ERR_NO_SPACE.
 */
int tool_hostfile_begin(tool_hostfile_out_t *out, const char *path);

/** Append len bytes. OTA_OK or OTA_ERR_IO. */
int tool_hostfile_write(tool_hostfile_out_t *out, const void *data, size_t len);

/**
 * Flush and fsync the temporary file, rename it over path, and fsync the
 * directory so that the rename itself survives a power cut. On any failure
 * the temporary file is removed and path is untouched. Always releases out.
 * Returns OTA_OK or OTA_ERR_IO.
 */
int tool_hostfile_commit(tool_hostfile_out_t *out);

/** Give up: remove the temporary file, release out. path is untouched. */
void tool_hostfile_abort(tool_hostfile_out_t *out);

/**
 * The whole of begin, write and commit for len bytes already in memory.
 * Returns OTA_OK, or the first failure (errno tells why); path is then untouched.
 */
int tool_hostfile_save(const char *path, const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TOOLS_OTA_HOSTFILE_H */

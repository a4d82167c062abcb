/*
 * test_tmpdir.h for the target build: a fresh name under "ram/" that the
 * RAM store (store_dir_ram.c) makes a directory of when a fixture opens a
 * store there, and removing it drops the store's files.
 */
#include "test_tmpdir.h"

#include <stdio.h>

#include "ram_dirs.h"
#include "sysota/ota_error.h"

int test_tmpdir_make(char *out, size_t cap, const char *tag)
{
    static unsigned serial;
    int n = snprintf(out, cap, "ram/sysota-%s-%u", tag != NULL ? tag : "test", ++serial);
    return n >= 0 && (size_t)n < cap ? OTA_OK : OTA_ERR_TOO_LARGE;
}

int test_tmpdir_remove(const char *dir)
{
    /* A folder whose store was never opened has nothing to drop. */
    int rc = ram_dirs_remove(dir);
    return rc == OTA_ERR_NOT_FOUND ? OTA_OK : rc;
}

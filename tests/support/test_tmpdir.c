/*
 * Temporary directories of the tests on the host: see test_tmpdir.h.
 */
#include "test_tmpdir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysota/ota_error.h"

int test_tmpdir_make(char *out, size_t cap, const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0') {
        base = "/tmp";
    }
    int n = snprintf(out, cap, "%s/sysota-%s-XXXXXX", base, tag != NULL ? tag : "test");
    if (n < 0 || (size_t)n >= cap) {
        return OTA_ERR_TOO_LARGE;
    }
    if (mkdtemp(out) == NULL) {
        fprintf(stderr, "mkdtemp %s: %s\n", out, strerror(errno));
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

int test_tmpdir_remove(const char *dir)
{
    if (dir == NULL || dir[0] == '\0' || strcmp(dir, "/") == 0) {
        return OTA_ERR_INVALID_ARG;
    }
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? OTA_OK : OTA_ERR_IO;
}

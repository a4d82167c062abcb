/*
 * Temporary directories of the tests. The seam between a test's fixture
 * and where its files live: on the host a fresh folder under $TMPDIR
 * (test_tmpdir.c); in the target build (target/sim) a name for the RAM
 * store, which the same fixture code then opens.
 */
#ifndef SYSOTA_TEST_TMPDIR_H
#define SYSOTA_TEST_TMPDIR_H

#include <stddef.h>

/** Make a fresh private directory; its path in out. OTA_OK or an OTA_ERR_*. */
int test_tmpdir_make(char *out, size_t cap, const char *tag);

/** Remove a directory tree made by test_tmpdir_make (and everything in it). */
int test_tmpdir_remove(const char *dir);

#endif /* SYSOTA_TEST_TMPDIR_H */

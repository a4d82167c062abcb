/*
 * Whole-file reads and atomic replacement: the destination holds the old
 * content or the new, never a mix, and no temporary file is left behind.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tool_hostfile.h"
#include "tool_test_util.h"

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static void test_commit_replaces_the_file_and_leaves_no_temporary(void **state)
{
    (void)state;
    char *dir = tt_tempdir();
    char *path = tt_path(dir, "m.json");
    tt_write_file(path, "old", 3);
    mode_t old_mask = umask(022);
    tool_hostfile_out_t out;
    assert_int_equal(tool_hostfile_begin(&out, path), OTA_OK);
    assert_int_equal(tool_hostfile_write(&out, "new ", 4), OTA_OK);
    /* Until the commit, readers still see the old file. */
    char *seen = tt_read_file(path, NULL);
    assert_string_equal(seen, "old");
    free(seen);
    assert_int_equal(tool_hostfile_write(&out, "content", 7), OTA_OK);
    assert_int_equal(tool_hostfile_commit(&out), OTA_OK);
    seen = tt_read_file(path, NULL);
    assert_string_equal(seen, "new content");
    free(seen);
    assert_int_equal(entries(dir), 1);
    /* an ordinary file a web server can read, not mkstemp's 0600 */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    umask(old_mask);
    tt_rmdir(dir);
    free(path);
    free(dir);
}

static void test_abort_keeps_the_old_file_and_removes_the_temporary(void **state)
{
    (void)state;
    char *dir = tt_tempdir();
    char *path = tt_path(dir, "out.bin");
    tt_write_file(path, "old", 3);
    tool_hostfile_out_t out;
    assert_int_equal(tool_hostfile_begin(&out, path), OTA_OK);
    assert_int_equal(tool_hostfile_write(&out, "partial", 7), OTA_OK);
    assert_int_equal(entries(dir), 2);
    tool_hostfile_abort(&out);
    char *seen = tt_read_file(path, NULL);
    assert_string_equal(seen, "old");
    free(seen);
    assert_int_equal(entries(dir), 1);
    tt_rmdir(dir);
    free(path);
    free(dir);
}

static void test_begin_fails_in_a_missing_directory(void **state)
{
    (void)state;
    tool_hostfile_out_t out;
    assert_int_equal(tool_hostfile_begin(&out, "/nonexistent/dir/x.bin"), OTA_ERR_IO);
}

static void test_read_returns_the_bytes_with_a_terminating_nul(void **state)
{
    (void)state;
    char *dir = tt_tempdir();
    char *path = tt_path(dir, "big");
    size_t n = 10000; /* more than one growth of the buffer */
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++) {
        data[i] = (char)('a' + i % 26);
    }
    tt_write_file(path, data, n);
    char *got;
    size_t len;
    assert_int_equal(tool_hostfile_read(path, &got, &len), OTA_OK);
    assert_int_equal(len, n);
    assert_memory_equal(got, data, n);
    assert_int_equal(got[n], '\0');
    free(got);
    free(data);
    assert_int_equal(tool_hostfile_read("/nonexistent/x", &got, &len), OTA_ERR_NOT_FOUND);
    assert_null(got);
    tt_rmdir(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_replaces_the_file_and_leaves_no_temporary),
        cmocka_unit_test(test_abort_keeps_the_old_file_and_removes_the_temporary),
        cmocka_unit_test(test_begin_fails_in_a_missing_directory),
        cmocka_unit_test(test_read_returns_the_bytes_with_a_terminating_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

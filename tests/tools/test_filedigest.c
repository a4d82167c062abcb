/*
 * SHA-256 of files and streams, against the FIPS 180-2 test vectors.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tool_filedigest.h"
#include "tool_test_util.h"

static void digest_file_text(const char *content, size_t len, char hex[TOOL_FILEDIGEST_HEX_SIZE], uint64_t *size)
{
    char *dir = tt_tempdir();
    char *path = tt_path(dir, "f.bin");
    tt_write_file(path, content, len);
    uint8_t d[TOOL_FILEDIGEST_LEN];
    assert_int_equal(tool_filedigest_file(path, d, size), OTA_OK);
    tool_filedigest_hex(d, hex);
    tt_rmdir(dir);
    free(path);
    free(dir);
}

static void test_the_digest_of_an_empty_file_is_the_empty_sha256(void **state)
{
    (void)state;
    char hex[TOOL_FILEDIGEST_HEX_SIZE];
    uint64_t size = 99;
    digest_file_text("", 0, hex, &size);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(size, 0);
}

static void test_the_digest_of_abc_is_the_fips_vector(void **state)
{
    (void)state;
    char hex[TOOL_FILEDIGEST_HEX_SIZE];
    uint64_t size = 0;
    digest_file_text("abc", 3, hex, &size);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(size, 3);
}

static void test_a_file_larger_than_the_read_buffer_hashes_like_a_stream(void **state)
{
    (void)state;
    /* One million 'a': the FIPS long vector, read in several buffers. */
    size_t n = 1000000;
    char *a = malloc(n);
    memset(a, 'a', n);
    char hex[TOOL_FILEDIGEST_HEX_SIZE];
    uint64_t size = 0;
    digest_file_text(a, n, hex, &size);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    assert_int_equal(size, n);

    tool_filedigest_t d;
    assert_int_equal(tool_filedigest_start(&d), OTA_OK);
    for (size_t done = 0; done < n; done += 333) {
        assert_int_equal(tool_filedigest_update(&d, a + done, n - done < 333 ? n - done : 333), OTA_OK);
    }
    uint8_t out[TOOL_FILEDIGEST_LEN];
    assert_int_equal(tool_filedigest_finish(&d, out), OTA_OK);
    char hex2[TOOL_FILEDIGEST_HEX_SIZE];
    tool_filedigest_hex(out, hex2);
    assert_string_equal(hex2, hex);
    /* finish released it: using it again is a state error, not a crash */
    assert_int_equal(tool_filedigest_update(&d, "x", 1), OTA_ERR_STATE);
    tool_filedigest_abort(&d);
    free(a);
}

static void test_a_missing_file_is_not_found(void **state)
{
    (void)state;
    uint8_t d[TOOL_FILEDIGEST_LEN];
    assert_int_equal(tool_filedigest_file("/nonexistent/f.bin", d, NULL), OTA_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_digest_of_an_empty_file_is_the_empty_sha256),
        cmocka_unit_test(test_the_digest_of_abc_is_the_fips_vector),
        cmocka_unit_test(test_a_file_larger_than_the_read_buffer_hashes_like_a_stream),
        cmocka_unit_test(test_a_missing_file_is_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

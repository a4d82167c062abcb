/*
 * The directory store as a file API: read, write, append, rename, remove,
 * stat, list, name validation, handle table, capacity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store_dir.h"
#include "test_server.h"

static char dir[256];
static posix_store_dir_t st;
static ota_store_t s;

static int open_store(uint64_t capacity)
{
    posix_store_dir_config_t cfg = { .dir = dir, .capacity = capacity };
    int rc = posix_store_dir_open(&st, &cfg);
    posix_store_dir_port(&st, &s);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    if (test_tmpdir_make(dir, sizeof dir, "storedir") != OTA_OK) {
        return -1;
    }
    return open_store(0) == OTA_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    posix_store_dir_close(&st);
    test_tmpdir_remove(dir);
    return 0;
}

static void put(const char *name, const void *data, uint32_t len)
{
    int fh = s.open(s.ctx, name, OTA_STORE_WRITE);
    assert_true(fh >= 0);
    assert_int_equal(s.write(s.ctx, fh, data, len), OTA_OK);
    assert_int_equal(s.sync(s.ctx, fh), OTA_OK);
    assert_int_equal(s.close(s.ctx, fh), OTA_OK);
}

/* Read a whole file in small pieces; returns its length. */
static int get(const char *name, uint8_t *buf, uint32_t cap)
{
    int fh = s.open(s.ctx, name, OTA_STORE_READ);
    if (fh < 0) {
        return fh;
    }
    uint32_t got = 0;
    for (;;) {
        uint32_t want = cap - got < 7 ? cap - got : 7;
        int n = s.read(s.ctx, fh, buf + got, want);
        assert_true(n >= 0);
        if (n == 0) {
            break;
        }
        got += (uint32_t)n;
    }
    assert_int_equal(s.close(s.ctx, fh), OTA_OK);
    return (int)got;
}

static void test_a_written_file_reads_back_and_reports_its_size(void **state)
{
    (void)state;
    const char text[] = "the quick brown fox jumps over the lazy dog";
    put("fox.txt", text, sizeof text);
    uint8_t buf[128];
    assert_int_equal(get("fox.txt", buf, sizeof buf), sizeof text);
    assert_memory_equal(buf, text, sizeof text);
    uint32_t size = 0;
    assert_int_equal(s.stat(s.ctx, "fox.txt", &size), OTA_OK);
    assert_int_equal(size, sizeof text);
    assert_int_equal(posix_store_dir_used(&st), sizeof text);
}

static void test_write_truncates_an_existing_file(void **state)
{
    (void)state;
    put("a.bin", "0123456789", 10);
    put("a.bin", "xy", 2);
    uint8_t buf[16];
    assert_int_equal(get("a.bin", buf, sizeof buf), 2);
    assert_memory_equal(buf, "xy", 2);
    assert_int_equal(posix_store_dir_used(&st), 2);
}

static void test_append_creates_a_missing_file_and_adds_at_the_end(void **state)
{
    (void)state;
    int fh = s.open(s.ctx, "log", OTA_STORE_APPEND);
    assert_true(fh >= 0);
    assert_int_equal(s.write(s.ctx, fh, "ab", 2), OTA_OK);
    assert_int_equal(s.close(s.ctx, fh), OTA_OK);
    fh = s.open(s.ctx, "log", OTA_STORE_APPEND);
    assert_true(fh >= 0);
    assert_int_equal(s.write(s.ctx, fh, "cde", 3), OTA_OK);
    assert_int_equal(s.close(s.ctx, fh), OTA_OK);
    uint8_t buf[16];
    assert_int_equal(get("log", buf, sizeof buf), 5);
    assert_memory_equal(buf, "abcde", 5);
}

static void test_missing_files_are_not_found(void **state)
{
    (void)state;
    uint32_t size;
    assert_int_equal(s.open(s.ctx, "nope", OTA_STORE_READ), OTA_ERR_NOT_FOUND);
    assert_int_equal(s.stat(s.ctx, "nope", &size), OTA_ERR_NOT_FOUND);
    assert_int_equal(s.remove(s.ctx, "nope"), OTA_ERR_NOT_FOUND);
    assert_int_equal(s.rename(s.ctx, "nope", "other"), OTA_ERR_NOT_FOUND);
}

static void test_rename_moves_a_file_and_replaces_the_target(void **state)
{
    (void)state;
    put("new.tmp", "NEW", 3);
    put("db.csv", "OLDER", 5);
    assert_int_equal(s.rename(s.ctx, "new.tmp", "db.csv"), OTA_OK);
    uint32_t size;
    assert_int_equal(s.stat(s.ctx, "new.tmp", &size), OTA_ERR_NOT_FOUND);
    uint8_t buf[16];
    assert_int_equal(get("db.csv", buf, sizeof buf), 3);
    assert_memory_equal(buf, "NEW", 3);
    assert_int_equal(posix_store_dir_used(&st), 3);
    /* Renaming onto itself changes nothing. */
    assert_int_equal(s.rename(s.ctx, "db.csv", "db.csv"), OTA_OK);
    assert_int_equal(get("db.csv", buf, sizeof buf), 3);
}

static void test_remove_deletes_a_file_and_frees_its_space(void **state)
{
    (void)state;
    put("x", "12345", 5);
    put("y", "12", 2);
    assert_int_equal(s.remove(s.ctx, "x"), OTA_OK);
    assert_int_equal(s.open(s.ctx, "x", OTA_STORE_READ), OTA_ERR_NOT_FOUND);
    assert_int_equal(posix_store_dir_used(&st), 2);
}

typedef struct seen {
    int count;
    uint32_t total;
    char names[8][OTA_STORE_NAME_MAX + 1];
} seen_t;

static int collect(void *arg, const char *name, uint32_t size)
{
    seen_t *seen = arg;
    if (seen->count < 8) {
        snprintf(seen->names[seen->count], sizeof seen->names[0], "%s", name);
    }
    seen->count++;
    seen->total += size;
    return 0;
}

static int stop_at_first(void *arg, const char *name, uint32_t size)
{
    (void)name;
    (void)size;
    (*(int *)arg)++;
    return 1;
}

static bool has(const seen_t *seen, const char *name)
{
    for (int i = 0; i < seen->count && i < 8; i++) {
        if (strcmp(seen->names[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static void test_list_reports_every_file_once_and_stops_when_asked(void **state)
{
    (void)state;
    put("one", "1", 1);
    put("two", "22", 2);
    put("three", "333", 3);
    /* A subdirectory made behind the store's back is not a store file. */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    char made[300];
    assert_int_equal(test_tmpdir_make(made, sizeof made, "x"), OTA_OK);
    assert_int_equal(rename(made, sub), 0);
    seen_t seen = { 0 };
    assert_int_equal(s.list(s.ctx, collect, &seen), OTA_OK);
    assert_int_equal(seen.count, 3);
    assert_int_equal(seen.total, 6);
    assert_true(has(&seen, "one") && has(&seen, "two") && has(&seen, "three"));
    int calls = 0;
    assert_int_equal(s.list(s.ctx, stop_at_first, &calls), OTA_OK);
    assert_int_equal(calls, 1);
}

static void test_unsafe_names_are_refused_by_every_call(void **state)
{
    (void)state;
    put("good", "g", 1);
    /* The core's store name rule, no looser: a file the core could never
     * name is not one this store creates. */
    const char *bad[] = { "",          ".",
                          "..",        "a/b",
                          "/etc",      "../x",
                          "tab\there", "nl\n",
                          "del\x7f",   "123456789012345678901234567890123" /* 33 bytes */,
                          "a.",        "IMAGE_~1.CSV",
                          "sp ace",    "50%",
                          "a,b",       "caf\xc3\xa9" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t size;
        assert_int_equal(posix_store_dir_check_name(bad[i]), OTA_ERR_NAME);
        assert_int_equal(s.open(s.ctx, bad[i], OTA_STORE_WRITE), OTA_ERR_NAME);
        assert_int_equal(s.open(s.ctx, bad[i], OTA_STORE_READ), OTA_ERR_NAME);
        assert_int_equal(s.stat(s.ctx, bad[i], &size), OTA_ERR_NAME);
        assert_int_equal(s.remove(s.ctx, bad[i]), OTA_ERR_NAME);
        assert_int_equal(s.rename(s.ctx, "good", bad[i]), OTA_ERR_NAME);
        assert_int_equal(s.rename(s.ctx, bad[i], "good"), OTA_ERR_NAME);
    }
    assert_int_equal(posix_store_dir_check_name(NULL), OTA_ERR_NAME);
    assert_int_equal(posix_store_dir_check_name("12345678901234567890123456789012"), OTA_OK);
    assert_int_equal(posix_store_dir_check_name("app..v2.bin"), OTA_OK);
    assert_int_equal(posix_store_dir_check_name(".imgdb.tmp"), OTA_OK);
    assert_int_equal(posix_store_dir_check_name("a~b+c-d_e.f"), OTA_OK);
    uint8_t buf[4];
    assert_int_equal(get("good", buf, sizeof buf), 1);
}

static void test_the_handle_table_is_fixed_and_closing_frees_a_slot(void **state)
{
    (void)state;
    int fh[POSIX_STORE_DIR_MAX_OPEN];
    for (int i = 0; i < POSIX_STORE_DIR_MAX_OPEN; i++) {
        char name[8];
        snprintf(name, sizeof name, "f%d", i);
        fh[i] = s.open(s.ctx, name, OTA_STORE_WRITE);
        assert_true(fh[i] >= 0 && fh[i] < POSIX_STORE_DIR_MAX_OPEN);
    }
    assert_int_equal(s.open(s.ctx, "extra", OTA_STORE_WRITE), OTA_ERR_FULL);
    assert_int_equal(posix_store_dir_open_handles(&st), POSIX_STORE_DIR_MAX_OPEN);
    assert_int_equal(s.close(s.ctx, fh[3]), OTA_OK);
    int again = s.open(s.ctx, "extra", OTA_STORE_WRITE);
    assert_int_equal(again, fh[3]);
    for (int i = 0; i < POSIX_STORE_DIR_MAX_OPEN; i++) {
        assert_int_equal(s.close(s.ctx, fh[i]), OTA_OK);
    }
    assert_int_equal(posix_store_dir_open_handles(&st), 0);
}

static void test_bad_handles_and_wrong_directions_are_refused(void **state)
{
    (void)state;
    put("r", "data", 4);
    uint8_t buf[4];
    assert_int_equal(s.read(s.ctx, -1, buf, 4), OTA_ERR_INVALID_ARG);
    assert_int_equal(s.read(s.ctx, POSIX_STORE_DIR_MAX_OPEN, buf, 4), OTA_ERR_INVALID_ARG);
    assert_int_equal(s.write(s.ctx, 0, buf, 4), OTA_ERR_INVALID_ARG); /* slot not open */
    assert_int_equal(s.close(s.ctx, 0), OTA_ERR_INVALID_ARG);
    int rd = s.open(s.ctx, "r", OTA_STORE_READ);
    assert_true(rd >= 0);
    assert_int_equal(s.write(s.ctx, rd, "zz", 2), OTA_ERR_INVALID_ARG);
    int wr = s.open(s.ctx, "w", OTA_STORE_WRITE);
    assert_true(wr >= 0);
    assert_int_equal(s.read(s.ctx, wr, buf, 4), OTA_ERR_INVALID_ARG);
    assert_int_equal(s.open(s.ctx, "r", OTA_STORE_READ | OTA_STORE_WRITE), OTA_ERR_INVALID_ARG);
    assert_int_equal(s.open(s.ctx, "r", 0), OTA_ERR_INVALID_ARG);
    s.close(s.ctx, rd);
    s.close(s.ctx, wr);
    assert_int_equal(s.close(s.ctx, wr), OTA_ERR_INVALID_ARG); /* double close */
}

static void test_a_write_beyond_capacity_writes_nothing_and_reports_no_space(void **state)
{
    (void)state;
    posix_store_dir_close(&st);
    assert_int_equal(open_store(100), OTA_OK);
    uint8_t block[60];
    memset(block, 'b', sizeof block);
    put("first", block, 60);
    int fh = s.open(s.ctx, "second", OTA_STORE_WRITE);
    assert_true(fh >= 0);
    assert_int_equal(s.write(s.ctx, fh, block, 30), OTA_OK);
    assert_int_equal(s.write(s.ctx, fh, block, 11), OTA_ERR_NO_SPACE);
    assert_int_equal(s.write(s.ctx, fh, block, 10), OTA_OK); /* exactly full */
    assert_int_equal(s.write(s.ctx, fh, block, 1), OTA_ERR_NO_SPACE);
    s.close(s.ctx, fh);
    uint32_t size;
    s.stat(s.ctx, "second", &size);
    assert_int_equal(size, 40);
    assert_int_equal(posix_store_dir_used(&st), 100);
    /* Removing or truncating a file gives its space back. */
    assert_int_equal(s.remove(s.ctx, "first"), OTA_OK);
    put("third", block, 60);
    put("second", block, 1);
    assert_int_equal(posix_store_dir_used(&st), 61);
}

static void test_capacity_counts_the_files_already_in_the_directory(void **state)
{
    (void)state;
    uint8_t block[80];
    memset(block, 'c', sizeof block);
    put("old", block, 80);
    posix_store_dir_close(&st);
    assert_int_equal(open_store(100), OTA_OK);
    assert_int_equal(posix_store_dir_used(&st), 80);
    int fh = s.open(s.ctx, "new", OTA_STORE_WRITE);
    assert_int_equal(s.write(s.ctx, fh, block, 21), OTA_ERR_NO_SPACE);
    assert_int_equal(s.write(s.ctx, fh, block, 20), OTA_OK);
    s.close(s.ctx, fh);
}

static void test_a_big_file_streams_through_in_large_writes(void **state)
{
    (void)state;
    enum { CHUNK = 64 * 1024, CHUNKS = 32 };
    static uint8_t chunk[CHUNK], back[CHUNK];
    int fh = s.open(s.ctx, "image.bin", OTA_STORE_WRITE);
    for (int i = 0; i < CHUNKS; i++) {
        test_fill_random(chunk, CHUNK, (uint32_t)i);
        assert_int_equal(s.write(s.ctx, fh, chunk, CHUNK), OTA_OK);
    }
    assert_int_equal(s.sync(s.ctx, fh), OTA_OK);
    s.close(s.ctx, fh);
    fh = s.open(s.ctx, "image.bin", OTA_STORE_READ);
    for (int i = 0; i < CHUNKS; i++) {
        test_fill_random(chunk, CHUNK, (uint32_t)i);
        assert_int_equal(s.read(s.ctx, fh, back, CHUNK), CHUNK);
        assert_memory_equal(back, chunk, CHUNK);
    }
    assert_int_equal(s.read(s.ctx, fh, back, CHUNK), 0);
    s.close(s.ctx, fh);
}

/* A file put there by hand under a name the rule refuses is not the store's. */
static void test_files_named_against_the_rule_are_not_listed(void **state)
{
    (void)state;
    put("kept", "k", 1);
    char path[512];
    snprintf(path, sizeof path, "%s/not mine.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
    seen_t seen;
    memset(&seen, 0, sizeof seen);
    assert_int_equal(s.list(s.ctx, collect, &seen), OTA_OK);
    assert_int_equal(seen.count, 1);
    assert_true(has(&seen, "kept"));
}

/* The simulator's helper: a file cut back as if its tail was never written. */
static void test_truncate_shortens_a_file_and_gives_its_space_back(void **state)
{
    (void)state;
    put("t", "0123456789", 10);
    assert_int_equal(posix_store_dir_truncate(&st, "t", 4), OTA_OK);
    uint8_t buf[16];
    assert_int_equal(get("t", buf, sizeof buf), 4);
    assert_memory_equal(buf, "0123", 4);
    assert_int_equal(posix_store_dir_used(&st), 4);
    assert_int_equal(posix_store_dir_truncate(&st, "t", 5), OTA_ERR_INVALID_ARG);
    assert_int_equal(posix_store_dir_truncate(&st, "none", 0), OTA_ERR_NOT_FOUND);
    assert_int_equal(posix_store_dir_truncate(&st, "a/b", 0), OTA_ERR_NAME);
}

static void test_the_no_fsync_mode_behaves_the_same(void **state)
{
    (void)state;
    posix_store_dir_close(&st);
    posix_store_dir_config_t cfg = { .dir = dir, .no_fsync = true };
    assert_int_equal(posix_store_dir_open(&st, &cfg), OTA_OK);
    posix_store_dir_port(&st, &s);
    put("a.tmp", "durable", 7);
    assert_int_equal(s.rename(s.ctx, "a.tmp", "a"), OTA_OK);
    uint8_t buf[8];
    assert_int_equal(get("a", buf, sizeof buf), 7);
    assert_int_equal(s.remove(s.ctx, "a"), OTA_OK);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_written_file_reads_back_and_reports_its_size),
        T(test_write_truncates_an_existing_file),
        T(test_append_creates_a_missing_file_and_adds_at_the_end),
        T(test_missing_files_are_not_found),
        T(test_rename_moves_a_file_and_replaces_the_target),
        T(test_remove_deletes_a_file_and_frees_its_space),
        T(test_list_reports_every_file_once_and_stops_when_asked),
        T(test_unsafe_names_are_refused_by_every_call),
        T(test_the_handle_table_is_fixed_and_closing_frees_a_slot),
        T(test_bad_handles_and_wrong_directions_are_refused),
        T(test_a_write_beyond_capacity_writes_nothing_and_reports_no_space),
        T(test_capacity_counts_the_files_already_in_the_directory),
        T(test_a_big_file_streams_through_in_large_writes),
        T(test_files_named_against_the_rule_are_not_listed),
        T(test_truncate_shortens_a_file_and_gives_its_space_back),
        T(test_the_no_fsync_mode_behaves_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

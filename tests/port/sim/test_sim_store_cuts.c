/*
 * Power cuts and injected faults on the simulated store (the directory
 * store under the cut protocol): unsynced data is
 * lost down to the synced length, synced data survives, rename and remove
 * stay atomic, nothing works until reboot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim_store.h"
#include "test_server.h"

#define SEEDS 200

static char dir[256];
static sim_power_t power;
static posix_store_dir_t sd;
static sim_store_t st;
static bool opened;
static ota_store_t s;

static void close_store(void)
{
    if (opened) {
        sim_store_close(&st);
        posix_store_dir_close(&sd);
        opened = false;
    }
}

static void reopen(uint64_t seed)
{
    close_store();
    test_tmpdir_remove(dir);
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "storecut"), OTA_OK);
    sim_power_init(&power, seed);
    posix_store_dir_config_t cfg = { .dir = dir, .no_fsync = true };
    assert_int_equal(posix_store_dir_open(&sd, &cfg), OTA_OK);
    assert_int_equal(sim_store_open(&st, &sd, &power), OTA_OK);
    sim_store_port(&st, &s);
    opened = true;
}

static int setup(void **state)
{
    (void)state;
    opened = false;
    dir[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close_store();
    if (dir[0] != '\0') {
        test_tmpdir_remove(dir);
    }
    return 0;
}

static void fill(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        buf[i] = (uint8_t)(i * 31 + 7);
    }
}

/* The file's bytes, read behind the store's back (what the next boot sees). */
static long host_read(const char *name, uint8_t *buf, size_t cap)
{
    char path[320];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    long n = (long)fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void test_a_cut_loses_unsynced_data_down_to_some_byte_between_synced_and_written(void **state)
{
    (void)state;
    uint8_t data[300], back[400];
    fill(data, sizeof data);
    int at_synced = 0, at_written = 0, between = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        reopen(seed);
        int fh = s.open(s.ctx, "img.tmp", OTA_STORE_WRITE);
        assert_true(fh >= 0);
        assert_int_equal(s.write(s.ctx, fh, data, 100), OTA_OK);
        assert_int_equal(s.sync(s.ctx, fh), OTA_OK);
        assert_int_equal(s.write(s.ctx, fh, data + 100, 150), OTA_OK);
        assert_int_equal(s.write(s.ctx, fh, data + 250, 50), OTA_OK);
        assert_int_equal(sim_power_cut(&power), OTA_OK);
        long n = host_read("img.tmp", back, sizeof back);
        assert_true(n >= 100 && n <= 300);
        assert_memory_equal(back, data, (size_t)n);
        at_synced += n == 100;
        at_written += n == 300;
        between += n > 100 && n < 300;
        assert_int_equal(posix_store_dir_used(&sd), (uint64_t)n);
    }
    assert_true(between > SEEDS / 2);
    assert_true(at_synced + at_written < SEEDS / 4);
}

static void test_synced_and_closed_data_survives_a_cut(void **state)
{
    (void)state;
    uint8_t data[256], back[300];
    fill(data, sizeof data);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        reopen(seed);
        int fh = s.open(s.ctx, "db.csv", OTA_STORE_WRITE);
        s.write(s.ctx, fh, data, sizeof data);
        assert_int_equal(s.sync(s.ctx, fh), OTA_OK);
        assert_int_equal(s.close(s.ctx, fh), OTA_OK);
        sim_power_cut(&power);
        assert_int_equal(host_read("db.csv", back, sizeof back), sizeof data);
        assert_memory_equal(back, data, sizeof data);
    }
}

static void test_closing_does_not_make_data_durable(void **state)
{
    (void)state;
    uint8_t data[200], back[300];
    fill(data, sizeof data);
    int lost = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        reopen(seed);
        int fh = s.open(s.ctx, "f", OTA_STORE_WRITE);
        s.write(s.ctx, fh, data, sizeof data);
        s.close(s.ctx, fh);
        sim_power_cut(&power);
        long n = host_read("f", back, sizeof back);
        assert_true(n >= 0 && n <= (long)sizeof data);
        assert_memory_equal(back, data, (size_t)n);
        lost += n < (long)sizeof data;
    }
    assert_true(lost > 40);
}

static void test_unsynced_bytes_follow_a_rename(void **state)
{
    (void)state;
    uint8_t data[200], back[300];
    fill(data, sizeof data);
    int lost = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        reopen(seed);
        int fh = s.open(s.ctx, "a.tmp", OTA_STORE_WRITE);
        s.write(s.ctx, fh, data, 50);
        s.sync(s.ctx, fh);
        s.write(s.ctx, fh, data + 50, 150);
        s.close(s.ctx, fh);
        assert_int_equal(s.rename(s.ctx, "a.tmp", "a.bin"), OTA_OK);
        sim_power_cut(&power);
        long n = host_read("a.bin", back, sizeof back);
        assert_true(n >= 50 && n <= 200);
        assert_memory_equal(back, data, (size_t)n);
        lost += n < 200;
    }
    assert_true(lost > 40);
}

static void test_appended_data_is_lost_only_after_the_old_synced_end(void **state)
{
    (void)state;
    uint8_t data[300], back[400];
    fill(data, sizeof data);
    for (uint64_t seed = 1; seed <= 50; seed++) {
        reopen(seed);
        int fh = s.open(s.ctx, "log", OTA_STORE_WRITE);
        s.write(s.ctx, fh, data, 120);
        s.sync(s.ctx, fh);
        s.close(s.ctx, fh);
        fh = s.open(s.ctx, "log", OTA_STORE_APPEND);
        s.write(s.ctx, fh, data + 120, 180);
        sim_power_cut(&power);
        long n = host_read("log", back, sizeof back);
        assert_true(n >= 120 && n <= 300);
        assert_memory_equal(back, data, (size_t)n);
    }
}

static void test_a_torn_write_stores_a_prefix_of_its_data(void **state)
{
    (void)state;
    uint8_t data[1000], back[1200];
    fill(data, sizeof data);
    int partial = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        reopen(seed);
        int fh = s.open(s.ctx, "t", OTA_STORE_WRITE); /* op 1 */
        s.write(s.ctx, fh, data, 100);                /* op 2 */
        s.sync(s.ctx, fh);                            /* op 3 */
        sim_power_arm(&power, 4, SIM_CUT_TORN);
        assert_int_equal(s.write(s.ctx, fh, data + 100, 900), OTA_ERR_POWER_LOST);
        long n = host_read("t", back, sizeof back);
        assert_true(n >= 100 && n < 1000);
        assert_memory_equal(back, data, (size_t)n);
        partial += n > 100;
    }
    assert_true(partial > 25);
}

static void test_a_skipped_write_stores_nothing_and_a_whole_one_is_still_unsynced(void **state)
{
    (void)state;
    uint8_t data[100], back[200];
    fill(data, sizeof data);
    reopen(9);
    int fh = s.open(s.ctx, "w", OTA_STORE_WRITE);
    s.write(s.ctx, fh, data, 40);
    s.sync(s.ctx, fh);
    sim_power_arm(&power, 4, SIM_CUT_SKIP);
    assert_int_equal(s.write(s.ctx, fh, data + 40, 60), OTA_ERR_POWER_LOST);
    assert_int_equal(host_read("w", back, sizeof back), 40);
    assert_int_equal(sim_power_cut_op(&power), 4);

    int shorter = 0;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        reopen(seed);
        fh = s.open(s.ctx, "w", OTA_STORE_WRITE);
        s.write(s.ctx, fh, data, 40);
        s.sync(s.ctx, fh);
        sim_power_arm(&power, 4, SIM_CUT_WHOLE);
        assert_int_equal(s.write(s.ctx, fh, data + 40, 60), OTA_ERR_POWER_LOST);
        /* Written completely, but never synced: the cut may take a suffix. */
        long n = host_read("w", back, sizeof back);
        assert_true(n >= 40 && n <= 100);
        assert_memory_equal(back, data, (size_t)n);
        shorter += n < 100;
    }
    assert_true(shorter > 20);
}

static void test_rename_is_atomic_under_a_cut(void **state)
{
    (void)state;
    int old_seen = 0, new_seen = 0;
    sim_cut_mode_t modes[] = { SIM_CUT_SKIP, SIM_CUT_WHOLE, SIM_CUT_TORN };
    for (size_t m = 0; m < 3; m++) {
        for (uint64_t seed = 1; seed <= 20; seed++) {
            reopen(seed);
            int fh = s.open(s.ctx, "db.new", OTA_STORE_WRITE);
            s.write(s.ctx, fh, "NEW", 3);
            s.sync(s.ctx, fh);
            s.close(s.ctx, fh);
            fh = s.open(s.ctx, "db", OTA_STORE_WRITE);
            s.write(s.ctx, fh, "OLD!", 4);
            s.sync(s.ctx, fh);
            s.close(s.ctx, fh);
            sim_power_arm(&power, sim_power_ops(&power) + 1, modes[m]);
            assert_int_equal(s.rename(s.ctx, "db.new", "db"), OTA_ERR_POWER_LOST);
            uint8_t back[8];
            long n = host_read("db", back, sizeof back);
            long tmp = host_read("db.new", back + 4, 4);
            if (n == 4) {
                assert_memory_equal(back, "OLD!", 4);
                assert_int_equal(tmp, 3); /* the old state, whole */
                old_seen++;
                assert_int_not_equal(modes[m], SIM_CUT_WHOLE);
            } else {
                assert_int_equal(n, 3);
                assert_memory_equal(back, "NEW", 3);
                assert_int_equal(tmp, -1);
                new_seen++;
                assert_int_not_equal(modes[m], SIM_CUT_SKIP);
            }
        }
    }
    assert_true(old_seen > 20 && new_seen > 20);
}

static void test_remove_is_atomic_under_a_cut(void **state)
{
    (void)state;
    sim_cut_mode_t modes[] = { SIM_CUT_SKIP, SIM_CUT_WHOLE };
    for (size_t m = 0; m < 2; m++) {
        reopen(4);
        int fh = s.open(s.ctx, "old.bin", OTA_STORE_WRITE);
        s.write(s.ctx, fh, "abc", 3);
        s.sync(s.ctx, fh);
        s.close(s.ctx, fh);
        sim_power_arm(&power, sim_power_ops(&power) + 1, modes[m]);
        assert_int_equal(s.remove(s.ctx, "old.bin"), OTA_ERR_POWER_LOST);
        uint8_t back[4];
        assert_int_equal(host_read("old.bin", back, sizeof back), modes[m] == SIM_CUT_SKIP ? 3 : -1);
    }
}

static void test_every_store_call_after_a_cut_fails_until_reboot_and_handles_are_gone(void **state)
{
    (void)state;
    reopen(2);
    int keep = s.open(s.ctx, "keep", OTA_STORE_WRITE);
    s.write(s.ctx, keep, "k", 1);
    s.sync(s.ctx, keep);
    int rd = s.open(s.ctx, "keep", OTA_STORE_READ);
    assert_true(rd >= 0);
    sim_power_cut(&power);
    uint8_t buf[4];
    uint32_t size;
    int dummy = 0;
    assert_int_equal(s.open(s.ctx, "keep", OTA_STORE_READ), OTA_ERR_POWER_LOST);
    assert_int_equal(s.open(s.ctx, "new", OTA_STORE_WRITE), OTA_ERR_POWER_LOST);
    assert_int_equal(s.read(s.ctx, rd, buf, 1), OTA_ERR_POWER_LOST);
    assert_int_equal(s.write(s.ctx, keep, "x", 1), OTA_ERR_POWER_LOST);
    assert_int_equal(s.sync(s.ctx, keep), OTA_ERR_POWER_LOST);
    assert_int_equal(s.close(s.ctx, keep), OTA_ERR_POWER_LOST);
    assert_int_equal(s.rename(s.ctx, "keep", "k2"), OTA_ERR_POWER_LOST);
    assert_int_equal(s.remove(s.ctx, "keep"), OTA_ERR_POWER_LOST);
    assert_int_equal(s.stat(s.ctx, "keep", &size), OTA_ERR_POWER_LOST);
    assert_int_equal(s.list(s.ctx, NULL, &dummy), OTA_ERR_POWER_LOST);
    assert_int_equal(host_read("new", buf, sizeof buf), -1);
    sim_power_reboot(&power);
    /* A rebooted device has no open files. */
    assert_int_equal(sim_store_open_handles(&st), 0);
    assert_int_equal(s.read(s.ctx, rd, buf, 1), OTA_ERR_INVALID_ARG);
    assert_int_equal(s.stat(s.ctx, "keep", &size), OTA_OK);
    assert_int_equal(size, 1);
}

static void test_a_cut_caused_by_the_victim_open_leaves_no_handle(void **state)
{
    (void)state;
    reopen(2);
    sim_power_arm(&power, 1, SIM_CUT_WHOLE);
    assert_int_equal(s.open(s.ctx, "created", OTA_STORE_WRITE), OTA_ERR_POWER_LOST);
    uint8_t buf[1];
    assert_int_equal(host_read("created", buf, 1), 0); /* created, empty */
    assert_int_equal(sim_store_open_handles(&st), 0);
    sim_power_reboot(&power);
    sim_power_arm(&power, 2, SIM_CUT_SKIP);
    assert_int_equal(s.open(s.ctx, "never", OTA_STORE_APPEND), OTA_ERR_POWER_LOST);
    assert_int_equal(host_read("never", buf, 1), -1);
}

static void test_fail_at_injects_one_error_that_writes_nothing(void **state)
{
    (void)state;
    reopen(3);
    int fh = s.open(s.ctx, "f", OTA_STORE_WRITE); /* op 1 */
    assert_int_equal(sim_power_fail_at(&power, 3, OTA_ERR_IO), OTA_OK);
    assert_int_equal(s.write(s.ctx, fh, "aaaa", 4), OTA_OK);     /* op 2 */
    assert_int_equal(s.write(s.ctx, fh, "bbbb", 4), OTA_ERR_IO); /* op 3 */
    assert_int_equal(s.write(s.ctx, fh, "cccc", 4), OTA_OK);     /* op 4 */
    assert_int_equal(sim_power_fail_at(&power, 5, OTA_ERR_NO_SPACE), OTA_OK);
    assert_int_equal(s.write(s.ctx, fh, "dddd", 4), OTA_ERR_NO_SPACE);
    assert_int_equal(s.sync(s.ctx, fh), OTA_OK);
    assert_int_equal(s.close(s.ctx, fh), OTA_OK);
    assert_int_equal(sim_power_is_on(&power), 1);
    uint8_t back[16];
    assert_int_equal(host_read("f", back, sizeof back), 8);
    assert_memory_equal(back, "aaaacccc", 8);
    /* A failed rename leaves both names as they were. */
    sim_power_fail_at(&power, sim_power_ops(&power) + 1, OTA_ERR_IO);
    assert_int_equal(s.rename(s.ctx, "f", "g"), OTA_ERR_IO);
    assert_int_equal(host_read("f", back, sizeof back), 8);
    assert_int_equal(host_read("g", back, sizeof back), -1);
    /* A failed close still releases the handle. */
    fh = s.open(s.ctx, "h", OTA_STORE_WRITE);
    sim_power_fail_at(&power, sim_power_ops(&power) + 1, OTA_ERR_IO);
    assert_int_equal(s.close(s.ctx, fh), OTA_ERR_IO);
    assert_int_equal(sim_store_open_handles(&st), 0);
}

static void test_only_mutating_calls_are_counted(void **state)
{
    (void)state;
    reopen(1);
    uint8_t buf[4];
    uint32_t size;
    int calls = 0;
    int w = s.open(s.ctx, "f", OTA_STORE_WRITE); /* 1 */
    s.write(s.ctx, w, "abcd", 4);                /* 2 */
    s.sync(s.ctx, w);                            /* 3 */
    s.close(s.ctx, w);                           /* 4 */
    int r = s.open(s.ctx, "f", OTA_STORE_READ);
    s.read(s.ctx, r, buf, 4);
    s.sync(s.ctx, r);
    s.close(s.ctx, r);
    s.stat(s.ctx, "f", &size);
    s.list(s.ctx, NULL, &calls);
    s.open(s.ctx, "missing", OTA_STORE_READ);
    s.remove(s.ctx, "missing");
    s.rename(s.ctx, "missing", "x");
    assert_int_equal(sim_power_ops(&power), 4);
    int a = s.open(s.ctx, "f", OTA_STORE_APPEND); /* 5 */
    s.write(s.ctx, a, "", 0);                     /* empty: nothing */
    s.close(s.ctx, a);                            /* 6 */
    s.rename(s.ctx, "f", "g");                    /* 7 */
    s.remove(s.ctx, "g");                         /* 8 */
    assert_int_equal(sim_power_ops(&power), 8);
    sim_store_counters_t c;
    sim_store_counters(&st, &c);
    assert_int_equal(c.mutating_ops, 8);
    assert_true(c.ops >= 18);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_cut_loses_unsynced_data_down_to_some_byte_between_synced_and_written),
        T(test_synced_and_closed_data_survives_a_cut),
        T(test_closing_does_not_make_data_durable),
        T(test_unsynced_bytes_follow_a_rename),
        T(test_appended_data_is_lost_only_after_the_old_synced_end),
        T(test_a_torn_write_stores_a_prefix_of_its_data),
        T(test_a_skipped_write_stores_nothing_and_a_whole_one_is_still_unsynced),
        T(test_rename_is_atomic_under_a_cut),
        T(test_remove_is_atomic_under_a_cut),
        T(test_every_store_call_after_a_cut_fails_until_reboot_and_handles_are_gone),
        T(test_a_cut_caused_by_the_victim_open_leaves_no_handle),
        T(test_fail_at_injects_one_error_that_writes_nothing),
        T(test_only_mutating_calls_are_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

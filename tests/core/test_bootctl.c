/*
 * The boot control record log, as a specification (docs/boot-control.md): the
 * newest record wins, a cut at any instant leaves the old record, the new
 * one, or a state the bootloader recognises as needing recovery; no write
 * unit is ever programmed twice between erases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_nor.h"
#include "sim_power.h"
#include "ota_bootctl.h"

typedef struct bench {
    sim_power_t power;
    sim_nor_t sim;
    ota_flash_t flash;
    ota_bootctl_t bc;
} bench_t;

static void bench_open(bench_t *b, uint32_t write_unit, uint64_t seed)
{
    memset(b, 0, sizeof *b);
    sim_power_init(&b->power, seed);
    sim_nor_config_t cfg = {
        .size = 16384, .sector_size = 4096, .write_unit = write_unit, .strict = true, .power = &b->power,
    };
    assert_int_equal(sim_nor_open(&b->sim, &cfg), OTA_OK);
    sim_nor_port(&b->sim, &b->flash);
    assert_int_equal(ota_bootctl_init(&b->bc, &b->flash, 4096, 0), OTA_OK);
}

static void bench_close(bench_t *b)
{
    sim_nor_close(&b->sim);
}

static ota_bootctl_record_t record(uint32_t version, uint8_t status)
{
    ota_bootctl_record_t r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.type = OTA_TYPE_PRODUCTION;
    r.version = version;
    r.size = 1000 + version;
    r.boot_addr = 0x9D000000u;
    memset(r.digest, (int)version, sizeof r.digest);
    r.golden_version = 1;
    r.golden_size = 999;
    memset(r.golden_digest, 0xA5, sizeof r.golden_digest);
    return r;
}

/* A fresh handle, as after a reset: nothing cached. */
static int read_fresh(bench_t *b, ota_bootctl_record_t *out)
{
    ota_bootctl_t bc;
    assert_int_equal(ota_bootctl_init(&bc, &b->flash, 4096, 0), OTA_OK);
    return ota_bootctl_read(&bc, out);
}

static void test_a_blank_sector_holds_no_record(void **state)
{
    (void)state;
    bench_t b;
    bench_open(&b, 16, 1);
    ota_bootctl_record_t r;
    assert_int_equal(ota_bootctl_read(&b.bc, &r), OTA_ERR_NOT_FOUND);
    bench_close(&b);
}

static void test_a_record_round_trips_every_field(void **state)
{
    (void)state;
    bench_t b;
    bench_open(&b, 16, 1);
    ota_bootctl_record_t w = record(7, OTA_STATUS_UNBOOTED);
    w.attempts = 2;
    w.type = OTA_TYPE_FACTORY;
    assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
    ota_bootctl_record_t r;
    assert_int_equal(read_fresh(&b, &r), OTA_OK);
    assert_int_equal(r.status, w.status);
    assert_int_equal(r.type, w.type);
    assert_int_equal(r.attempts, w.attempts);
    assert_int_equal(r.seq, w.seq);
    assert_int_equal(r.version, w.version);
    assert_int_equal(r.size, w.size);
    assert_int_equal(r.boot_addr, w.boot_addr);
    assert_memory_equal(r.digest, w.digest, sizeof r.digest);
    assert_int_equal(r.golden_version, w.golden_version);
    assert_int_equal(r.golden_size, w.golden_size);
    assert_memory_equal(r.golden_digest, w.golden_digest, sizeof r.golden_digest);
    bench_close(&b);
}

static void test_the_newest_record_wins(void **state)
{
    (void)state;
    bench_t b;
    bench_open(&b, 16, 1);
    for (uint32_t v = 1; v <= 5; v++) {
        ota_bootctl_record_t w = record(v, OTA_STATUS_VALID);
        assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
    }
    ota_bootctl_record_t r;
    assert_int_equal(read_fresh(&b, &r), OTA_OK);
    assert_int_equal(r.version, 5);
    assert_int_equal(ota_bootctl_set_status(&b.bc, OTA_STATUS_DISABLED), OTA_OK);
    assert_int_equal(read_fresh(&b, &r), OTA_OK);
    assert_int_equal(r.version, 5);
    assert_int_equal(r.status, OTA_STATUS_DISABLED);
    bench_close(&b);
}

static void test_the_sequence_number_wraps_at_2_to_the_32(void **state)
{
    bench_t b;
    (void)state;
    bench_open(&b, 16, 1);
    /* A log that has counted almost 2^32 records. */
    ota_bootctl_record_t r = record(5, OTA_STATUS_VALID);
    r.seq = 0xFFFFFFFEu;
    uint8_t slot[OTA_BOOTCTL_RECORD_SIZE];
    ota_bootctl_encode(&r, slot);
    assert_int_equal(b.flash.program(b.flash.ctx, 4096, slot, sizeof slot), OTA_OK);

    ota_bootctl_record_t w = record(6, OTA_STATUS_VALID);
    assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
    assert_int_equal(w.seq, 0xFFFFFFFFu);
    w = record(7, OTA_STATUS_UNBOOTED);
    assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
    assert_int_equal(w.seq, 0u);
    w = record(8, OTA_STATUS_DISABLED);
    assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
    assert_int_equal(w.seq, 1u);

    /* Past the wrap, the newest record still wins, read from a fresh handle. */
    ota_bootctl_record_t got;
    assert_int_equal(read_fresh(&b, &got), OTA_OK);
    assert_int_equal(got.version, 8);
    assert_int_equal(got.seq, 1u);
    assert_int_equal(got.status, OTA_STATUS_DISABLED);
    bench_close(&b);
}

static void test_the_sector_is_erased_only_when_full_and_never_reprogrammed(void **state)
{
    (void)state;
    bench_t b;
    bench_open(&b, 16, 1);
    uint32_t slots = 4096 / OTA_BOOTCTL_RECORD_SIZE;
    for (uint32_t v = 1; v <= 3 * slots + 1; v++) {
        ota_bootctl_record_t w = record(v, OTA_STATUS_VALID);
        assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
        sim_nor_counters_t c;
        sim_nor_counters(&b.sim, &c);
        assert_int_equal(c.erases, (v - 1) / slots);
        assert_int_equal(c.violations, 0);
        ota_bootctl_record_t r;
        assert_int_equal(read_fresh(&b, &r), OTA_OK);
        assert_int_equal(r.version, v);
    }
    bench_close(&b);
}

static void test_a_crc_mismatch_is_not_a_record(void **state)
{
    (void)state;
    ota_bootctl_record_t w = record(3, OTA_STATUS_VALID), r;
    uint8_t buf[OTA_BOOTCTL_RECORD_SIZE];
    ota_bootctl_encode(&w, buf);
    assert_int_equal(ota_bootctl_decode(buf, &r), OTA_OK);
    for (size_t i = 0; i < sizeof buf; i++) {
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(ota_bootctl_decode(buf, &r), OTA_ERR_CORRUPT);
            buf[i] ^= (uint8_t)(1u << bit);
        }
    }
}

static void test_a_write_unit_larger_than_a_record_gets_one_slot_per_unit(void **state)
{
    (void)state;
    bench_t b;
    ota_flash_t wide = { .size = 16384, .sector_size = 4096, .write_unit = 512 };
    ota_bootctl_t bc;
    assert_int_equal(ota_bootctl_init(&bc, &wide, 4096, 0), OTA_ERR_NOT_SUPPORTED); /* > OTA_BOOTCTL_SLOT_MAX */
    bench_open(&b, 256, 1);
    for (uint32_t v = 1; v <= 40; v++) {
        ota_bootctl_record_t w = record(v, OTA_STATUS_VALID);
        assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
    }
    sim_nor_counters_t c;
    sim_nor_counters(&b.sim, &c);
    assert_int_equal(c.erases, 40 / 16 - (40 % 16 == 0));
    assert_int_equal(c.violations, 0);
    bench_close(&b);
}

static void test_an_interrupted_erase_is_recognised_and_the_next_write_recovers(void **state)
{
    (void)state;
    bench_t b;
    bench_open(&b, 16, 7);
    uint32_t slots = 4096 / OTA_BOOTCTL_RECORD_SIZE;
    for (uint32_t v = 1; v <= slots; v++) {
        ota_bootctl_record_t w = record(v, OTA_STATUS_VALID);
        assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
    }
    /* The next write erases first: cut it torn. */
    sim_power_reset_count(&b.power);
    sim_power_arm(&b.power, 1, SIM_CUT_TORN);
    ota_bootctl_record_t w = record(100, OTA_STATUS_VALID);
    assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_ERR_POWER_LOST);
    sim_power_reboot(&b.power);
    ota_bootctl_record_t r;
    int err = read_fresh(&b, &r);
    assert_true(err == OTA_ERR_CORRUPT || err == OTA_ERR_NOT_FOUND);

    ota_bootctl_t bc;
    assert_int_equal(ota_bootctl_init(&bc, &b.flash, 4096, 0), OTA_OK);
    (void)ota_bootctl_read(&bc, &r);
    assert_int_equal(ota_bootctl_write(&bc, &w), OTA_OK);
    assert_int_equal(read_fresh(&b, &r), OTA_OK);
    assert_int_equal(r.version, 100);
    sim_nor_counters_t c;
    sim_nor_counters(&b.sim, &c);
    assert_int_equal(c.violations, 0);
    bench_close(&b);
}

/*
 * The sweep: 70 appends (two moves to a fresh sector) with a cut after
 * every operation, in every mode and for several seeds. After each cut the
 * area reads the old record or the new one; with one sector, only a cut
 * inside an erase may leave "no trustworthy record"; with two, none may.
 * The next write always succeeds with no write unit programmed twice.
 * area_size: 0 for one sector at 4096, 8192 for two.
 */
static void cut_sweep(uint32_t area_size)
{
    const uint32_t writes = 70;
    const sim_cut_mode_t modes[] = { SIM_CUT_SKIP, SIM_CUT_WHOLE, SIM_CUT_TORN };
    const char *mode_name[] = { "skip", "whole", "torn" };
    unsigned checked = 0;

    for (size_t m = 0; m < 3; m++) {
        for (uint64_t seed = 1; seed <= (modes[m] == SIM_CUT_TORN ? 8u : 1u); seed++) {
            for (uint64_t k = 1;; k++) {
                bench_t b;
                bench_open(&b, 16, seed);
                assert_int_equal(ota_bootctl_init(&b.bc, &b.flash, 4096, area_size), OTA_OK);
                sim_power_arm(&b.power, k, modes[m]);
                uint32_t committed = 0; /* version of the newest write that returned OTA_OK */
                bool was_erasing = false;
                bool cut = false;
                for (uint32_t v = 1; v <= writes; v++) {
                    sim_nor_counters_t before, after;
                    sim_nor_counters(&b.sim, &before);
                    ota_bootctl_record_t w = record(v, OTA_STATUS_VALID);
                    int err = ota_bootctl_write(&b.bc, &w);
                    if (err == OTA_ERR_POWER_LOST) {
                        sim_nor_counters(&b.sim, &after);
                        /* This write compacted the log: between its erase and its
                         * program no record exists (the bootloader's recovery case). */
                        was_erasing = after.erases > before.erases;
                        cut = true;
                        break;
                    }
                    assert_int_equal(err, OTA_OK);
                    committed = v;
                }
                if (!cut) {
                    bench_close(&b);
                    break; /* k passed the last operation: the sweep is complete */
                }
                sim_power_reboot(&b.power);
                ota_bootctl_record_t r;
                ota_bootctl_t fresh;
                assert_int_equal(ota_bootctl_init(&fresh, &b.flash, 4096, area_size), OTA_OK);
                int err = ota_bootctl_read(&fresh, &r);
                if (err == OTA_OK) {
                    if (r.version != committed && r.version != committed + 1) {
                        fail_msg("cut after op %llu (%s, seed %llu): read v%u, expected v%u or v%u",
                                 (unsigned long long)k, mode_name[m], (unsigned long long)seed,
                                 (unsigned)r.version, (unsigned)committed, (unsigned)committed + 1);
                    }
                } else if ((!was_erasing || area_size != 0) && committed > 0) {
                    fail_msg("cut after op %llu (%s, seed %llu): lost the record (%s)%s", (unsigned long long)k,
                             mode_name[m], (unsigned long long)seed, ota_err_name(err),
                             area_size != 0 ? " with two sectors" : " outside an erase");
                }
                /* Whatever the cut left, the log goes on. */
                ota_bootctl_t bc;
                assert_int_equal(ota_bootctl_init(&bc, &b.flash, 4096, area_size), OTA_OK);
                ota_bootctl_record_t w = record(500, OTA_STATUS_VALID);
                assert_int_equal(ota_bootctl_write(&bc, &w), OTA_OK);
                assert_int_equal(ota_bootctl_init(&fresh, &b.flash, 4096, area_size), OTA_OK);
                assert_int_equal(ota_bootctl_read(&fresh, &r), OTA_OK);
                assert_int_equal(r.version, 500);
                sim_nor_counters_t c;
                sim_nor_counters(&b.sim, &c);
                if (c.violations != 0) {
                    fail_msg("cut after op %llu (%s): a write unit was programmed twice", (unsigned long long)k, mode_name[m]);
                }
                bench_close(&b);
                checked++;
            }
        }
    }
    printf("bootctl sweep, %s: %u cuts checked (70 appends, 3 modes, 8 torn seeds)\n",
           area_size ? "two sectors" : "one sector", checked);
    assert_true(checked > 500);
}

static void test_a_cut_at_any_operation_leaves_the_old_or_the_new_record(void **state)
{
    (void)state;
    cut_sweep(0);
}

static void test_with_two_sectors_a_cut_never_leaves_the_area_without_a_record(void **state)
{
    (void)state;
    cut_sweep(8192);
}

static void test_two_sectors_take_turns_and_the_newest_record_wins_across_them(void **state)
{
    bench_t b;
    (void)state;
    bench_open(&b, 16, 1);
    assert_int_equal(ota_bootctl_init(&b.bc, &b.flash, 4096, 8192), OTA_OK);
    assert_int_equal(b.bc.sectors, 2);
    const uint32_t per_sector = 4096 / OTA_BOOTCTL_RECORD_SIZE;
    for (uint32_t v = 1; v <= 3 * per_sector + 1; v++) {
        ota_bootctl_record_t w = record(v, OTA_STATUS_VALID);
        assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
        ota_bootctl_t fresh;
        ota_bootctl_record_t r;
        assert_int_equal(ota_bootctl_init(&fresh, &b.flash, 4096, 8192), OTA_OK);
        assert_int_equal(ota_bootctl_read(&fresh, &r), OTA_OK);
        assert_int_equal(r.version, v);
        /* Records 1..32 in the first sector, 33..64 in the second, 65.. the first again. */
        assert_int_equal(fresh.active, ((v - 1u) / per_sector) % 2u);
    }
    sim_nor_counters_t c;
    sim_nor_counters(&b.sim, &c);
    assert_int_equal(c.erases, 3); /* each move erases the sector it moves to, the first one too */
    assert_int_equal(c.violations, 0);
    /* An area that is not whole sectors, or more than two, is refused. */
    ota_bootctl_t bc;
    assert_int_equal(ota_bootctl_init(&bc, &b.flash, 4096, 6000), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_bootctl_init(&bc, &b.flash, 4096, 12288), OTA_ERR_INVALID_ARG);
    bench_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_blank_sector_holds_no_record),
        cmocka_unit_test(test_a_record_round_trips_every_field),
        cmocka_unit_test(test_the_newest_record_wins),
        cmocka_unit_test(test_the_sequence_number_wraps_at_2_to_the_32),
        cmocka_unit_test(test_the_sector_is_erased_only_when_full_and_never_reprogrammed),
        cmocka_unit_test(test_a_crc_mismatch_is_not_a_record),
        cmocka_unit_test(test_a_write_unit_larger_than_a_record_gets_one_slot_per_unit),
        cmocka_unit_test(test_an_interrupted_erase_is_recognised_and_the_next_write_recovers),
        cmocka_unit_test(test_a_cut_at_any_operation_leaves_the_old_or_the_new_record),
        cmocka_unit_test(test_with_two_sectors_a_cut_never_leaves_the_area_without_a_record),
        cmocka_unit_test(test_two_sectors_take_turns_and_the_newest_record_wins_across_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The boot control record log, as a specification (docs/boot-control.md):
 * two sectors; the newest record wins; a record carries the candidate table
 * and spans as many slots as it needs; a cut at any instant leaves the old
 * record or the new one, never none; no write unit is ever programmed twice
 * between erases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ota_bootctl.h"
#include "ota_util.h"
#include "sim_nor.h"
#include "sim_power.h"

#define AREA 4096u /* the area: the sectors at 4096 and 8192 */

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
        .size = 16384,
        .sector_size = 4096,
        .write_unit = write_unit,
        .strict = true,
        .power = &b->power,
    };
    assert_int_equal(sim_nor_open(&b->sim, &cfg), OTA_OK);
    sim_nor_port(&b->sim, &b->flash);
    assert_int_equal(ota_bootctl_init(&b->bc, &b->flash, AREA, 0), OTA_OK);
}

static void bench_close(bench_t *b)
{
    sim_nor_close(&b->sim);
}

/* A record of version with a table of entries images (names of varying length). */
static ota_bootctl_record_t record_with(uint32_t version, uint8_t status, uint8_t entries)
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
    r.manifest_seq = 40 + version;
    r.floor = 2;
    r.pending_version = version;
    r.pending_floor = 3;
    r.table_count = entries;
    for (uint8_t i = 0; i < entries; i++) {
        ota_boot_entry_t *e = &r.table[i];
        e->version = 100 + i;
        e->size = 5000u * (i + 1u);
        e->status = i % 2 ? OTA_STATUS_VALID : OTA_STATUS_DOWNLOADED;
        e->flags = i == 1 ? OTA_BOOT_ENTRY_AHEAD : 0;
        /* 1 .. 32 characters */
        size_t n = 1u + (i * 9u + version) % OTA_STORE_NAME_MAX;
        memset(e->name, 'a' + i, n);
        memset(e->digest, 0x10 + i, sizeof e->digest);
    }
    return r;
}

static ota_bootctl_record_t record(uint32_t version, uint8_t status)
{
    return record_with(version, status, 0);
}

static void assert_records_equal(const ota_bootctl_record_t *r, const ota_bootctl_record_t *w)
{
    assert_int_equal(r->status, w->status);
    assert_int_equal(r->type, w->type);
    assert_int_equal(r->attempts, w->attempts);
    assert_int_equal(r->seq, w->seq);
    assert_int_equal(r->version, w->version);
    assert_int_equal(r->size, w->size);
    assert_int_equal(r->boot_addr, w->boot_addr);
    assert_memory_equal(r->digest, w->digest, sizeof r->digest);
    assert_int_equal(r->golden_version, w->golden_version);
    assert_int_equal(r->golden_size, w->golden_size);
    assert_memory_equal(r->golden_digest, w->golden_digest, sizeof r->golden_digest);
    assert_int_equal(r->manifest_seq, w->manifest_seq);
    assert_int_equal(r->floor, w->floor);
    assert_int_equal(r->pending_version, w->pending_version);
    assert_int_equal(r->pending_floor, w->pending_floor);
    assert_int_equal(r->table_count, w->table_count);
    for (uint8_t i = 0; i < w->table_count; i++) {
        assert_int_equal(r->table[i].version, w->table[i].version);
        assert_int_equal(r->table[i].size, w->table[i].size);
        assert_int_equal(r->table[i].status, w->table[i].status);
        assert_int_equal(r->table[i].flags, w->table[i].flags);
        assert_string_equal(r->table[i].name, w->table[i].name);
        assert_memory_equal(r->table[i].digest, w->table[i].digest, OTA_SHA256_LEN);
    }
}

/* A fresh handle, as after a reset: nothing cached. */
static int read_fresh(bench_t *b, ota_bootctl_record_t *out)
{
    ota_bootctl_t bc;
    assert_int_equal(ota_bootctl_init(&bc, &b->flash, AREA, 0), OTA_OK);
    return ota_bootctl_read(&bc, out);
}

static void test_a_blank_area_holds_no_record(void **state)
{
    (void)state;
    bench_t b;
    bench_open(&b, 16, 1);
    ota_bootctl_record_t r;
    assert_int_equal(ota_bootctl_read(&b.bc, &r), OTA_ERR_NOT_FOUND);
    bench_close(&b);
}

static void test_the_area_is_two_whole_sectors(void **state)
{
    (void)state;
    bench_t b;
    bench_open(&b, 16, 1);
    ota_bootctl_t bc;
    assert_int_equal(ota_bootctl_init(&bc, &b.flash, AREA, 0), OTA_OK);
    assert_int_equal(bc.sectors, 2);
    assert_int_equal(bc.sector_addr[1], AREA + 4096);
    assert_int_equal(ota_bootctl_init(&bc, &b.flash, AREA, 8192), OTA_OK);
    /* One sector would be without a record while it is erased: refused. */
    assert_int_equal(ota_bootctl_init(&bc, &b.flash, AREA, 4096), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_bootctl_init(&bc, &b.flash, AREA, 12288), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_bootctl_init(&bc, &b.flash, AREA, 6000), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_bootctl_init(&bc, &b.flash, AREA + 100, 0), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_bootctl_init(&bc, &b.flash, 12288, 0), OTA_ERR_INVALID_ARG); /* no second sector */
    /* A sector that cannot hold the longest record. */
    ota_flash_t small = { .size = 16384, .sector_size = 512, .write_unit = 16 };
    assert_true(OTA_BOOTCTL_BUF_SIZE > 512);
    assert_int_equal(ota_bootctl_init(&bc, &small, 0, 0), OTA_ERR_NOT_SUPPORTED);
    bench_close(&b);
}

static void test_a_record_round_trips_every_field_and_its_table(void **state)
{
    (void)state;
    for (uint8_t entries = 0; entries <= OTA_BOOT_TABLE_MAX; entries++) {
        bench_t b;
        bench_open(&b, 16, 1);
        ota_bootctl_record_t w = record_with(7, OTA_STATUS_UNBOOTED, entries);
        w.attempts = 2;
        w.type = OTA_TYPE_FACTORY;
        assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
        ota_bootctl_record_t r;
        assert_int_equal(read_fresh(&b, &r), OTA_OK);
        assert_records_equal(&r, &w);
        bench_close(&b);
    }
}

static void test_a_record_without_a_table_is_one_slot_and_a_full_one_a_few(void **state)
{
    (void)state;
    uint8_t buf[OTA_BOOTCTL_BUF_SIZE];
    ota_bootctl_record_t w = record(3, OTA_STATUS_VALID);
    assert_int_equal(ota_bootctl_encode(&w, OTA_BOOTCTL_SLOT_MIN, buf, sizeof buf), OTA_BOOTCTL_SLOT_MIN);
    w = record_with(3, OTA_STATUS_VALID, OTA_BOOT_TABLE_MAX);
    for (uint8_t i = 0; i < OTA_BOOT_TABLE_MAX; i++) {
        memset(w.table[i].name, 'n', OTA_STORE_NAME_MAX); /* the longest names */
    }
    int len = ota_bootctl_encode(&w, OTA_BOOTCTL_SLOT_MIN, buf, sizeof buf);
    assert_true(len > 0 && (uint32_t)len <= OTA_BOOTCTL_BUF_SIZE);
    printf("longest record: %u bytes, %d slots of %u\n", (unsigned)OTA_BOOTCTL_BYTES_MAX,
           len / (int)OTA_BOOTCTL_SLOT_MIN, (unsigned)OTA_BOOTCTL_SLOT_MIN);
    ota_bootctl_record_t r;
    assert_int_equal(ota_bootctl_decode(buf, (uint32_t)len, &r), OTA_OK);
    assert_records_equal(&r, &w);
}

static void test_a_table_that_does_not_encode_is_refused(void **state)
{
    (void)state;
    uint8_t buf[OTA_BOOTCTL_BUF_SIZE];
    ota_bootctl_record_t w = record_with(3, OTA_STATUS_VALID, 2);
    w.table_count = OTA_BOOT_TABLE_MAX + 1;
    assert_int_equal(ota_bootctl_encode(&w, OTA_BOOTCTL_SLOT_MIN, buf, sizeof buf), OTA_ERR_INVALID_ARG);
    w = record_with(3, OTA_STATUS_VALID, 2);
    w.table[1].name[0] = '\0';
    assert_int_equal(ota_bootctl_encode(&w, OTA_BOOTCTL_SLOT_MIN, buf, sizeof buf), OTA_ERR_INVALID_ARG);
    w = record_with(3, OTA_STATUS_VALID, 2);
    memset(w.table[0].name, 'x', sizeof w.table[0].name); /* no NUL within the limit */
    assert_int_equal(ota_bootctl_encode(&w, OTA_BOOTCTL_SLOT_MIN, buf, sizeof buf), OTA_ERR_INVALID_ARG);
    w = record_with(3, OTA_STATUS_VALID, 2);
    assert_int_equal(ota_bootctl_encode(&w, OTA_BOOTCTL_SLOT_MIN, buf, OTA_BOOTCTL_SLOT_MIN), OTA_ERR_INVALID_ARG);
    /* and a write of it changes nothing */
    bench_t b;
    bench_open(&b, 16, 1);
    w.table_count = OTA_BOOT_TABLE_MAX + 1;
    assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_ERR_INVALID_ARG);
    ota_bootctl_record_t r;
    assert_int_equal(read_fresh(&b, &r), OTA_ERR_NOT_FOUND);
    bench_close(&b);
}

static void test_the_newest_record_wins(void **state)
{
    (void)state;
    bench_t b;
    bench_open(&b, 16, 1);
    for (uint32_t v = 1; v <= 5; v++) {
        ota_bootctl_record_t w = record_with(v, OTA_STATUS_VALID, (uint8_t)(v % 4));
        assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
    }
    ota_bootctl_record_t r;
    assert_int_equal(read_fresh(&b, &r), OTA_OK);
    assert_int_equal(r.version, 5);
    assert_int_equal(r.table_count, 1);
    assert_int_equal(ota_bootctl_set_status(&b.bc, OTA_STATUS_DISABLED), OTA_OK);
    assert_int_equal(read_fresh(&b, &r), OTA_OK);
    assert_int_equal(r.version, 5);
    assert_int_equal(r.status, OTA_STATUS_DISABLED);
    assert_int_equal(r.table_count, 1); /* the table rides along */
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
    uint8_t slot[OTA_BOOTCTL_BUF_SIZE];
    int len = ota_bootctl_encode(&r, OTA_BOOTCTL_SLOT_MIN, slot, sizeof slot);
    assert_int_equal(b.flash.program(b.flash.ctx, AREA, slot, (uint32_t)len), OTA_OK);

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

/* Records of 1 slot and records of several take turns in the two sectors. */
static void test_the_log_moves_sectors_only_when_full_and_never_reprograms(void **state)
{
    (void)state;
    bench_t b;
    bench_open(&b, 16, 1);
    const uint32_t per_sector = 4096 / OTA_BOOTCTL_SLOT_MIN;
    uint32_t used = 0; /* slots used in the active sector */
    uint32_t moves = 0;
    uint8_t buf[OTA_BOOTCTL_BUF_SIZE];
    for (uint32_t v = 1; v <= 200; v++) {
        ota_bootctl_record_t w = record_with(v, OTA_STATUS_VALID, (uint8_t)(v % (OTA_BOOT_TABLE_MAX + 1u)));
        uint32_t span = (uint32_t)ota_bootctl_encode(&w, OTA_BOOTCTL_SLOT_MIN, buf, sizeof buf) / OTA_BOOTCTL_SLOT_MIN;
        if (used + span > per_sector) {
            moves++;
            used = 0;
        }
        used += span;
        assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
        sim_nor_counters_t c;
        sim_nor_counters(&b.sim, &c);
        assert_int_equal(c.erases, moves);
        assert_int_equal(c.violations, 0);
        ota_bootctl_t fresh;
        ota_bootctl_record_t r;
        assert_int_equal(ota_bootctl_init(&fresh, &b.flash, AREA, 0), OTA_OK);
        assert_int_equal(ota_bootctl_read(&fresh, &r), OTA_OK);
        assert_records_equal(&r, &w);
        assert_int_equal(fresh.active, moves % 2u);
    }
    assert_true(moves >= 4);
    bench_close(&b);
}

static void test_any_changed_bit_or_cut_short_record_is_not_a_record(void **state)
{
    (void)state;
    ota_bootctl_record_t w = record_with(3, OTA_STATUS_VALID, 3), r;
    uint8_t buf[OTA_BOOTCTL_BUF_SIZE];
    int len = ota_bootctl_encode(&w, OTA_BOOTCTL_SLOT_MIN, buf, sizeof buf);
    assert_int_equal(ota_bootctl_decode(buf, (uint32_t)len, &r), OTA_OK);
    uint32_t used = OTA_BOOTCTL_HEAD_SIZE + 4u;
    for (uint8_t i = 0; i < w.table_count; i++) {
        used += OTA_BOOTCTL_ENTRY_FIXED + (uint32_t)strlen(w.table[i].name);
    }
    for (uint32_t i = 0; i < used; i++) {
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(ota_bootctl_decode(buf, (uint32_t)len, &r), OTA_ERR_CORRUPT);
            buf[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* Only part of it: what a cut between its slots leaves. */
    assert_int_equal(ota_bootctl_decode(buf, OTA_BOOTCTL_SLOT_MIN, &r), OTA_ERR_CORRUPT);
    assert_int_equal(ota_bootctl_decode(buf, used - 1u, &r), OTA_ERR_CORRUPT);
    assert_int_equal(ota_bootctl_decode(buf, used, &r), OTA_OK);
}

/* A record whose CRC matches but whose table does not add up (only a
 * writer with a bug could make one) is refused, never read out of bounds. */
static void test_a_table_that_does_not_fill_its_record_is_refused(void **state)
{
    (void)state;
    ota_bootctl_record_t w = record_with(3, OTA_STATUS_VALID, 2), r;
    uint8_t buf[OTA_BOOTCTL_BUF_SIZE];
    int len = ota_bootctl_encode(&w, OTA_BOOTCTL_SLOT_MIN, buf, sizeof buf);
    uint32_t body = (uint32_t)buf[112] | ((uint32_t)buf[113] << 8);
    const struct {
        uint32_t off;
        uint8_t value;
    } edits[] = {
        { 114, 3 },                        /* one entry more than encoded */
        { 114, 1 },                        /* one fewer: bytes left over */
        { 114, OTA_BOOT_TABLE_MAX + 1 },   /* more than a table holds */
        { OTA_BOOTCTL_HEAD_SIZE + 10, 0 }, /* a name of length 0 */
        { OTA_BOOTCTL_HEAD_SIZE + 10, OTA_STORE_NAME_MAX + 1 },
        { OTA_BOOTCTL_HEAD_SIZE + 10, 200 }, /* past the record */
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        uint8_t copy[OTA_BOOTCTL_BUF_SIZE];
        memcpy(copy, buf, sizeof copy);
        copy[edits[i].off] = edits[i].value;
        ota_le32_put(copy + body, ota_crc32(copy, body));
        assert_int_equal(ota_bootctl_decode(copy, (uint32_t)len, &r), OTA_ERR_CORRUPT);
    }
}

/* The formats written before the table (one slot, CRC at byte 124) are read,
 * with an empty table; format 1 also without the security fields. */
static void test_records_of_the_earlier_formats_are_read_with_an_empty_table(void **state)
{
    (void)state;
    for (uint8_t format = 1; format <= 2; format++) {
        bench_t b;
        bench_open(&b, 16, 1);
        uint8_t slot[OTA_BOOTCTL_SLOT_MIN];
        memset(slot, 0xFF, sizeof slot);
        ota_le32_put(slot, OTA_BOOTCTL_MAGIC);
        slot[4] = format;
        slot[5] = OTA_STATUS_VALID;
        slot[6] = OTA_TYPE_FACTORY;
        slot[7] = 0;
        ota_le32_put(slot + 8, 9);       /* seq */
        ota_le32_put(slot + 12, 4);      /* version */
        ota_le32_put(slot + 16, 1234);   /* size */
        ota_le32_put(slot + 20, 0x1000); /* boot_addr */
        memset(slot + 24, 0x44, 32);
        ota_le32_put(slot + 56, 4);
        ota_le32_put(slot + 60, 1234);
        memset(slot + 64, 0x44, 32);
        ota_le32_put(slot + 96, 17); /* manifest_seq */
        ota_le32_put(slot + 100, 3); /* floor */
        ota_le32_put(slot + 104, 0);
        ota_le32_put(slot + 108, 0);
        ota_le32_put(slot + 124, ota_crc32(slot, 124));
        assert_int_equal(b.flash.program(b.flash.ctx, AREA, slot, sizeof slot), OTA_OK);
        ota_bootctl_record_t r;
        assert_int_equal(read_fresh(&b, &r), OTA_OK);
        assert_int_equal(r.version, 4);
        assert_int_equal(r.size, 1234);
        assert_int_equal(r.golden_version, 4);
        assert_int_equal(r.table_count, 0);
        assert_int_equal(r.manifest_seq, format == 1 ? 0 : 17);
        assert_int_equal(r.floor, format == 1 ? 0 : 3);
        /* and the log goes on after it in the current format */
        r.status = OTA_STATUS_DISABLED;
        assert_int_equal(ota_bootctl_write(&b.bc, &r), OTA_OK);
        ota_bootctl_record_t n;
        assert_int_equal(read_fresh(&b, &n), OTA_OK);
        assert_int_equal(n.seq, 10);
        assert_int_equal(n.status, OTA_STATUS_DISABLED);
        bench_close(&b);
    }
}

static void test_a_write_unit_larger_than_a_slot_gets_slots_of_one_unit(void **state)
{
    (void)state;
    bench_t b;
    ota_flash_t wide = { .size = 16384, .sector_size = 4096, .write_unit = 512 };
    ota_bootctl_t bc;
    assert_int_equal(ota_bootctl_init(&bc, &wide, AREA, 0), OTA_ERR_NOT_SUPPORTED); /* > OTA_BOOTCTL_SLOT_MAX */
    bench_open(&b, 256, 1);
    assert_int_equal(b.bc.slot_size, 256);
    for (uint32_t v = 1; v <= 40; v++) {
        ota_bootctl_record_t w = record_with(v, OTA_STATUS_VALID, (uint8_t)(v % 3));
        assert_int_equal(ota_bootctl_write(&b.bc, &w), OTA_OK);
        ota_bootctl_record_t r;
        assert_int_equal(read_fresh(&b, &r), OTA_OK);
        assert_records_equal(&r, &w);
    }
    sim_nor_counters_t c;
    sim_nor_counters(&b.sim, &c);
    assert_true(c.erases >= 2);
    assert_int_equal(c.violations, 0);
    bench_close(&b);
}

/*
 * The sweep: 70 appends with tables of 0 to OTA_BOOT_TABLE_MAX entries (so
 * records of one to several slots, and several moves between the sectors)
 * with a cut after every operation, in every mode and for several seeds.
 * After each cut the area reads the old record or the new one, never none;
 * the next write always succeeds with no write unit programmed twice.
 */
static void test_a_cut_at_any_operation_leaves_the_old_or_the_new_record(void **state)
{
    (void)state;
    const uint32_t writes = 70;
    const sim_cut_mode_t modes[] = { SIM_CUT_SKIP, SIM_CUT_WHOLE, SIM_CUT_TORN };
    const char *mode_name[] = { "skip", "whole", "torn" };
    unsigned checked = 0;
    unsigned in_moves = 0;

    for (size_t m = 0; m < 3; m++) {
        for (uint64_t seed = 1; seed <= (modes[m] == SIM_CUT_TORN ? 8u : 1u); seed++) {
            for (uint64_t k = 1;; k++) {
                bench_t b;
                bench_open(&b, 16, seed);
                sim_power_arm(&b.power, k, modes[m]);
                uint32_t committed = 0; /* version of the newest write that returned OTA_OK */
                bool cut = false;
                for (uint32_t v = 1; v <= writes; v++) {
                    sim_nor_counters_t before, after;
                    sim_nor_counters(&b.sim, &before);
                    ota_bootctl_record_t w = record_with(v, OTA_STATUS_VALID, (uint8_t)(v % (OTA_BOOT_TABLE_MAX + 1u)));
                    int err = ota_bootctl_write(&b.bc, &w);
                    if (err == OTA_ERR_POWER_LOST) {
                        sim_nor_counters(&b.sim, &after);
                        in_moves += after.erases > before.erases;
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
                int err = read_fresh(&b, &r);
                if (err == OTA_OK) {
                    if (r.version != committed && r.version != committed + 1) {
                        fail_msg("cut after op %llu (%s, seed %llu): read v%u, expected v%u or v%u",
                                 (unsigned long long)k, mode_name[m], (unsigned long long)seed, (unsigned)r.version,
                                 (unsigned)committed, (unsigned)committed + 1);
                    }
                    ota_bootctl_record_t expect =
                        record_with(r.version, OTA_STATUS_VALID, (uint8_t)(r.version % (OTA_BOOT_TABLE_MAX + 1u)));
                    expect.seq = r.seq;
                    assert_records_equal(&r, &expect);
                } else if (committed > 0) {
                    fail_msg("cut after op %llu (%s, seed %llu): lost the record (%s)", (unsigned long long)k,
                             mode_name[m], (unsigned long long)seed, ota_err_name(err));
                }
                /* Whatever the cut left, the log goes on. */
                ota_bootctl_t bc;
                assert_int_equal(ota_bootctl_init(&bc, &b.flash, AREA, 0), OTA_OK);
                ota_bootctl_record_t w = record_with(500, OTA_STATUS_VALID, OTA_BOOT_TABLE_MAX);
                assert_int_equal(ota_bootctl_write(&bc, &w), OTA_OK);
                assert_int_equal(read_fresh(&b, &r), OTA_OK);
                assert_int_equal(r.version, 500);
                sim_nor_counters_t c;
                sim_nor_counters(&b.sim, &c);
                if (c.violations != 0) {
                    fail_msg("cut after op %llu (%s): a write unit was programmed twice", (unsigned long long)k,
                             mode_name[m]);
                }
                bench_close(&b);
                checked++;
            }
        }
    }
    printf("bootctl sweep: %u cuts checked (70 appends of 1-%u slots, 3 modes, 8 torn seeds), %u during a move\n",
           checked, (unsigned)(OTA_BOOTCTL_BUF_SIZE / OTA_BOOTCTL_SLOT_MIN), in_moves);
    assert_true(checked > 1000);
    assert_true(in_moves > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_blank_area_holds_no_record),
        cmocka_unit_test(test_the_area_is_two_whole_sectors),
        cmocka_unit_test(test_a_record_round_trips_every_field_and_its_table),
        cmocka_unit_test(test_a_record_without_a_table_is_one_slot_and_a_full_one_a_few),
        cmocka_unit_test(test_a_table_that_does_not_encode_is_refused),
        cmocka_unit_test(test_the_newest_record_wins),
        cmocka_unit_test(test_the_sequence_number_wraps_at_2_to_the_32),
        cmocka_unit_test(test_the_log_moves_sectors_only_when_full_and_never_reprograms),
        cmocka_unit_test(test_any_changed_bit_or_cut_short_record_is_not_a_record),
        cmocka_unit_test(test_a_table_that_does_not_fill_its_record_is_refused),
        cmocka_unit_test(test_records_of_the_earlier_formats_are_read_with_an_empty_table),
        cmocka_unit_test(test_a_write_unit_larger_than_a_slot_gets_slots_of_one_unit),
        cmocka_unit_test(test_a_cut_at_any_operation_leaves_the_old_or_the_new_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Power-cut sweeps of the bootloader and the application-side calls (the
 * MCUboot simulator's method, extended to torn operations and to the
 * external store):
 *
 *   1. run a scenario with no cut and count its flash + store operations N;
 *   2. for every k in 1..N and every cut mode, run it again with the power
 *      cut at operation k, power back on, boot with no cut, and check the
 *      invariants;
 *   3. random multi-cut sequences: several cuts before one clean boot.
 *
 * Invariants after every recovery boot:
 *   - the bootloader hands over (the golden image is always there to fall back to);
 *   - program flash holds, byte for byte, the image the record names;
 *   - that image is the new one, the previous one or the golden one;
 *   - the golden copy in the store is intact and its row is valid;
 *   - the database parses with no bad line;
 *   - no write unit was programmed twice between erases;
 *   - booting on (and confirming) converges to the scenario's final image,
 *     and the record's candidate table to the database (the hand-over
 *     between them, in both directions, is inside every run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "device_fixture.h"
#include "sysota/ota_boot.h"
#include "ota_bootctl.h"
#include "ota_imgdb.h"
#include "ota_handover.h"
#include "sysota/ota_app.h"

#define GOLDEN 1u
#define PREVIOUS 2u
#define NEW 3u

static uint32_t size_of(uint32_t version)
{
    return 9000u + version * 700u; /* distinct, not multiples of the write unit */
}

typedef struct scenario {
    const char *name;
    void (*setup)(fixture_t *f);
    bool confirms;       /* the application confirms its first boot */
    uint32_t final;      /* the image the device must end on */
    uint32_t allowed[3]; /* images it may run meanwhile */
    bool security;       /* the record holds a manifest sequence and a floor that must never be lost */
} scenario_t;

/* The security state the two-sector scenario starts with. */
#define SEC_MANIFEST_SEQ 7u
#define SEC_FLOOR 1u
#define SEC_NEW_FLOOR 2u /* NEW raises the floor to this once it confirms */

/* ---- scenarios ---------------------------------------------------------------- */

static void setup_update(fixture_t *f)
{
    fixture_factory(f, GOLDEN, size_of(GOLDEN));
    fixture_publish(f, PREVIOUS, size_of(PREVIOUS));
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, PREVIOUS);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);
    fixture_publish(f, NEW, size_of(NEW));
}

/* Fill the active sector of the log with copies of its newest record (changed
 * by edit, when not NULL) until one more record no longer fits: the
 * install's first write moves the log to the other sector. */
static void fill_log(fixture_t *f, void (*edit)(ota_bootctl_record_t *rec))
{
    ota_bootctl_t bc;
    ota_bootctl_record_t rec;
    uint8_t buf[OTA_BOOTCTL_BUF_SIZE];
    assert_int_equal(
        ota_bootctl_init(&bc, &f->dev.flash, f->dev.boot_cfg.layout.bootctl_addr, f->dev.boot_cfg.layout.bootctl_size),
        OTA_OK);
    assert_int_equal(ota_bootctl_read(&bc, &rec), OTA_OK);
    if (edit != NULL) {
        edit(&rec);
    }
    uint32_t span = (uint32_t)ota_bootctl_encode(&rec, bc.slot_size, buf, sizeof buf) / bc.slot_size;
    uint8_t active = bc.active;
    do {
        assert_int_equal(ota_bootctl_write(&bc, &rec), OTA_OK);
        assert_int_equal(bc.active, active);
    } while (bc.next_slot + 2u * span <= bc.slots);
}

/* The same, with the active sector of the boot control log nearly full:
 * the install's writes move the log to the other sector (an erase). */
static void setup_update_full_log(fixture_t *f)
{
    setup_update(f);
    fill_log(f, NULL);
}

static void add_security_state(ota_bootctl_record_t *rec)
{
    rec->manifest_seq = SEC_MANIFEST_SEQ;
    rec->floor = SEC_FLOOR;
    rec->pending_version = NEW;
    rec->pending_floor = SEC_NEW_FLOOR;
}

/* The same with a security state in the record (a manifest sequence, a
 * floor, NEW's floor pending): the move to the other sector must never lose
 * it, not even during the erase. */
static void setup_update_security_state(fixture_t *f)
{
    setup_update(f);
    fill_log(f, add_security_state);
}

/* The new image was installed and never confirmed, and its attempts are spent. */
static void setup_rollback(fixture_t *f)
{
    setup_update(f);
    ota_boot_result_t res;
    for (int i = 0; i < OTA_BOOT_MAX_ATTEMPTS; i++) {
        assert_int_equal(fixture_boot(f, &res), OTA_OK);
        assert_int_equal(res.version, NEW);
    }
}

/* Straight from the factory programmer: the first boot keeps the golden copy. */
static void setup_first_boot(fixture_t *f)
{
    uint32_t size = size_of(GOLDEN);
    uint8_t *img = malloc(size);
    assert_non_null(img);
    fixture_image(GOLDEN, img, size);
    assert_int_equal(sim_device_factory_program(&f->dev, img, size, GOLDEN), OTA_OK);
    free(img);
}

/* The application asks to go back to the factory state. */
static void setup_factory_reset(fixture_t *f)
{
    setup_update(f);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);
}

static const scenario_t scenarios[] = {
    { "update", setup_update, true, NEW, { NEW, PREVIOUS, GOLDEN }, false },
    { "update-full-log", setup_update_full_log, true, NEW, { NEW, PREVIOUS, GOLDEN }, false },
    { "rollback", setup_rollback, false, PREVIOUS, { NEW, PREVIOUS, GOLDEN }, false },
    { "first-boot", setup_first_boot, true, GOLDEN, { GOLDEN, GOLDEN, GOLDEN }, false },
    { "update-security", setup_update_security_state, true, NEW, { NEW, PREVIOUS, GOLDEN }, true },
};

/* What the device does after a reset in each scenario: boot; the
 * application starts (the hand-over: the bootloader's decisions into the
 * database, the database's table into the record, the golden copy kept on
 * the first start) and, unless the scenario's image never confirms,
 * confirms a first boot. */
static int device_life(fixture_t *f, const scenario_t *s, ota_boot_result_t *res)
{
    int err = fixture_boot(f, res);
    if (err == OTA_OK) {
        err = ota_app_sync(&f->dev.boot_cfg);
    }
    if (err == OTA_OK && s->confirms && res->status == OTA_STATUS_UNBOOTED) {
        err = ota_app_confirm(&f->dev.boot_cfg);
    }
    return err;
}

/* ---- invariants ------------------------------------------------------------------- */

static void check_golden_intact(fixture_t *f, const char *where)
{
    uint32_t size = size_of(GOLDEN);
    uint8_t *want = malloc(size);
    uint8_t *got = malloc(size + 1);
    assert_non_null(want);
    assert_non_null(got);
    fixture_image(GOLDEN, want, size);
    const ota_store_t *st = &f->dev.store;
    int fh = st->open(st->ctx, OTA_GOLDEN_NAME, OTA_STORE_READ);
    if (fh < 0) {
        fail_msg("%s: golden copy missing (%s)", where, ota_err_name(fh));
    }
    uint32_t n = 0;
    for (;;) {
        int r = st->read(st->ctx, fh, got + n, size + 1 - n);
        assert_true(r >= 0);
        if (r == 0 || n + (uint32_t)r > size) {
            n += (uint32_t)r;
            break;
        }
        n += (uint32_t)r;
    }
    st->close(st->ctx, fh);
    if (n != size || memcmp(want, got, size) != 0) {
        fail_msg("%s: golden copy damaged", where);
    }
    free(want);
    free(got);
    ota_db_t db = fixture_db(f);
    const ota_db_row_t *row = ota_db_find_golden(&db);
    if (row == NULL || row->status != OTA_STATUS_VALID || row->version != GOLDEN) {
        fail_msg("%s: golden row missing or not valid", where);
    }
}

static void check_invariants(fixture_t *f, const scenario_t *s, const char *where)
{
    ota_boot_result_t res;
    int err = device_life(f, s, &res);
    if (err != OTA_OK) {
        fail_msg("%s: recovery boot failed: %s", where, ota_err_name(err));
    }
    bool allowed = false;
    for (int i = 0; i < 3; i++) {
        allowed = allowed || res.version == s->allowed[i];
    }
    if (!allowed) {
        fail_msg("%s: booted v%u, not one the scenario allows", where, (unsigned)res.version);
    }
    ota_bootctl_record_t rec = fixture_record(f);
    if (rec.version != res.version || rec.size != size_of(rec.version) ||
        !fixture_flash_holds(f, rec.version, rec.size)) {
        fail_msg("%s: program flash does not hold the v%u the record names", where, (unsigned)rec.version);
    }
    ota_db_t db = fixture_db(f);
    if (db.bad_lines != 0) {
        fail_msg("%s: database has %u bad lines", where, (unsigned)db.bad_lines);
    }
    if (s->security && (rec.manifest_seq != SEC_MANIFEST_SEQ || rec.floor < SEC_FLOOR)) {
        fail_msg("%s: the security state was lost (sequence %u, floor %u)", where, (unsigned)rec.manifest_seq,
                 (unsigned)rec.floor);
    }
    check_golden_intact(f, where);
    sim_nor_counters_t fc;
    sim_nor_counters(&f->dev.nor, &fc);
    if (fc.violations != 0) {
        fail_msg("%s: a write unit was programmed twice between erases", where);
    }
    /* Converge: a few more resets end on the scenario's final image, confirmed. */
    for (int i = 0; i < OTA_BOOT_MAX_ATTEMPTS + 2; i++) {
        err = device_life(f, s, &res);
        if (err != OTA_OK) {
            fail_msg("%s: boot %d after recovery failed: %s", where, i, ota_err_name(err));
        }
    }
    if (res.version != s->final || res.status != OTA_STATUS_VALID || !res.direct) {
        fail_msg("%s: ended on v%u (status %02X, direct %d), expected v%u confirmed", where, (unsigned)res.version,
                 res.status, res.direct, (unsigned)s->final);
    }
    /* The hand-over has converged: the record's table is the database's,
     * with no decision left that the database does not show. */
    ota_bootctl_record_t last = fixture_record(f);
    ota_db_t final_db = fixture_db(f);
    uint8_t listed = 0;
    for (uint8_t i = 0; i < final_db.count; i++) {
        const ota_db_row_t *row = &final_db.rows[i];
        if (ota_db_row_is_golden(row)) {
            continue;
        }
        const ota_boot_entry_t *e = ota_handover_entry(&last, row->version);
        if (e == NULL || e->status != row->status || e->flags != 0 || memcmp(e->digest, row->digest, 32) != 0) {
            fail_msg("%s: the table disagrees with the database on v%u", where, (unsigned)row->version);
        }
        listed++;
    }
    if (listed != last.table_count) {
        fail_msg("%s: the table lists %u images, the database %u", where, (unsigned)last.table_count, (unsigned)listed);
    }
    if (s->security && fixture_record(f).floor != SEC_NEW_FLOOR) {
        fail_msg("%s: NEW confirmed but the floor is %u, not %u", where, (unsigned)fixture_record(f).floor,
                 SEC_NEW_FLOOR);
    }
}

/* ---- the sweep ------------------------------------------------------------------------ */

static const sim_cut_mode_t modes[] = { SIM_CUT_SKIP, SIM_CUT_WHOLE, SIM_CUT_TORN };
static const char *const mode_names[] = { "skip", "whole", "torn" };

static void sweep(const scenario_t *s, unsigned torn_seeds)
{
    unsigned cuts = 0;
    uint64_t ops = 0;
    for (size_t m = 0; m < 3; m++) {
        unsigned seeds = modes[m] == SIM_CUT_TORN ? torn_seeds : 1u;
        for (unsigned seed = 1; seed <= seeds; seed++) {
            for (uint64_t k = 1;; k++) {
                fixture_t f;
                fixture_open(&f);
                sim_power_seed(&f.dev.power, seed * 7919u + k);
                s->setup(&f);
                sim_power_reset_count(&f.dev.power);
                sim_power_arm(&f.dev.power, k, modes[m]);
                ota_boot_result_t res;
                int err = device_life(&f, s, &res);
                bool cut = !sim_power_is_on(&f.dev.power);
                sim_power_arm(&f.dev.power, 0, SIM_CUT_SKIP);
                if (!cut && err == OTA_OK) {
                    ops = k - 1; /* the run finished before operation k: all cut points done */
                    fixture_close(&f);
                    break;
                }
                /* After a cut every port call fails; the bootloader may go on
                 * (it passes over what it cannot read) and end in any result,
                 * but a failure without a cut is a bug. */
                if (!cut) {
                    fail_msg("%s: run with cut after op %llu (%s) failed with %s", s->name, (unsigned long long)k,
                             mode_names[m], ota_err_name(err));
                }
                sim_device_reboot(&f.dev);
                char where[128];
                snprintf(where, sizeof where, "%s, cut after op %llu (%s, seed %u)", s->name, (unsigned long long)k,
                         mode_names[m], seed);
                check_invariants(&f, s, where);
                fixture_close(&f);
                cuts++;
            }
        }
    }
    printf("power-cut sweep %-16s %3llu operations, %4u cuts checked, %4u boots checked\n", s->name,
           (unsigned long long)ops, cuts, cuts * (OTA_BOOT_MAX_ATTEMPTS + 3u));
    assert_true(ops > 0);
    assert_true(cuts >= ops * (2u + torn_seeds) - 3u);
}

static void test_update_survives_a_cut_at_every_operation(void **state)
{
    (void)state;
    sweep(&scenarios[0], 2);
}

static void test_update_survives_a_cut_at_every_operation_while_the_log_compacts(void **state)
{
    (void)state;
    sweep(&scenarios[1], 2);
}

static void test_an_update_on_two_sectors_never_loses_the_security_state(void **state)
{
    (void)state;
    sweep(&scenarios[4], 2);
}

static void test_rollback_survives_a_cut_at_every_operation(void **state)
{
    (void)state;
    sweep(&scenarios[2], 2);
}

static void test_first_boot_survives_a_cut_at_every_operation(void **state)
{
    (void)state;
    sweep(&scenarios[3], 2);
}

static void test_factory_reset_survives_a_cut_at_every_operation(void **state)
{
    (void)state;
    unsigned cuts = 0;
    for (size_t m = 0; m < 3; m++) {
        for (uint64_t k = 1;; k++) {
            fixture_t f;
            fixture_open(&f);
            setup_factory_reset(&f);
            sim_power_reset_count(&f.dev.power);
            sim_power_arm(&f.dev.power, k, modes[m]);
            int err = ota_app_factory_reset(&f.dev.boot_cfg);
            sim_power_arm(&f.dev.power, 0, SIM_CUT_SKIP);
            sim_device_reboot(&f.dev);
            char where[128];
            snprintf(where, sizeof where, "factory-reset, cut after op %llu (%s)", (unsigned long long)k,
                     mode_names[m]);
            /* Whether or not the reset completed, the device boots a verified
             * image; once the reset has completed, it is the golden one. */
            scenario_t s = { "factory-reset", NULL, true, GOLDEN, { NEW, GOLDEN, GOLDEN }, false };
            if (err == OTA_OK) {
                check_invariants(&f, &s, where);
                fixture_close(&f);
                break;
            }
            assert_int_equal(err, OTA_ERR_POWER_LOST);
            ota_boot_result_t res;
            assert_int_equal(device_life(&f, &s, &res), OTA_OK);
            assert_true(fixture_flash_holds(&f, res.version, size_of(res.version)));
            check_golden_intact(&f, where);
            fixture_close(&f);
            cuts++;
        }
    }
    printf("power-cut sweep %-16s %4u cuts checked\n", "factory-reset", cuts);
    assert_true(cuts > 3);
}

/* Several cuts at random points, each during the recovery from the last,
 * before one clean boot. */
static void test_random_multi_cut_sequences_still_end_on_a_verified_image(void **state)
{
    (void)state;
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    unsigned sequences = 0;
    for (unsigned i = 0; i < 60; i++) {
        const scenario_t *s = &scenarios[i % 3];
        fixture_t f;
        fixture_open(&f);
        sim_power_seed(&f.dev.power, i + 1u);
        s->setup(&f);
        unsigned cuts = 1u + (unsigned)(i % 4u);
        for (unsigned c = 0; c < cuts; c++) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            sim_power_reset_count(&f.dev.power);
            sim_power_arm(&f.dev.power, 1u + rng % 80u, modes[(rng >> 8) % 3u]);
            ota_boot_result_t res;
            int err = device_life(&f, s, &res);
            sim_power_arm(&f.dev.power, 0, SIM_CUT_SKIP);
            assert_true(err == OTA_OK || !sim_power_is_on(&f.dev.power));
            sim_device_reboot(&f.dev);
        }
        char where[96];
        snprintf(where, sizeof where, "%s, multi-cut sequence %u (%u cuts)", s->name, i, cuts);
        check_invariants(&f, s, where);
        fixture_close(&f);
        sequences++;
    }
    printf("power-cut multi-cut: %u sequences checked\n", sequences);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_survives_a_cut_at_every_operation),
        cmocka_unit_test(test_update_survives_a_cut_at_every_operation_while_the_log_compacts),
        cmocka_unit_test(test_an_update_on_two_sectors_never_loses_the_security_state),
        cmocka_unit_test(test_rollback_survives_a_cut_at_every_operation),
        cmocka_unit_test(test_first_boot_survives_a_cut_at_every_operation),
        cmocka_unit_test(test_factory_reset_survives_a_cut_at_every_operation),
        cmocka_unit_test(test_random_multi_cut_sequences_still_end_on_a_verified_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

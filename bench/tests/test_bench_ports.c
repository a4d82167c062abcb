/* The counting wrappers: the install and boot figures are only as right as these counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bench_ports.h"
#include "crypto_host.h"
#include "sim_nor.h"
#include "store_dir.h"
#include "sysota/ota_config.h"

#include <stdio.h>
#include <stdlib.h>

#define SECTOR 4096u

static sim_nor_t sim;
static ota_flash_t flash;

static int setup(void **state)
{
    (void)state;
    sim_nor_config_t c = { .size = 4 * SECTOR, .sector_size = SECTOR, .write_unit = 16, .strict = true };
    if (sim_nor_open(&sim, &c) != OTA_OK) {
        return -1;
    }
    return sim_nor_port(&sim, &flash);
}

static int teardown(void **state)
{
    (void)state;
    return sim_nor_close(&sim);
}

static void test_operations_are_counted_on_the_side_of_the_region_they_start_in(void **state)
{
    (void)state;
    bench_flash_t bf;
    uint8_t data[32], back[32];
    memset(data, 0x5a, sizeof data);
    /* Region = sectors 1..3; sector 0 plays the boot control sector. */
    assert_int_equal(bench_flash_wrap(&bf, &flash, SECTOR, 4 * SECTOR), OTA_OK);
    const ota_flash_t *p = &bf.port;
    assert_int_equal(p->erase(p->ctx, SECTOR), OTA_OK);
    assert_int_equal(p->erase(p->ctx, 2 * SECTOR), OTA_OK);
    assert_int_equal(p->program(p->ctx, SECTOR, data, 32), OTA_OK);
    assert_int_equal(p->read(p->ctx, SECTOR, back, 32), OTA_OK);
    assert_memory_equal(back, data, 32);
    assert_int_equal(p->erase(p->ctx, 0), OTA_OK);
    assert_int_equal(p->program(p->ctx, 0, data, 16), OTA_OK);
    assert_int_equal(p->read(p->ctx, 0, back, 8), OTA_OK);

    assert_int_equal(bf.in.erases, 2);
    assert_int_equal(bf.in.programs, 1);
    assert_int_equal(bf.in.bytes_programmed, 32);
    assert_int_equal(bf.in.reads, 1);
    assert_int_equal(bf.in.bytes_read, 32);
    assert_int_equal(bf.out.erases, 1);
    assert_int_equal(bf.out.bytes_programmed, 16);
    assert_int_equal(bf.out.bytes_read, 8);

    /* The counted work really reached the simulator. */
    sim_nor_counters_t sc;
    sim_nor_counters(&sim, &sc);
    assert_int_equal(sc.erases, 3);
    assert_int_equal(sc.bytes_programmed, 48);

    bench_flash_reset(&bf);
    assert_int_equal(bf.in.erases + bf.out.erases + bf.in.bytes_read + bf.out.bytes_read, 0);
}

static void test_the_wrapper_keeps_the_geometry_and_passes_errors_through(void **state)
{
    (void)state;
    bench_flash_t bf;
    uint8_t zero[16], ones[16];
    memset(zero, 0x00, sizeof zero);
    memset(ones, 0xff, sizeof ones);
    assert_int_equal(bench_flash_wrap(&bf, &flash, SECTOR, 4 * SECTOR), OTA_OK);
    assert_int_equal(bf.port.sector_size, SECTOR);
    assert_int_equal(bf.port.write_unit, 16);
    assert_int_equal(bf.port.size, 4 * SECTOR);
    const ota_flash_t *p = &bf.port;
    assert_int_equal(p->erase(p->ctx, 3 * SECTOR), OTA_OK);
    assert_int_equal(p->program(p->ctx, 3 * SECTOR, zero, 16), OTA_OK);
    /* NOR: a 0 never turns back into 1 without an erase. */
    assert_int_equal(p->program(p->ctx, 3 * SECTOR, ones, 16), OTA_ERR_FLASH_BITS);
    assert_int_equal(bench_flash_wrap(&bf, &flash, 2, 1), OTA_ERR_INVALID_ARG);
}

static void test_crypto_wrapper_counts_hashed_bytes_and_keeps_the_digest(void **state)
{
    (void)state;
    ota_crypto_t inner;
    bench_crypto_t bc;
    uint8_t direct[32], wrapped[32];
    static const char msg[] = "abc";
    assert_int_equal(posix_crypto_mbedtls(&inner), OTA_OK);
    assert_int_equal(bench_crypto_wrap(&bc, &inner), OTA_OK);
    assert_non_null(bc.port.verify); /* the providers verify; the wrapper passes it on */
    assert_int_equal(posix_crypto_sha256_buffer(&inner, msg, 3, direct), OTA_OK);
    assert_int_equal(posix_crypto_sha256_buffer(&bc.port, msg, 3, wrapped), OTA_OK);
    assert_memory_equal(direct, wrapped, 32);
    /* SHA-256("abc") starts ba7816bf. */
    assert_int_equal(wrapped[0], 0xba);
    assert_int_equal(wrapped[1], 0x78);
    assert_int_equal(bc.starts, 1);
    assert_int_equal(bc.bytes_hashed, 3);
    bench_crypto_reset(&bc);
    assert_int_equal(bc.bytes_hashed, 0);
}

static void put(const ota_store_t *st, const char *name, const void *data, uint32_t len)
{
    int fh = st->open(st->ctx, name, OTA_STORE_WRITE);
    assert_true(fh >= 0);
    assert_int_equal(st->write(st->ctx, fh, data, len), OTA_OK);
    assert_int_equal(st->close(st->ctx, fh), OTA_OK);
}

static uint32_t drain(const ota_store_t *st, const char *name)
{
    uint8_t buf[64];
    uint32_t total = 0;
    int n, fh = st->open(st->ctx, name, OTA_STORE_READ);
    assert_true(fh >= 0);
    while ((n = st->read(st->ctx, fh, buf, sizeof buf)) > 0) {
        total += (uint32_t)n;
    }
    assert_int_equal(n, 0);
    assert_int_equal(st->close(st->ctx, fh), OTA_OK);
    return total;
}

static void test_store_reads_are_split_between_the_database_and_the_images(void **state)
{
    (void)state;
    char dir[] = "/tmp/sysota-bench-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    posix_store_dir_t sd;
    ota_store_t inner;
    posix_store_dir_config_t c = { .dir = dir };
    assert_int_equal(posix_store_dir_open(&sd, &c), OTA_OK);
    assert_int_equal(posix_store_dir_port(&sd, &inner), OTA_OK);
    bench_store_t bs;
    assert_int_equal(bench_store_wrap(&bs, &inner), OTA_OK);
    const ota_store_t *st = &bs.port;
    uint8_t data[300];
    memset(data, 0xa5, sizeof data);
    put(st, OTA_DB_NAME, data, 100);
    put(st, "app_v2.bin", data, 300);
    bench_store_reset(&bs);
    assert_int_equal(drain(st, "app_v2.bin"), 300);
    assert_int_equal(drain(st, OTA_DB_NAME), 100);
    /* The same handle number reused for another kind of file follows it. */
    assert_int_equal(drain(st, "app_v2.bin"), 300);
    assert_int_equal(bs.db_bytes_read, 100);
    assert_int_equal(bs.other_bytes_read, 600);
    assert_true(bs.ops >= 9); /* 3 x (open, reads, close) */
    uint32_t size = 0;
    assert_int_equal(st->stat(st->ctx, "app_v2.bin", &size), OTA_OK);
    assert_int_equal(size, 300);
    assert_int_equal(st->remove(st->ctx, "app_v2.bin"), OTA_OK);
    assert_int_equal(st->remove(st->ctx, OTA_DB_NAME), OTA_OK);
    assert_int_equal(posix_store_dir_close(&sd), OTA_OK);
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_operations_are_counted_on_the_side_of_the_region_they_start_in, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_wrapper_keeps_the_geometry_and_passes_errors_through, setup, teardown),
        cmocka_unit_test(test_crypto_wrapper_counts_hashed_bytes_and_keeps_the_digest),
        cmocka_unit_test(test_store_reads_are_split_between_the_database_and_the_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The host port passes the port-conformance suite: the directory store
 * (durable, with a capacity), the file flash (uniform sectors, a sector map,
 * backed by a file), both SHA-256 providers and the system port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "conformance.h"
#include "crypto_host.h"
#include "flash_file.h"
#include "store_dir.h"
#include "system_posix.h"
#include "test_server.h"

static void print_line(void *arg, const char *line)
{
    printf("%s: %s\n", (const char *)arg, line);
}

static void expect_conformant(conformance_config_t *cfg, const char *what)
{
    cfg->print = print_line;
    cfg->print_arg = (void *)what;
    conformance_result_t res;
    assert_int_equal(conformance_run(cfg, &res), 0);
    assert_int_equal(res.failed, 0);
    assert_true(res.passed > 0);
}

static void test_the_directory_store_conforms(void **state)
{
    (void)state;
    char dir[256];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "conf-store"), OTA_OK);
    posix_store_dir_t sd;
    posix_store_dir_config_t sc = { .dir = dir, .capacity = 64u * 1024u };
    assert_int_equal(posix_store_dir_open(&sd, &sc), OTA_OK);
    ota_store_t store;
    posix_store_dir_port(&sd, &store);
    conformance_config_t cfg = { .store = &store, .store_capacity = sc.capacity };
    expect_conformant(&cfg, "store_dir");
    assert_int_equal(posix_store_dir_open_handles(&sd), 0);
    assert_int_equal(posix_store_dir_used(&sd), 0); /* the suite removed its files */
    posix_store_dir_close(&sd);
    test_tmpdir_remove(dir);
}

static void flash_conforms(const posix_flash_file_config_t *fc, uint32_t scratch, uint32_t scratch_size,
                           const char *what)
{
    posix_flash_file_t ff;
    assert_int_equal(posix_flash_file_open(&ff, fc), OTA_OK);
    ota_flash_t flash;
    posix_flash_file_port(&ff, &flash);
    conformance_config_t cfg = { .flash = &flash, .flash_scratch_addr = scratch, .flash_scratch_size = scratch_size };
    expect_conformant(&cfg, what);
    posix_flash_file_close(&ff);
}

static void test_the_file_flash_conforms_with_uniform_sectors_and_with_a_sector_map(void **state)
{
    (void)state;
    posix_flash_file_config_t uniform = { .size = 64u * 1024u, .sector_size = 4096u, .write_unit = 16u };
    flash_conforms(&uniform, 0x8000, 0x2000, "flash_file uniform");
    static const posix_flash_file_run_t f4[] = { { 4, 0x4000 }, { 1, 0x10000 }, { 3, 0x20000 } };
    posix_flash_file_config_t map = { .write_unit = 16u, .runs = f4, .nruns = 3 };
    flash_conforms(&map, 0xC000, 0x14000, "flash_file STM32F4 map"); /* a 16 KiB then the 64 KiB sector */

    char dir[256];
    char path[300];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "conf-flash"), OTA_OK);
    snprintf(path, sizeof path, "%s/nvm.bin", dir);
    posix_flash_file_config_t file = { .size = 64u * 1024u, .sector_size = 4096u, .write_unit = 8u, .path = path };
    flash_conforms(&file, 0, 0x2000, "flash_file in a file");
    test_tmpdir_remove(dir);
}

static void test_both_sha256_providers_conform(void **state)
{
    (void)state;
    ota_crypto_t openssl;
    ota_crypto_t mbedtls;
    posix_crypto_openssl(&openssl);
    posix_crypto_mbedtls(&mbedtls);
    conformance_config_t a = { .crypto = &openssl };
    expect_conformant(&a, "crypto OpenSSL");
    conformance_config_t b = { .crypto = &mbedtls };
    expect_conformant(&b, "crypto mbedTLS");
}

static void test_the_system_port_conforms(void **state)
{
    (void)state;
    posix_system_t ps;
    posix_system_init(&ps, 7);
    posix_system_set_log(&ps, OTA_LOG_ERROR, NULL, false, NULL, NULL);
    ota_system_t sys;
    posix_system_port(&ps, &sys);
    conformance_config_t cfg = { .sys = &sys };
    expect_conformant(&cfg, "system_posix");
}

/* ---- the suite is not vacuous: ports that break a rule fail it --------------- */

static ota_flash_t lax_under;

/* The mistake of a port that ANDs the data in and reports success. */
static int lax_program(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    (void)ctx;
    uint8_t merged[64];
    const uint8_t *d = buf;
    for (uint32_t off = 0; off < len; off += sizeof merged) {
        uint32_t n = len - off < sizeof merged ? len - off : (uint32_t)sizeof merged;
        int err = lax_under.read(lax_under.ctx, addr + off, merged, n);
        for (uint32_t i = 0; err == OTA_OK && i < n; i++) {
            merged[i] &= d[off + i];
        }
        if (err == OTA_OK) {
            err = lax_under.program(lax_under.ctx, addr + off, merged, n);
        }
        if (err != OTA_OK) {
            return err;
        }
    }
    return OTA_OK;
}

static ota_store_t stubborn_under;

/* The mistake of a list() that ignores the callback's "stop". */
static int stubborn_list(void *ctx, ota_store_list_cb cb, void *arg)
{
    (void)ctx;
    static const char *const names[] = { "cfl1", "cfl2", "cfl3" };
    for (int i = 0; i < 3; i++) {
        (void)cb(arg, names[i], (uint32_t)i + 1u);
    }
    return OTA_OK;
}

static void test_the_suite_fails_ports_that_break_a_rule(void **state)
{
    (void)state;
    conformance_result_t res;
    posix_flash_file_t ff;
    posix_flash_file_config_t fc = { .size = 64u * 1024u, .sector_size = 4096u, .write_unit = 16u };
    assert_int_equal(posix_flash_file_open(&ff, &fc), OTA_OK);
    posix_flash_file_port(&ff, &lax_under);
    ota_flash_t lax = lax_under;
    lax.program = lax_program;
    conformance_config_t f = { .flash = &lax, .flash_scratch_addr = 0, .flash_scratch_size = 0x2000 };
    assert_int_equal(conformance_run(&f, &res), 1);
    posix_flash_file_close(&ff);

    char dir[256];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "conf-bad"), OTA_OK);
    posix_store_dir_t sd;
    posix_store_dir_config_t sc = { .dir = dir, .no_fsync = true };
    assert_int_equal(posix_store_dir_open(&sd, &sc), OTA_OK);
    posix_store_dir_port(&sd, &stubborn_under);
    ota_store_t stubborn = stubborn_under;
    stubborn.list = stubborn_list;
    conformance_config_t s = { .store = &stubborn };
    assert_int_equal(conformance_run(&s, &res), 1);
    posix_store_dir_close(&sd);
    test_tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_directory_store_conforms),
        cmocka_unit_test(test_the_file_flash_conforms_with_uniform_sectors_and_with_a_sector_map),
        cmocka_unit_test(test_both_sha256_providers_conform),
        cmocka_unit_test(test_the_system_port_conforms),
        cmocka_unit_test(test_the_suite_fails_ports_that_break_a_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

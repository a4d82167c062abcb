/*
 * The original's boot control page (tools/sim_fwheader.c): which pages pass
 * for a FIRMWARE_IMAGE_HEADER v1 page, and what is read from them. The
 * pages are written byte by byte here, from the format's description.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

/* A freshly built application's page: status 0xFF, type 3, size unknown,
 * version 5, boot address 0xB0021000 (kseg1), last byte 0xF8. */
static void fresh_page(uint8_t *p)
{
    static const uint8_t head[16] = { 0xFF, 0x00, 0x00, 0x03, 0xFF, 0xFF, 0xFF, 0xFF,
                                      0x05, 0x00, 0x00, 0x00, 0x00, 0x10, 0x02, 0xB0 };
    memset(p, 0, SIMCMD_FWHDR_PAGE_SIZE);
    memcpy(p, head, sizeof head);
    p[SIMCMD_FWHDR_PAGE_SIZE - 1] = 0xF8;
}

static void test_a_fresh_build_page_gives_its_version_type_and_boot_address(void **state)
{
    (void)state;
    uint8_t p[SIMCMD_FWHDR_PAGE_SIZE];
    char why[128];
    simcmd_fwhdr_t h;
    fresh_page(p);
    assert_int_equal(simcmd_fwhdr_parse(p, &h, why, sizeof why), OTA_OK);
    assert_int_equal(h.status, 0xFF);
    assert_int_equal(h.type, 3);
    assert_string_equal(simcmd_fwhdr_type_name(h.type), "factory reset");
    assert_int_equal(h.size, 0xFFFFFFFFu);
    assert_int_equal(h.version, 5);
    assert_true(simcmd_fwhdr_has_version(&h));
    assert_int_equal(h.boot_addr, 0xB0021000u);
    assert_int_equal(h.status_copy, 0xF8);
    /* The same byte through kseg1, kseg0 or its physical address. */
    assert_true(simcmd_fwhdr_boot_addr_is(&h, 0x10021000u));
    assert_true(simcmd_fwhdr_boot_addr_is(&h, 0x90021000u));
    assert_false(simcmd_fwhdr_boot_addr_is(&h, 0x10019000u));
}

static void test_a_page_the_hex_file_only_partly_holds_still_passes(void **state)
{
    (void)state;
    /* Bytes past the header the HEX file has no record for read as 0xFF. */
    uint8_t p[SIMCMD_FWHDR_PAGE_SIZE];
    char why[128];
    simcmd_fwhdr_t h;
    fresh_page(p);
    memset(p + SIMCMD_FWHDR_SIZE, 0xFF, 1000);
    assert_int_equal(simcmd_fwhdr_parse(p, &h, why, sizeof why), OTA_OK);
}

static void expect_not_a_page(const uint8_t *p, const char *words)
{
    char why[128];
    simcmd_fwhdr_t h;
    assert_int_equal(simcmd_fwhdr_parse(p, &h, why, sizeof why), OTA_ERR_NOT_FOUND);
    if (strstr(why, words) == NULL) {
        fail_msg("expected '%s' in '%s'", words, why);
    }
}

static void test_a_page_of_another_shape_is_refused_naming_the_byte(void **state)
{
    (void)state;
    uint8_t p[SIMCMD_FWHDR_PAGE_SIZE];
    fresh_page(p);
    p[3] = 0x04;
    expect_not_a_page(p, "byte 3 (image type) is 0x04");
    fresh_page(p);
    p[0] = 0x12;
    expect_not_a_page(p, "not status values");
    fresh_page(p);
    p[SIMCMD_FWHDR_PAGE_SIZE - 1] = 0x00;
    expect_not_a_page(p, "not status values");
    fresh_page(p);
    p[300] = 0x27;
    expect_not_a_page(p, "byte 300 is 0x27");
}

static void test_version_0_or_all_ones_is_no_version(void **state)
{
    (void)state;
    uint8_t p[SIMCMD_FWHDR_PAGE_SIZE];
    char why[128];
    simcmd_fwhdr_t h;
    fresh_page(p);
    memset(p + 8, 0x00, 4);
    assert_int_equal(simcmd_fwhdr_parse(p, &h, why, sizeof why), OTA_OK);
    assert_false(simcmd_fwhdr_has_version(&h));
    memset(p + 8, 0xFF, 4);
    assert_int_equal(simcmd_fwhdr_parse(p, &h, why, sizeof why), OTA_OK);
    assert_false(simcmd_fwhdr_has_version(&h));
    /* An unset boot address does not contradict any layout. */
    memset(p + 12, 0xFF, 4);
    assert_int_equal(simcmd_fwhdr_parse(p, &h, why, sizeof why), OTA_OK);
    assert_true(simcmd_fwhdr_boot_addr_is(&h, 0x9D001000u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_fresh_build_page_gives_its_version_type_and_boot_address),
        cmocka_unit_test(test_a_page_the_hex_file_only_partly_holds_still_passes),
        cmocka_unit_test(test_a_page_of_another_shape_is_refused_naming_the_byte),
        cmocka_unit_test(test_version_0_or_all_ones_is_no_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

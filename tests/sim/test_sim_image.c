/*
 * The simulated application image (tools/sim_image.c): the header the
 * simulator reads to know how an application behaves, and the filler that
 * gives every test image its own digest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

static void test_a_built_image_parses_back_to_its_version_flags_and_size(void **state)
{
    (void)state;
    uint8_t img[1000];
    simcmd_image_info_t info;
    assert_int_equal(simcmd_image_build(img, sizeof img, 6, 0), OTA_OK);
    assert_int_equal(simcmd_image_parse(img, sizeof img, &info), OTA_OK);
    assert_int_equal(info.version, 6);
    assert_int_equal(info.flags, 0);
    assert_int_equal(info.size, sizeof img);

    assert_int_equal(simcmd_image_build(img, SIMCMD_IMAGE_HEADER_SIZE, 0xFFFFFFFFu, SIMCMD_IMAGE_NO_CONFIRM), OTA_OK);
    assert_int_equal(simcmd_image_parse(img, SIMCMD_IMAGE_HEADER_SIZE, &info), OTA_OK);
    assert_int_equal(info.version, 0xFFFFFFFFu);
    assert_int_equal(info.flags, SIMCMD_IMAGE_NO_CONFIRM);
    assert_int_equal(info.size, SIMCMD_IMAGE_HEADER_SIZE);
}

static void test_the_same_version_and_flags_always_give_the_same_bytes(void **state)
{
    (void)state;
    uint8_t a[4096], b[4096];
    assert_int_equal(simcmd_image_build(a, sizeof a, 3, 0), OTA_OK);
    memset(b, 0x55, sizeof b);
    assert_int_equal(simcmd_image_build(b, sizeof b, 3, 0), OTA_OK);
    assert_memory_equal(a, b, sizeof a);
}

static void test_two_versions_differ_in_most_filler_bytes(void **state)
{
    (void)state;
    uint8_t a[4096], b[4096];
    assert_int_equal(simcmd_image_build(a, sizeof a, 6, 0), OTA_OK);
    assert_int_equal(simcmd_image_build(b, sizeof b, 7, 0), OTA_OK);
    unsigned same = 0;
    for (size_t i = SIMCMD_IMAGE_HEADER_SIZE; i < sizeof a; i++) {
        same += a[i] == b[i];
    }
    /* Unrelated bytes agree about once in 256. */
    assert_true(same < (sizeof a) / 64);
}

static void test_a_no_confirm_image_differs_from_the_normal_one_of_its_version(void **state)
{
    (void)state;
    uint8_t a[512], b[512];
    assert_int_equal(simcmd_image_build(a, sizeof a, 7, 0), OTA_OK);
    assert_int_equal(simcmd_image_build(b, sizeof b, 7, SIMCMD_IMAGE_NO_CONFIRM), OTA_OK);
    assert_memory_not_equal(a + SIMCMD_IMAGE_HEADER_SIZE, b + SIMCMD_IMAGE_HEADER_SIZE,
                            sizeof a - SIMCMD_IMAGE_HEADER_SIZE);
}

static void test_any_flipped_header_bit_makes_it_not_a_simulated_image(void **state)
{
    (void)state;
    uint8_t img[64];
    simcmd_image_info_t info;
    assert_int_equal(simcmd_image_build(img, sizeof img, 9, SIMCMD_IMAGE_NO_CONFIRM), OTA_OK);
    for (unsigned bit = 0; bit < SIMCMD_IMAGE_HEADER_SIZE * 8u; bit++) {
        img[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (simcmd_image_parse(img, sizeof img, &info) != OTA_ERR_NOT_FOUND) {
            fail_msg("header bit %u flipped, still parsed", bit);
        }
        img[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(simcmd_image_parse(img, sizeof img, &info), OTA_OK);
}

static void test_a_buffer_shorter_than_the_header_or_foreign_bytes_are_not_an_image(void **state)
{
    (void)state;
    uint8_t img[64];
    simcmd_image_info_t info;
    assert_int_equal(simcmd_image_build(img, sizeof img, 2, 0), OTA_OK);
    assert_int_equal(simcmd_image_parse(img, SIMCMD_IMAGE_HEADER_SIZE - 1, &info), OTA_ERR_NOT_FOUND);
    memset(img, 0xFF, sizeof img);
    assert_int_equal(simcmd_image_parse(img, sizeof img, &info), OTA_ERR_NOT_FOUND);
    memset(img, 0x00, sizeof img);
    assert_int_equal(simcmd_image_parse(img, sizeof img, &info), OTA_ERR_NOT_FOUND);
}

static void test_building_refuses_version_zero_and_sizes_below_the_header(void **state)
{
    (void)state;
    uint8_t img[64];
    assert_int_equal(simcmd_image_build(img, sizeof img, 0, 0), OTA_ERR_INVALID_ARG);
    assert_int_equal(simcmd_image_build(img, SIMCMD_IMAGE_HEADER_SIZE - 1, 1, 0), OTA_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_built_image_parses_back_to_its_version_flags_and_size),
        cmocka_unit_test(test_the_same_version_and_flags_always_give_the_same_bytes),
        cmocka_unit_test(test_two_versions_differ_in_most_filler_bytes),
        cmocka_unit_test(test_a_no_confirm_image_differs_from_the_normal_one_of_its_version),
        cmocka_unit_test(test_any_flipped_header_bit_makes_it_not_a_simulated_image),
        cmocka_unit_test(test_a_buffer_shorter_than_the_header_or_foreign_bytes_are_not_an_image),
        cmocka_unit_test(test_building_refuses_version_zero_and_sizes_below_the_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

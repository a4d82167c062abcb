/*
 * The POSIX system port: clocks, random numbers, reset request, network
 * flag, log threshold / prefix / capture.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "system_posix.h"
#include "test_server.h"

static posix_system_t sys;
static ota_system_t port;

static int setup(void **state)
{
    (void)state;
    posix_system_init(&sys, 1234);
    posix_system_port(&sys, &port);
    return 0;
}

static void test_the_real_clock_counts_milliseconds_forward(void **state)
{
    (void)state;
    uint64_t outer0 = test_now_ms();
    uint32_t t0 = port.now_ms(port.ctx);
    struct timespec ts = { 0, 30 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    uint32_t t1 = port.now_ms(port.ctx);
    uint64_t outer1 = test_now_ms();
    uint32_t d = t1 - t0; /* wrap-safe, as the core computes it */
    /* At least the sleep, and never more than the test's own clock saw
     * around it (each side may lose under a millisecond to truncation):
     * milliseconds, whatever the machine's load stretched the sleep to. */
    assert_true(d >= 29u);
    assert_true((uint64_t)d <= outer1 - outer0 + 1u);
    assert_int_equal(posix_system_advance(&sys, 10), OTA_ERR_STATE);
}

static void test_the_fake_clock_moves_only_when_advanced_and_wraps(void **state)
{
    (void)state;
    assert_int_equal(posix_system_fake_clock(&sys, 1000), OTA_OK);
    assert_int_equal(port.now_ms(port.ctx), 1000);
    struct timespec ts = { 0, 5 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    assert_int_equal(port.now_ms(port.ctx), 1000);
    assert_int_equal(posix_system_advance(&sys, 250), OTA_OK);
    assert_int_equal(port.now_ms(port.ctx), 1250);
    posix_system_fake_clock(&sys, 0xFFFFFF00u);
    posix_system_advance(&sys, 0x200);
    assert_int_equal(port.now_ms(port.ctx), 0x100);
}

static void test_random_numbers_repeat_for_a_seed_and_differ_between_seeds(void **state)
{
    (void)state;
    posix_system_t a, b;
    ota_system_t pa, pb;
    posix_system_init(&a, 7);
    posix_system_init(&b, 7);
    posix_system_port(&a, &pa);
    posix_system_port(&b, &pb);
    uint32_t first[32];
    for (int i = 0; i < 32; i++) {
        first[i] = pa.random(pa.ctx);
        assert_int_equal(first[i], pb.random(pb.ctx));
    }
    posix_system_init(&b, 8);
    int same = 0, high = 0;
    for (int i = 0; i < 32; i++) {
        same += pb.random(pb.ctx) == first[i];
        high += (first[i] >> 31) != 0;
    }
    assert_true(same < 2);
    assert_true(high > 4 && high < 28); /* the top bit is used too */
}

static void test_reset_records_the_request_and_returns(void **state)
{
    (void)state;
    assert_int_equal(posix_system_reset_requested(&sys), 0);
    port.reset(port.ctx);
    assert_int_equal(posix_system_reset_requested(&sys), 1);
    port.reset(port.ctx);
    assert_int_equal(posix_system_take_reset(&sys), 2);
    assert_int_equal(posix_system_reset_requested(&sys), 0);
    assert_int_equal(posix_system_take_reset(&sys), 0);
}

static void test_the_network_is_up_by_default_and_follows_the_flag(void **state)
{
    (void)state;
    assert_true(port.network_up(port.ctx));
    posix_system_set_network(&sys, false);
    assert_false(port.network_up(port.ctx));
    posix_system_set_network(&sys, true);
    assert_true(port.network_up(port.ctx));
}

typedef struct captured {
    int count;
    ota_log_level_t level;
    int32_t value;
    char msg[64];
    char line[128];
} captured_t;

static void capture(void *arg, ota_log_level_t level, const char *msg, int32_t value, const char *line)
{
    captured_t *c = arg;
    c->count++;
    c->level = level;
    c->value = value;
    strncpy(c->msg, msg, sizeof c->msg - 1);
    strncpy(c->line, line, sizeof c->line - 1);
}

static void test_the_log_drops_lines_above_the_threshold_and_prefixes_the_rest(void **state)
{
    (void)state;
    captured_t c = { 0 };
    assert_int_equal(posix_system_set_log(&sys, OTA_LOG_WARN, "dev1", false, capture, &c), OTA_OK);
    port.log(port.ctx, OTA_LOG_INFO, "polling", 1);
    port.log(port.ctx, OTA_LOG_DEBUG, "detail", 2);
    assert_int_equal(c.count, 0);
    port.log(port.ctx, OTA_LOG_ERROR, "digest mismatch, version", 6);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.level, OTA_LOG_ERROR);
    assert_int_equal(c.value, 6);
    assert_string_equal(c.msg, "digest mismatch, version");
    assert_string_equal(c.line, "dev1 ERROR: digest mismatch, version 6");
    port.log(port.ctx, OTA_LOG_WARN, "retry", -41);
    assert_int_equal(c.count, 2);
    assert_string_equal(c.line, "dev1 WARN: retry -41");
}

static void test_the_log_works_without_a_prefix_and_refuses_unknown_levels(void **state)
{
    (void)state;
    captured_t c = { 0 };
    assert_int_equal(posix_system_set_log(&sys, OTA_LOG_DEBUG, NULL, false, capture, &c), OTA_OK);
    port.log(port.ctx, OTA_LOG_DEBUG, "x", 0);
    assert_string_equal(c.line, "DEBUG: x 0");
    assert_int_equal(posix_system_set_log(&sys, (ota_log_level_t)9, NULL, false, NULL, NULL), OTA_ERR_INVALID_ARG);
    /* A long prefix is cut, not overflowed. */
    posix_system_set_log(&sys, OTA_LOG_DEBUG, "0123456789012345678901234567890123456789", false, capture, &c);
    port.log(port.ctx, OTA_LOG_INFO, "y", 1);
    assert_int_equal(strncmp(c.line, "0123456789012345678901234567890 INFO", 36), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, setup)
    const struct CMUnitTest tests[] = {
        T(test_the_real_clock_counts_milliseconds_forward),
        T(test_the_fake_clock_moves_only_when_advanced_and_wraps),
        T(test_random_numbers_repeat_for_a_seed_and_differ_between_seeds),
        T(test_reset_records_the_request_and_returns),
        T(test_the_network_is_up_by_default_and_follows_the_flag),
        T(test_the_log_drops_lines_above_the_threshold_and_prefixes_the_rest),
        T(test_the_log_works_without_a_prefix_and_refuses_unknown_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

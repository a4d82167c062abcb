/*
 * The fleet simulation behind figure 11, on a small fleet: 20 devices
 * polling a real nginx every 15 minutes over 6 simulated hours, the release
 * published at Rollout 10 after 1 h and raised to 100 after 3 h. What is
 * checked are the invariants the figure rests on, never a time: the first
 * stage reaches exactly the devices the rollout bucket puts in it, every
 * device runs the release in the end, the server's log and the devices
 * agree, and conditional polls change the bytes, not the schedule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "bench_fleet_sim.h"
#include "ota_rollout.h"
#include "sysota/ota_error.h"
#include "test_server.h"

#define DEVICES 20u
#define FIRST_PERCENT 10u

/* One run per mode, made by the first test that needs it. */
typedef struct {
    bool done;
    int err;
    bench_fleet_result_t r;
    uint8_t stage[DEVICES];
} fleet_run_t;

static struct {
    char work[TEST_SERVER_PATH_MAX];
    char docroot[TEST_SERVER_PATH_MAX + 8];
    char devices[TEST_SERVER_PATH_MAX + 8];
    char log[TEST_SERVER_PATH_MAX + 16];
    test_server_t srv;
    fleet_run_t run[2]; /* [0] conditional polls, [1] without */
} g;

static int group_setup(void **state)
{
    (void)state;
    if (!test_server_have_nginx()) {
        return 0; /* each test skips */
    }
    if (test_tmpdir_make(g.work, sizeof g.work, "fleet") != OTA_OK ||
        (size_t)snprintf(g.docroot, sizeof g.docroot, "%s/www", g.work) >= sizeof g.docroot ||
        (size_t)snprintf(g.devices, sizeof g.devices, "%s/devices", g.work) >= sizeof g.devices ||
        mkdir(g.docroot, 0700) != 0 || mkdir(g.devices, 0700) != 0 ||
        test_server_start(&g.srv, TEST_SERVER_NGINX, g.docroot) != OTA_OK) {
        return -1;
    }
    snprintf(g.log, sizeof g.log, "%s/access.log", g.srv.dir);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (g.srv.pid > 0) {
        test_server_stop(&g.srv);
    }
    if (g.work[0] != '\0') {
        test_tmpdir_remove(g.work);
    }
    return 0;
}

static const fleet_run_t *fleet(bool conditional)
{
    if (!test_server_have_nginx()) {
        skip();
    }
    fleet_run_t *run = &g.run[conditional ? 0 : 1];
    if (!run->done) {
        bench_fleet_config_t cfg = {
            .work = g.devices,
            .docroot = g.docroot,
            .base_url = g.srv.url,
            .access_log = g.log,
            .devices = DEVICES,
            .period_s = 6u * 3600u,
            .interval_s = 900u,
            .stage1_s = 3600u,
            .stage2_s = 3u * 3600u,
            .first_percent = FIRST_PERCENT,
            .image_size = 4096u,
            .conditional = conditional,
            .stage = run->stage,
        };
        run->err = bench_fleet_run(&cfg, &run->r);
        run->done = true;
    }
    assert_int_equal(run->err, OTA_OK);
    return run;
}

static void test_the_first_stage_reaches_exactly_the_devices_whose_bucket_is_below_10(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        const fleet_run_t *run = fleet(mode == 0);
        uint32_t in = 0;
        for (uint32_t i = 0; i < DEVICES; i++) {
            char id[16];
            size_t n = bench_fleet_device_id(i, id, sizeof id);
            bool cohort = ota_rollout_bucket(id, n, BENCH_FLEET_RELEASE) < FIRST_PERCENT;
            in += cohort ? 1u : 0u;
            /* stage 1: updated while the release was at 10 %; 2: after it was raised */
            assert_int_equal(run->stage[i], cohort ? 1 : 2);
        }
        /* The identities give the first stage some devices and leave some for the second. */
        assert_true(in > 0 && in < DEVICES);
        assert_int_equal(run->r.in_cohort, in);
        assert_int_equal(run->r.updated_stage1, in);
    }
}

static void test_every_device_runs_the_release_once_it_is_at_100_percent(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        const fleet_run_t *run = fleet(mode == 0);
        assert_int_equal(run->r.updated, DEVICES);
        /* Each image downloaded once, in one request: nothing failed, nothing resumed. */
        assert_int_equal(run->r.failures, 0);
        assert_int_equal(run->r.image.requests, DEVICES);
        assert_int_equal(run->r.image.not_modified, 0);
    }
}

static void test_the_servers_log_and_the_devices_count_the_same_requests(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        const bench_fleet_result_t *r = &fleet(mode == 0)->r;
        assert_int_equal(r->manifest.requests, r->checks);
        assert_int_equal(r->manifest.requests + r->image.requests, r->requests);
        assert_int_equal(r->other, 0);
        assert_int_equal(r->manifest.not_modified, r->not_modified);
        /* The transport's HTTP-level bytes are nginx's, both ways. */
        assert_int_equal(r->manifest.sent + r->image.sent, r->wire_received);
        assert_int_equal(r->manifest.received + r->image.received, r->wire_sent);
        /* 15-minute polls +-5 minutes over 6 hours, the first within 15 minutes, one more after the reboot. */
        assert_true(r->checks >= DEVICES * 19u && r->checks <= DEVICES * 33u);
    }
}

static void test_conditional_polls_are_answered_304_and_without_them_none_is(void **state)
{
    (void)state;
    const bench_fleet_result_t *c = &fleet(true)->r;
    const bench_fleet_result_t *f = &fleet(false)->r;
    assert_true(c->manifest.conditional > 0);
    assert_true(c->manifest.not_modified > 0);
    assert_true(c->manifest.not_modified <= c->manifest.conditional);
    assert_int_equal(f->manifest.conditional, 0);
    assert_int_equal(f->manifest.not_modified, 0);
    assert_int_equal(f->not_modified, 0);
    /* The same devices, seeds and schedule: conditional polls change what
     * a poll weighs, not when it comes. */
    assert_int_equal(c->checks, f->checks);
    assert_true(c->manifest.sent < f->manifest.sent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_first_stage_reaches_exactly_the_devices_whose_bucket_is_below_10),
        cmocka_unit_test(test_every_device_runs_the_release_once_it_is_at_100_percent),
        cmocka_unit_test(test_the_servers_log_and_the_devices_count_the_same_requests),
        cmocka_unit_test(test_conditional_polls_are_answered_304_and_without_them_none_is),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * How the service polls, as a specification, against a scripted server on
 * the simulated device with a fake clock:
 *  - conditional polls: the validator of a manifest whose outcome was "no
 *    update" goes back with the next check, a 304 ends it without a body,
 *    and nothing else ever lets a 304 stand for a manifest (one cut short,
 *    refused, or leading to a download is fetched in full again);
 *  - the poll state file: surviving a restart, damaged or missing meaning
 *    only an unconditional poll, bound to the device and its configuration;
 *  - backoff: after failures the next periodic check waits a random time
 *    in a bound that doubles up to its cap, a success resets it, a
 *    server's Retry-After wins when longer, a manual check runs at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"
#include "svc_fixture.h"
#include "ota_imgdb.h"

#define MF_URL "http://ota.test/manifest.json"
#define IMG_URL "http://ota.test/app_v6.bin"

typedef struct p {
    svc_fix_t f;
    fake_transport_t ft;
    ota_system_t sys; /* the device's, with a random the test reads back */
    uint8_t img[FIX_IMAGE_SIZE];
    char mf[1024];   /* offers v6 */
    char none[1024]; /* offers only the running v1 */
} p_t;

static uint32_t g_random; /* the last value random() returned */
static uint32_t g_seed = 12345u;

static uint32_t scripted_random(void *ctx)
{
    (void)ctx;
    g_seed = g_seed * 1103515245u + 12345u;
    g_random = g_seed ^ (g_seed >> 15);
    return g_random;
}

/* A device running v1; MF_URL offers nothing new and carries ETag "m1". */
static p_t *p_open(void)
{
    p_t *t = calloc(1, sizeof *t);
    assert_non_null(t);
    fix_open(&t->f, 1);
    fake_init(&t->ft, &t->f.tp);
    fix_config(&t->f, MF_URL);
    t->sys = t->f.dev.sys;
    t->sys.random = scripted_random;
    t->f.ports.sys = &t->sys;
    fix_serve_update(&t->ft, 6, MF_URL, IMG_URL, t->img, t->mf, sizeof t->mf);
    /* MF_URL serves the "nothing new" manifest until a test publishes v6 */
    char entry[400];
    fix_entry(entry, sizeof entry, 1, "http://ota.test/app_v1.bin", false);
    snprintf(t->none, sizeof t->none, "{\"ota\": [%s]}", entry);
    fake_route_t *r = fake_route_add(&t->ft, MF_URL, t->none, (uint32_t)strlen(t->none));
    strcpy(r->etag, "\"m1\"");
    return t;
}

static void p_close(p_t *t)
{
    fix_close(&t->f);
    free(t);
}

static fake_route_t *manifest(p_t *t)
{
    return fake_route(&t->ft, MF_URL);
}

/* Publish v6 under a new ETag. */
static void publish_v6(p_t *t, const char *etag)
{
    fake_route_t *r = fake_route_add(&t->ft, MF_URL, t->mf, (uint32_t)strlen(t->mf));
    strcpy(r->etag, etag);
}

static void check(p_t *t)
{
    fix_clear_events(&t->f);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    fix_run(&t->f, 1);
}

static const ota_service_event_data_t *no_update(p_t *t)
{
    return fix_event(&t->f, OTA_EVENT_NO_UPDATE);
}

/* ---- conditional polls ---------------------------------------------------------- */

static void test_a_check_that_found_nothing_sends_the_etag_back_and_a_304_ends_the_next(void **state)
{
    (void)state;
    p_t *t = p_open();
    fix_start(&t->f);
    check(t);
    assert_false(no_update(t)->not_modified);
    assert_string_equal(manifest(t)->sent_if_none_match, "");
    assert_true(fix_store_has(&t->f, OTA_POLL_STATE_NAME, NULL));
    uint64_t body = t->ft.body_bytes;

    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "\"m1\"");
    assert_string_equal(manifest(t)->sent_if_modified_since, "");
    assert_true(no_update(t)->not_modified);
    assert_int_equal(no_update(t)->reason, OTA_OK);
    assert_int_equal(t->ft.body_bytes, body); /* not a byte of the manifest */
    assert_int_equal(t->ft.gets, 2);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_IDLE);
    assert_int_equal(ota_service_last_error(&t->f.svc), OTA_OK);
    assert_int_equal(fix_temp_files(&t->f), 0);
    p_close(t);
}

static void test_the_validator_goes_back_as_it_came_a_weak_etag_too_else_the_date(void **state)
{
    static const struct {
        const char *etag, *date; /* what the server sends */
        const char *inm, *ims;   /* what the next check sends back */
    } cases[] = {
        { "W/\"m1\"", "Wed, 02 Dec 2026 05:19:30 GMT", "W/\"m1\"", "" }, /* If-None-Match compares weakly */
        { "", "Wed, 02 Dec 2026 05:19:30 GMT", "", "Wed, 02 Dec 2026 05:19:30 GMT" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p_t *t = p_open();
        strcpy(manifest(t)->etag, cases[i].etag);
        strcpy(manifest(t)->last_modified, cases[i].date);
        fix_start(&t->f);
        check(t);
        check(t);
        assert_string_equal(manifest(t)->sent_if_none_match, cases[i].inm);
        assert_string_equal(manifest(t)->sent_if_modified_since, cases[i].ims);
        assert_true(no_update(t)->not_modified);
        p_close(t);
    }
}

static void test_a_server_without_validators_gets_unconditional_polls(void **state)
{
    (void)state;
    p_t *t = p_open();
    strcpy(manifest(t)->etag, "");
    fix_start(&t->f);
    check(t);
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "");
    assert_string_equal(manifest(t)->sent_if_modified_since, "");
    assert_false(no_update(t)->not_modified);
    assert_false(fix_store_has(&t->f, OTA_POLL_STATE_NAME, NULL)); /* nothing worth a write */
    p_close(t);
}

static void test_the_validator_survives_a_restart_of_the_service(void **state)
{
    (void)state;
    p_t *t = p_open();
    t->f.cfg.full_check_every = 0; /* no full fetch drawn at the restart */
    fix_start(&t->f);
    check(t);
    fix_start(&t->f); /* a reboot: the RAM is new, the store is not */
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "\"m1\"");
    assert_true(no_update(t)->not_modified);
    p_close(t);
}

static void test_a_changed_manifest_is_fetched_and_acted_on(void **state)
{
    (void)state;
    p_t *t = p_open();
    fix_start(&t->f);
    check(t);
    publish_v6(t, "\"m2\"");
    check(t);
    assert_string_equal(t->ft.last_url, IMG_URL);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_int_equal(fix_find(&t->f, OTA_EVENT_NO_UPDATE, 0), -1);
    p_close(t);
}

static void test_a_manifest_whose_download_failed_is_fetched_in_full_until_it_succeeds(void **state)
{
    (void)state;
    p_t *t = p_open();
    publish_v6(t, "\"m2\"");
    fake_route(&t->ft, IMG_URL)->status = 500;
    fix_start(&t->f);
    check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_HTTP_STATUS);
    /* A 304 now would leave the update behind for good. */
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "");
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_HTTP_STATUS);
    fake_route(&t->ft, IMG_URL)->status = 200;
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "");
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    p_close(t);
}

static void test_a_manifest_cut_short_or_refused_is_fetched_in_full_next_time(void **state)
{
    (void)state;
    p_t *t = p_open();
    fix_start(&t->f);
    check(t); /* m1 recorded */
    /* Changed, but cut short on the way: its new ETag must not be kept. */
    publish_v6(t, "\"m2\"");
    manifest(t)->cut_after = 20;
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "\"m1\"");
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_NET);
    manifest(t)->cut_after = 0;
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "\"m1\"");
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);

    /* A manifest refused (not JSON) under its ETag: asked for in full again. */
    p_t *u = p_open();
    fix_start(&u->f);
    fake_route_t *r = fake_route_add(&u->ft, MF_URL, "{\"ota\": [", 9);
    strcpy(r->etag, "\"bad\"");
    check(u);
    assert_int_equal(fix_event(&u->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_JSON);
    check(u);
    assert_string_equal(fake_route(&u->ft, MF_URL)->sent_if_none_match, "");
    assert_int_equal(fix_event(&u->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_JSON);
    p_close(u);
    p_close(t);
}

static void test_a_damaged_or_missing_state_file_means_an_unconditional_poll(void **state)
{
    (void)state;
    p_t *t = p_open();
    const ota_store_t *st = &t->f.dev.store;
    fix_start(&t->f);
    check(t);
    uint32_t size;
    assert_true(fix_store_has(&t->f, OTA_POLL_STATE_NAME, &size));
    uint8_t *copy = malloc(size);
    assert_non_null(copy);
    int fh = st->open(st->ctx, OTA_POLL_STATE_NAME, OTA_STORE_READ);
    assert_true(fh >= 0);
    assert_int_equal(st->read(st->ctx, fh, copy, size), (int)size);
    st->close(st->ctx, fh);

    for (uint32_t at = 0; at < size; at += 7) { /* one flipped bit anywhere */
        copy[at] ^= 0x10;
        fix_store_write(&t->f, OTA_POLL_STATE_NAME, copy, size);
        copy[at] ^= 0x10;
        check(t);
        assert_string_equal(manifest(t)->sent_if_none_match, "");
        assert_false(no_update(t)->not_modified);
    }
    fix_store_write(&t->f, OTA_POLL_STATE_NAME, copy, size - 1); /* short */
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "");
    assert_int_equal(st->remove(st->ctx, OTA_POLL_STATE_NAME), OTA_OK);
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "");
    check(t); /* and the full fetch wrote it again */
    assert_string_equal(manifest(t)->sent_if_none_match, "\"m1\"");
    free(copy);
    p_close(t);
}

static void test_no_304_stands_for_a_manifest_read_by_another_device_state(void **state)
{
    (void)state;
    p_t *t = p_open();
    t->f.cfg.full_check_every = 0;
    fix_start(&t->f);
    check(t);
    /* Another running version: the same manifest may now offer something. */
    fix_install(&t->f, 2);
    fix_start(&t->f);
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "");
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "\"m1\"");
    /* Another hardware id: not the answer this manifest gave. */
    t->f.cfg.hardware_id = "board-b";
    fix_start(&t->f);
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "");
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "\"m1\"");
    /* Another identity: staged rollouts draw another cohort for it. */
    assert_int_equal(posix_system_set_device_id(&t->f.dev.sys_posix, "SN-2", 4), OTA_OK);
    fix_start(&t->f);
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "");
    p_close(t);
}

static void test_every_nth_check_fetches_the_manifest_in_full(void **state)
{
    (void)state;
    p_t *t = p_open();
    t->f.cfg.full_check_every = 3;
    fix_start(&t->f);
    bool sent[7];
    for (int i = 0; i < 7; i++) {
        check(t);
        sent[i] = manifest(t)->sent_if_none_match[0] != '\0';
        assert_int_equal(no_update(t)->not_modified, sent[i]);
    }
    static const bool want[7] = { false, true, true, false, true, true, false };
    assert_memory_equal(sent, want, sizeof want);

    t->f.cfg.full_check_every = 1; /* conditional polls off */
    fix_start(&t->f);
    for (int i = 0; i < 3; i++) {
        check(t);
        assert_string_equal(manifest(t)->sent_if_none_match, "");
    }
    p_close(t);
}

static void test_a_device_restarted_before_every_check_still_fetches_in_full_one_check_in_n(void **state)
{
    (void)state;
    p_t *t = p_open();
    t->f.cfg.full_check_every = 4;
    fix_start(&t->f);
    check(t);
    unsigned full = 0;
    for (int i = 0; i < 200; i++) {
        fix_start(&t->f); /* the count of checks since a full fetch is RAM: lost */
        check(t);
        full += !no_update(t)->not_modified;
    }
    /* One in four on average (each start draws where the count begins);
     * never all, never none. */
    assert_in_range(full, 25, 100);
    p_close(t);
}

static void test_the_no_update_reason_of_the_manifest_is_told_again_on_304(void **state)
{
    (void)state;
    p_t *t = p_open();
    /* v1 and an entry the device refuses (a digest too short) */
    static const char json[] = "{\"ota\": [{\"Version\": 1, \"URL\": \"http://ota.test/app_v1.bin\", \"Digest\": "
                               "\"00\", \"EraseVer\": false}, %s]}";
    char entry[400];
    fix_entry(entry, sizeof entry, 1, "http://ota.test/app_v1.bin", false);
    snprintf(t->none, sizeof t->none, json, entry);
    fake_route_t *r = fake_route_add(&t->ft, MF_URL, t->none, (uint32_t)strlen(t->none));
    strcpy(r->etag, "\"m1\"");
    fix_start(&t->f);
    check(t);
    int reason = no_update(t)->reason;
    assert_int_not_equal(reason, OTA_OK);
    check(t);
    assert_true(no_update(t)->not_modified);
    assert_int_equal(no_update(t)->reason, reason);
    p_close(t);

    /* The version on offer that failed here before: reason and version. */
    t = p_open();
    fix_store_image(&t->f, 6, NULL, OTA_STATUS_DISABLED);
    publish_v6(t, "\"m2\"");
    fix_start(&t->f);
    check(t);
    assert_int_equal(no_update(t)->reason, OTA_ERR_STATE);
    assert_int_equal(no_update(t)->version, 6);
    check(t);
    assert_true(no_update(t)->not_modified);
    assert_int_equal(no_update(t)->reason, OTA_ERR_STATE);
    assert_int_equal(no_update(t)->version, 6);
    p_close(t);
}

static void test_a_named_image_refused_leaves_the_manifests_validator_alone(void **state)
{
    (void)state;
    p_t *t = p_open();
    fix_start(&t->f);
    check(t);
    /* v6 installed once and failed: a named v6 is refused as "no update". */
    fix_store_image(&t->f, 6, NULL, OTA_STATUS_DISABLED);
    uint8_t d[32];
    fix_digest(6, FIX_IMAGE_SIZE, d);
    fix_clear_events(&t->f);
    assert_int_equal(ota_service_update_image(&t->f.svc, IMG_URL, 6, d), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(no_update(t)->reason, OTA_ERR_STATE);
    check(t);
    assert_string_equal(manifest(t)->sent_if_none_match, "\"m1\"");
    assert_true(no_update(t)->not_modified);
    p_close(t);
}

/* ---- backoff ---------------------------------------------------------------------- */

#define BASE_MS 1000u
#define CAP_MS 20000u
#define INTERVAL_MS 3600000u

static void backoff_config(p_t *t)
{
    t->f.cfg.periodic = true;
    t->f.cfg.interval_ms = INTERVAL_MS;
    t->f.cfg.jitter_ms = 0;
    t->f.cfg.first_check_ms = 0;
    t->f.cfg.backoff_base_ms = BASE_MS;
    t->f.cfg.backoff_max_ms = CAP_MS;
}

static uint32_t bound_of(unsigned failures)
{
    uint64_t b = (uint64_t)BASE_MS << (failures - 1u);
    return b > CAP_MS ? CAP_MS : (uint32_t)b;
}

/* Let the periodic check that is due run, at the exact millisecond: returns
 * the data of its last event (a failure or NO_UPDATE). */
static const ota_service_event_data_t *wait_for_check(p_t *t, uint32_t ms)
{
    fix_clear_events(&t->f);
    if (ms > 0) {
        posix_system_advance(&t->f.dev.sys_posix, ms - 1u);
        fix_run(&t->f, 0);
        assert_int_equal(fix_find(&t->f, OTA_EVENT_CHECK_START, 0), -1); /* not a millisecond early */
        posix_system_advance(&t->f.dev.sys_posix, 1);
    }
    fix_run(&t->f, 0);
    assert_true(fix_find(&t->f, OTA_EVENT_CHECK_START, 0) >= 0);
    return &t->f.events[t->f.nevents - 1].d;
}

static void test_failed_checks_back_off_with_full_jitter_in_a_doubling_bound_up_to_the_cap(void **state)
{
    (void)state;
    p_t *t = p_open();
    backoff_config(t);
    manifest(t)->status = 500;
    fix_start(&t->f);
    const ota_service_event_data_t *d = wait_for_check(t, 0);
    bool below_bound = false;
    for (unsigned n = 1; n <= 12; n++) {
        assert_int_equal(t->f.events[t->f.nevents - 1].ev, OTA_EVENT_CHECK_FAILED);
        /* anywhere in [0, bound]: exactly the random draw folded into it */
        uint32_t want = g_random % (bound_of(n) + 1u);
        assert_int_equal(d->next_check_ms, want);
        below_bound |= want < bound_of(n);
        d = wait_for_check(t, want);
    }
    assert_true(below_bound);
    assert_int_equal(bound_of(12), CAP_MS);
    p_close(t);
}

static void test_a_success_resets_the_backoff_to_the_regular_interval(void **state)
{
    (void)state;
    p_t *t = p_open();
    backoff_config(t);
    manifest(t)->status = 500;
    fix_start(&t->f);
    const ota_service_event_data_t *d = wait_for_check(t, 0);
    for (int n = 0; n < 4; n++) {
        d = wait_for_check(t, d->next_check_ms);
    }
    manifest(t)->status = 200;
    d = wait_for_check(t, d->next_check_ms);
    assert_int_equal(t->f.events[t->f.nevents - 1].ev, OTA_EVENT_NO_UPDATE);
    assert_int_equal(d->next_check_ms, INTERVAL_MS);
    manifest(t)->status = 500;
    d = wait_for_check(t, INTERVAL_MS);
    assert_int_equal(d->next_check_ms, g_random % (bound_of(1) + 1u)); /* the first failure again */
    p_close(t);
}

static void test_a_failed_download_backs_off_too(void **state)
{
    (void)state;
    p_t *t = p_open();
    backoff_config(t);
    publish_v6(t, "\"m2\"");
    fake_route(&t->ft, IMG_URL)->status = 503;
    fix_start(&t->f);
    const ota_service_event_data_t *d = wait_for_check(t, 0);
    assert_int_equal(t->f.events[t->f.nevents - 1].ev, OTA_EVENT_DOWNLOAD_FAILED);
    assert_int_equal(d->next_check_ms, g_random % (bound_of(1) + 1u));
    d = wait_for_check(t, d->next_check_ms);
    assert_int_equal(d->next_check_ms, g_random % (bound_of(2) + 1u));
    p_close(t);
}

/* A started device whose server answers the manifest with 503 and this
 * Retry-After; the backoff capped at 10 min. */
static p_t *p_busy(const char *retry_after)
{
    p_t *t = p_open();
    backoff_config(t);
    t->f.cfg.backoff_max_ms = 600000u;
    manifest(t)->status = 503;
    strcpy(manifest(t)->retry_after, retry_after);
    fix_start(&t->f);
    return t;
}

static void test_retry_after_wins_when_longer_than_the_backoff_and_is_capped(void **state)
{
    (void)state;
    p_t *t = p_busy("120");
    const ota_service_event_data_t *d = wait_for_check(t, 0);
    assert_int_equal(d->next_check_ms, 120000u); /* the backoff's draw is at most 1 s */
    strcpy(manifest(t)->retry_after, "86400");
    d = wait_for_check(t, d->next_check_ms);
    assert_int_equal(d->next_check_ms, 600000u); /* capped */
    /* 429 too; and a Retry-After shorter than the backoff's draw loses */
    manifest(t)->status = 429;
    strcpy(manifest(t)->retry_after, "0");
    d = wait_for_check(t, d->next_check_ms);
    assert_int_equal(d->next_check_ms, g_random % (1000u * 4u + 1u));
    /* Only 429 and 503 carry it: a 500's is not read. */
    manifest(t)->status = 500;
    strcpy(manifest(t)->retry_after, "300");
    d = wait_for_check(t, d->next_check_ms);
    assert_int_equal(d->next_check_ms, g_random % (1000u * 8u + 1u));
    p_close(t);
}

static void test_retry_after_as_a_date_counts_only_with_trusted_time(void **state)
{
    (void)state;
    p_t *t = p_busy("Wed, 02 Dec 2026 05:21:00 GMT");
    /* No trusted time: a date says nothing, the backoff decides. */
    const ota_service_event_data_t *d = wait_for_check(t, 0);
    assert_int_equal(d->next_check_ms, g_random % (bound_of(1) + 1u));
    assert_int_equal(sim_device_trusted_time(&t->f.dev, 1796188770u), OTA_OK); /* 05:19:30 */
    t->sys.utc_time = t->f.dev.sys.utc_time;
    t->sys.ctx = t->f.dev.sys.ctx;
    uint32_t wait = d->next_check_ms;
    d = wait_for_check(t, wait);
    assert_int_equal(d->next_check_ms, (90u - wait / 1000u) * 1000u); /* until 05:21:00 by the trusted clock */
    p_close(t);
}

static void test_a_manual_check_runs_at_once_whatever_the_backoff_says(void **state)
{
    (void)state;
    p_t *t = p_open();
    backoff_config(t);
    manifest(t)->status = 503;
    strcpy(manifest(t)->retry_after, "3600");
    t->f.cfg.backoff_max_ms = 3600000u;
    fix_start(&t->f);
    const ota_service_event_data_t *d = wait_for_check(t, 0);
    assert_int_equal(d->next_check_ms, 3600000u);
    manifest(t)->status = 200;
    fix_clear_events(&t->f);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    fix_run(&t->f, 0); /* no clock moved */
    assert_true(fix_find(&t->f, OTA_EVENT_CHECK_START, 0) >= 0);
    assert_int_equal(no_update(t)->next_check_ms, INTERVAL_MS);
    p_close(t);
}

static void test_the_network_coming_back_does_not_cut_a_backoff_short(void **state)
{
    (void)state;
    p_t *t = p_open();
    backoff_config(t);
    t->f.cfg.first_check_ms = 2000;
    t->f.cfg.backoff_max_ms = 3600000u;
    manifest(t)->status = 503;
    strcpy(manifest(t)->retry_after, "600");
    fix_start(&t->f);
    fix_run(&t->f, 0); /* the network is up: the first check in 2 s */
    const ota_service_event_data_t *d = wait_for_check(t, 2000);
    assert_int_equal(d->next_check_ms, 600000u);
    posix_system_set_network(&t->f.dev.sys_posix, false);
    fix_run(&t->f, 0);
    posix_system_advance(&t->f.dev.sys_posix, 1000);
    posix_system_set_network(&t->f.dev.sys_posix, true);
    fix_run(&t->f, 0);
    manifest(t)->status = 200;
    wait_for_check(t, 600000u - 1000u); /* not after 2 s: at the backoff's end */
    p_close(t);
}

static void test_without_a_random_source_the_backoff_waits_its_whole_bound(void **state)
{
    (void)state;
    p_t *t = p_open();
    backoff_config(t);
    t->sys.random = NULL;
    manifest(t)->status = 500;
    fix_start(&t->f);
    const ota_service_event_data_t *d = wait_for_check(t, 0);
    for (unsigned n = 1; n <= 6; n++) {
        assert_int_equal(d->next_check_ms, bound_of(n));
        d = wait_for_check(t, d->next_check_ms);
    }
    p_close(t);
}

static void test_without_periodic_checks_events_say_no_check_is_due(void **state)
{
    (void)state;
    p_t *t = p_open();
    manifest(t)->status = 500;
    fix_start(&t->f);
    check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->next_check_ms, OTA_SERVICE_NO_CHECK);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_START)->next_check_ms, OTA_SERVICE_NO_CHECK);
    p_close(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_check_that_found_nothing_sends_the_etag_back_and_a_304_ends_the_next),
        cmocka_unit_test(test_the_validator_goes_back_as_it_came_a_weak_etag_too_else_the_date),
        cmocka_unit_test(test_a_server_without_validators_gets_unconditional_polls),
        cmocka_unit_test(test_the_validator_survives_a_restart_of_the_service),
        cmocka_unit_test(test_a_changed_manifest_is_fetched_and_acted_on),
        cmocka_unit_test(test_a_manifest_whose_download_failed_is_fetched_in_full_until_it_succeeds),
        cmocka_unit_test(test_a_manifest_cut_short_or_refused_is_fetched_in_full_next_time),
        cmocka_unit_test(test_a_damaged_or_missing_state_file_means_an_unconditional_poll),
        cmocka_unit_test(test_no_304_stands_for_a_manifest_read_by_another_device_state),
        cmocka_unit_test(test_every_nth_check_fetches_the_manifest_in_full),
        cmocka_unit_test(test_a_device_restarted_before_every_check_still_fetches_in_full_one_check_in_n),
        cmocka_unit_test(test_the_no_update_reason_of_the_manifest_is_told_again_on_304),
        cmocka_unit_test(test_a_named_image_refused_leaves_the_manifests_validator_alone),
        cmocka_unit_test(test_failed_checks_back_off_with_full_jitter_in_a_doubling_bound_up_to_the_cap),
        cmocka_unit_test(test_a_success_resets_the_backoff_to_the_regular_interval),
        cmocka_unit_test(test_a_failed_download_backs_off_too),
        cmocka_unit_test(test_retry_after_wins_when_longer_than_the_backoff_and_is_capped),
        cmocka_unit_test(test_retry_after_as_a_date_counts_only_with_trusted_time),
        cmocka_unit_test(test_a_manual_check_runs_at_once_whatever_the_backoff_says),
        cmocka_unit_test(test_the_network_coming_back_does_not_cut_a_backoff_short),
        cmocka_unit_test(test_without_a_random_source_the_backoff_waits_its_whole_bound),
        cmocka_unit_test(test_without_periodic_checks_events_say_no_check_is_due),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

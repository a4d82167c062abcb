/*
 * Signed updates, one test per threat, each with the attacker in the test
 * (docs/security.md): a device provisioned with a key takes only what that
 * key signed, never an older manifest, never a version below its floor,
 * never another hardware's manifest, never more than the signed Size, and
 * its bootloader refuses an image changed in the store after the download.
 *
 * The signer is the host tools' library (OpenSSL); the device checks with
 * its crypto port (mbedTLS): two implementations, one format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"
#include "hostsign.h"
#include "ota_bootctl.h"
#include "ota_codec.h"
#include "ota_hex.h"
#include "ota_imgdb.h"
#include "ota_trust.h"
#include "svc_fixture.h"
#include "sysota/ota_app.h"

#define MF_URL "http://ota.test/manifest.json"
#define SIG_URL MF_URL ".sig"
#define MAX_VER 10

typedef struct sec {
    svc_fix_t f;
    fake_transport_t ft;
    tool_key_t key_a; /* the fleet's key */
    tool_key_t key_b; /* another key: the next one, or an attacker's */
    uint8_t point_a[OTA_PUBKEY_LEN];
    uint8_t point_b[OTA_PUBKEY_LEN];
    ota_keys_t keys; /* what the device trusts */
    uint8_t img[MAX_VER][FIX_IMAGE_SIZE];
    char url[MAX_VER][64];
    char mf[4096];
    uint8_t sigfile[OTA_SIGFILE_LEN];
} sec_t;

/* ---- the publisher ------------------------------------------------------------- */

/* An entry of version v signed by key (NULL: no Signature); sig_of: the
 * version whose image the Signature is over (an attacker's mismatch). */
typedef struct entry_opt {
    const tool_key_t *key;
    uint32_t sig_of;
    uint32_t floor;
    uint32_t size;
    bool golden;
} entry_opt_t;

static int entry(sec_t *s, char *out, size_t cap, uint32_t v, entry_opt_t o)
{
    char hex[65];
    char b64[100] = "";
    fix_digest_hex(v, FIX_IMAGE_SIZE, hex);
    int n = snprintf(out, cap, "{\"Version\":%u,\"URL\":\"%s\",\"Digest\":\"%s\",\"Size\":%u", (unsigned)v, s->url[v],
                     hex, (unsigned)(o.size ? o.size : FIX_IMAGE_SIZE));
    if (o.key != NULL) {
        uint8_t digest[32];
        uint8_t sig[OTA_SIG_LEN];
        fix_digest(o.sig_of ? o.sig_of : v, FIX_IMAGE_SIZE, digest);
        assert_int_equal(tool_sign_digest(o.key, digest, sig), OTA_OK);
        assert_true(ota_base64_encode(sig, sizeof sig, b64, sizeof b64) > 0);
        n += snprintf(out + n, cap - (size_t)n, ",\"Signature\":\"%s\"", b64);
    }
    if (o.floor) {
        n += snprintf(out + n, cap - (size_t)n, ",\"Floor\":%u", (unsigned)o.floor);
    }
    if (o.golden) {
        n += snprintf(out + n, cap - (size_t)n, ",\"Golden\":true");
    }
    n += snprintf(out + n, cap - (size_t)n, "}");
    return n;
}

/* Serve a manifest {"Sequence":seq,"ota":[entries]} (and extra top-level
 * keys) with its ".sig" by signer (NULL: no .sig file at all). */
static void publish(sec_t *s, uint32_t seq, const char *extra, const char *entries, const tool_key_t *signer)
{
    int n =
        snprintf(s->mf, sizeof s->mf, "{\"Sequence\":%u,%s\"ota\":[%s]}", (unsigned)seq, extra ? extra : "", entries);
    assert_true(n > 0 && (size_t)n < sizeof s->mf);
    fake_route_add(&s->ft, MF_URL, s->mf, (uint32_t)n);
    if (signer == NULL) {
        return;
    }
    ota_sigfile_t sf;
    uint8_t digest[32];
    uint8_t point[OTA_PUBKEY_LEN];
    assert_int_equal(tool_sign_sha256(s->mf, (size_t)n, digest), OTA_OK);
    assert_int_equal(tool_sign_digest(signer, digest, sf.sig), OTA_OK);
    assert_int_equal(tool_key_point(signer, point), OTA_OK);
    assert_int_equal(tool_key_id(point, sf.key_id), OTA_OK);
    ota_sigfile_encode(&sf, s->sigfile);
    fake_route_add(&s->ft, SIG_URL, s->sigfile, sizeof s->sigfile);
}

/* One signed entry of version v by key A, in a manifest of sequence seq. */
static void publish_one(sec_t *s, uint32_t seq, uint32_t v)
{
    char e[512];
    entry(s, e, sizeof e, v, (entry_opt_t){ .key = &s->key_a });
    publish(s, seq, NULL, e, &s->key_a);
}

/* ---- the device ------------------------------------------------------------------ */

static void trust(sec_t *s, const uint8_t *first, const uint8_t *second)
{
    memset(&s->keys, 0, sizeof s->keys);
    if (first != NULL) {
        memcpy(s->keys.point[s->keys.count++], first, OTA_PUBKEY_LEN);
    }
    if (second != NULL) {
        memcpy(s->keys.point[s->keys.count++], second, OTA_PUBKEY_LEN);
    }
}

static sec_t *sec_open(void)
{
    sec_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    fix_open(&s->f, 1);
    fake_init(&s->ft, &s->f.tp);
    fix_config(&s->f, MF_URL);
    assert_int_equal(tool_key_generate(&s->key_a), OTA_OK);
    assert_int_equal(tool_key_generate(&s->key_b), OTA_OK);
    assert_int_equal(tool_key_point(&s->key_a, s->point_a), OTA_OK);
    assert_int_equal(tool_key_point(&s->key_b, s->point_b), OTA_OK);
    trust(s, s->point_a, NULL);
    s->f.cfg.keys = &s->keys;
    s->f.dev.boot_cfg.keys = &s->keys;
    for (uint32_t v = 1; v < MAX_VER; v++) {
        fix_image(v, s->img[v], FIX_IMAGE_SIZE);
        snprintf(s->url[v], sizeof s->url[v], "http://ota.test/app_v%u.bin", (unsigned)v);
        fake_route_add(&s->ft, s->url[v], s->img[v], FIX_IMAGE_SIZE);
    }
    return s;
}

static void sec_close(sec_t *s)
{
    tool_key_free(&s->key_a);
    tool_key_free(&s->key_b);
    fix_close(&s->f);
    free(s);
}

/* Start the service (after a boot) and run one check to its end. */
static void check(sec_t *s)
{
    fix_clear_events(&s->f);
    fix_start(&s->f);
    assert_int_equal(ota_service_check_now(&s->f.svc), OTA_OK);
    fix_run(&s->f, 1);
}

static int reason_of(sec_t *s, ota_service_event_t ev)
{
    return fix_event(&s->f, ev)->reason;
}

/* The update was refused and nothing of it stored. */
static void assert_refused(sec_t *s, uint32_t v)
{
    assert_int_equal(fix_find(&s->f, OTA_EVENT_UPDATE_READY, 0), -1);
    ota_db_t db = fix_db(&s->f);
    assert_null(ota_db_find_version(&db, v));
    assert_int_equal(fix_record(&s->f).status, OTA_STATUS_VALID);
}

/* Boot, confirm, and return the running version. */
static uint32_t boot_and_confirm(sec_t *s)
{
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&s->f, &res), OTA_OK);
    if (res.status == OTA_STATUS_UNBOOTED) {
        assert_int_equal(ota_app_confirm(&s->f.dev.boot_cfg), OTA_OK);
    }
    return res.version;
}

/* ---- the flow a genuine release takes ---------------------------------------------- */

static void test_a_signed_release_is_installed_and_its_signature_kept_for_the_bootloader(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    publish_one(s, 1, 3);
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 3);
    assert_int_equal(fake_gets_of(&s->ft, SIG_URL), 1);
    uint32_t size;
    assert_true(fix_store_has(&s->f, "v3.sig", &size));
    assert_int_equal(size, OTA_SIG_LEN);
    assert_int_equal(fix_record(&s->f).manifest_seq, 1);
    assert_int_equal(boot_and_confirm(s), 3);
    sec_close(s);
}

static void test_a_device_without_keys_takes_unsigned_updates_as_the_original_does(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    s->f.cfg.keys = NULL;
    s->f.dev.boot_cfg.keys = NULL;
    char e[512];
    entry(s, e, sizeof e, 3, (entry_opt_t){ 0 });
    publish(s, 1, NULL, e, NULL); /* no .sig at all */
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 3);
    assert_int_equal(fake_gets_of(&s->ft, SIG_URL), 0);
    assert_int_equal(boot_and_confirm(s), 3);
    sec_close(s);
}

static void test_an_unchanged_signed_manifest_is_neither_fetched_nor_verified_again_until_a_full_check(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    publish_one(s, 1, 1); /* the running version: nothing to do */
    strcpy(fake_route(&s->ft, MF_URL)->etag, "\"s1\"");
    s->f.cfg.full_check_every = 3;
    check(s);
    assert_false(fix_event(&s->f, OTA_EVENT_NO_UPDATE)->not_modified);
    assert_int_equal(fake_gets_of(&s->ft, SIG_URL), 1);
    /* A 304 stands for the manifest this device verified: no .sig. */
    for (int i = 0; i < 2; i++) {
        fix_clear_events(&s->f);
        assert_int_equal(ota_service_check_now(&s->f.svc), OTA_OK);
        fix_run(&s->f, 1);
        assert_true(fix_event(&s->f, OTA_EVENT_NO_UPDATE)->not_modified);
        assert_int_equal(fake_gets_of(&s->ft, SIG_URL), 1);
    }
    /* Every third check reads and verifies it in full: a server (or a man
     * in the middle) answering 304 can hold a device back that long, no
     * longer, and can never make it take anything. */
    fix_clear_events(&s->f);
    assert_int_equal(ota_service_check_now(&s->f.svc), OTA_OK);
    fix_run(&s->f, 1);
    assert_false(fix_event(&s->f, OTA_EVENT_NO_UPDATE)->not_modified);
    assert_int_equal(fake_gets_of(&s->ft, SIG_URL), 2);
    assert_string_equal(fake_route(&s->ft, MF_URL)->sent_if_none_match, "");
    sec_close(s);
}

/* ---- arbitrary software ------------------------------------------------------------ */

static void test_an_unsigned_manifest_is_refused(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    char e[512];
    entry(s, e, sizeof e, 3, (entry_opt_t){ .key = &s->key_a });
    publish(s, 1, NULL, e, NULL);
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_UNSIGNED);
    assert_refused(s, 3);
    sec_close(s);
}

static void test_a_manifest_changed_by_one_byte_is_refused(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    publish_one(s, 1, 3);
    /* In transit: the attacker points the entry at another server. */
    char *at = strstr(s->mf, "ota.test");
    assert_non_null(at);
    at[0] = 'x';
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_SIGNATURE);
    assert_int_equal(fake_gets_of(&s->ft, s->url[3]), 0); /* nothing of it was read */
    assert_refused(s, 3);
    sec_close(s);
}

static void test_a_manifest_signed_by_an_unknown_key_is_refused(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    char e[512];
    entry(s, e, sizeof e, 3, (entry_opt_t){ .key = &s->key_b });
    publish(s, 1, NULL, e, &s->key_b); /* a valid signature, by a key the device does not trust */
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_KEY_UNKNOWN);
    assert_refused(s, 3);
    sec_close(s);
}

static void test_a_signature_over_another_manifest_is_refused(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    publish_one(s, 1, 2);
    uint8_t other[OTA_SIGFILE_LEN];
    memcpy(other, s->sigfile, sizeof other); /* genuine, for the v2 manifest */
    publish_one(s, 1, 3);
    fake_route_add(&s->ft, SIG_URL, other, sizeof other);
    memcpy(s->sigfile, other, sizeof other);
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_SIGNATURE);
    assert_refused(s, 3);
    sec_close(s);
}

static void test_an_entry_copied_from_another_signed_manifest_is_refused(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    /* Mix and match: a genuine signed entry for v4 (of another, genuine
     * manifest) pasted into a genuine signed manifest that offers v3. */
    char e3[512], e4[512], both[1100];
    entry(s, e3, sizeof e3, 3, (entry_opt_t){ .key = &s->key_a });
    entry(s, e4, sizeof e4, 4, (entry_opt_t){ .key = &s->key_a });
    publish(s, 1, NULL, e3, &s->key_a);
    uint8_t sig3[OTA_SIGFILE_LEN];
    memcpy(sig3, s->sigfile, sizeof sig3);
    snprintf(both, sizeof both, "%s,%s", e3, e4);
    publish(s, 1, NULL, both, NULL);
    fake_route_add(&s->ft, SIG_URL, sig3, sizeof sig3);
    memcpy(s->sigfile, sig3, sizeof sig3);
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_SIGNATURE);
    assert_refused(s, 4);
    sec_close(s);
}

static void test_an_image_whose_signature_is_over_another_image_is_refused_and_deleted(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    /* A genuine signed manifest whose entry carries the signature of v2's
     * image: the download matches the Digest, the Signature does not. */
    char e[512];
    entry(s, e, sizeof e, 3, (entry_opt_t){ .key = &s->key_a, .sig_of = 2 });
    publish(s, 1, NULL, e, &s->key_a);
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_VERIFY_FAILED), OTA_ERR_SIGNATURE);
    assert_refused(s, 3);
    assert_false(fix_store_has(&s->f, "app_v3.bin", NULL));
    assert_int_equal(fix_temp_files(&s->f), 0);
    sec_close(s);
}

static void test_an_entry_without_signature_is_refused_by_a_device_with_keys(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    char e[512];
    entry(s, e, sizeof e, 3, (entry_opt_t){ 0 });
    publish(s, 1, NULL, e, &s->key_a);
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_UNSIGNED);
    assert_refused(s, 3);
    sec_close(s);
}

/* ---- freshness ------------------------------------------------------------------------ */

static void test_an_older_signed_manifest_is_refused_even_after_a_reboot(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    publish_one(s, 5, 2);
    check(s);
    assert_int_equal(boot_and_confirm(s), 2);
    assert_int_equal(fix_record(&s->f).manifest_seq, 5);

    /* The attacker replays sequence 4, a genuine manifest that offered v3
     * (withdrawn since): refused, across the reboot above. */
    publish_one(s, 4, 3);
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_REPLAY);
    assert_refused(s, 3);

    /* The same sequence read again is an ordinary check. */
    publish_one(s, 5, 2);
    check(s);
    assert_int_equal(fix_find(&s->f, OTA_EVENT_CHECK_FAILED, 0), -1);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_NO_UPDATE)->reason, OTA_OK);
    sec_close(s);
}

static void test_a_signed_manifest_without_sequence_is_refused(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    char e[512];
    entry(s, e, sizeof e, 3, (entry_opt_t){ .key = &s->key_a });
    int n = snprintf(s->mf, sizeof s->mf, "{\"ota\":[%s]}", e);
    fake_route_add(&s->ft, MF_URL, s->mf, (uint32_t)n);
    ota_sigfile_t sf;
    uint8_t digest[32];
    assert_int_equal(tool_sign_sha256(s->mf, (size_t)n, digest), OTA_OK);
    assert_int_equal(tool_sign_digest(&s->key_a, digest, sf.sig), OTA_OK);
    assert_int_equal(tool_key_id(s->point_a, sf.key_id), OTA_OK);
    ota_sigfile_encode(&sf, s->sigfile);
    fake_route_add(&s->ft, SIG_URL, s->sigfile, sizeof s->sigfile);
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_MANIFEST);
    sec_close(s);
}

static int s_now_ok;
static uint64_t s_now;
static int utc_now(void *ctx, uint64_t *seconds)
{
    (void)ctx;
    *seconds = s_now;
    return s_now_ok;
}

static void test_an_expired_manifest_is_refused_by_a_device_with_trusted_time_only(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    char e[512];
    entry(s, e, sizeof e, 3, (entry_opt_t){ .key = &s->key_a });
    publish(s, 1, "\"Expires\":\"2026-01-01T00:00:00Z\",", e, &s->key_a);
    s->f.dev.sys.utc_time = utc_now;
    s_now_ok = OTA_OK;
    s_now = 1796188770u; /* 2026-12-02: later */
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_EXPIRED);
    assert_refused(s, 3);
    /* Without a trusted time (not set yet, or no such source) it cannot say. */
    s_now_ok = OTA_ERR_AGAIN;
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 3);
    s->f.dev.sys.utc_time = NULL;
    sec_close(s);
}

/* ---- downgrade --------------------------------------------------------------------- */

static void test_a_floor_once_confirmed_keeps_every_older_version_out(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    char e[512];
    entry(s, e, sizeof e, 4, (entry_opt_t){ .key = &s->key_a, .floor = 4 });
    publish(s, 1, NULL, e, &s->key_a);
    check(s);
    assert_int_equal(fix_record(&s->f).pending_floor, 4);
    assert_int_equal(boot_and_confirm(s), 4);
    assert_int_equal(fix_record(&s->f).floor, 4);

    /* A newer signed manifest that offers v3 (an old, vulnerable release):
     * below the floor, refused as an entry. */
    publish_one(s, 2, 3);
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_DOWNGRADE);
    /* A factory reset would install the golden v1: refused with its reason. */
    assert_int_equal(ota_service_factory_reset(&s->f.svc), OTA_ERR_DOWNGRADE);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_FACTORY_RESET)->reason, OTA_ERR_DOWNGRADE);
    /* A rollback has nothing at or above the floor to go to. */
    assert_int_equal(ota_service_rollback(&s->f.svc), OTA_ERR_DOWNGRADE);
    assert_int_equal(boot_and_confirm(s), 4);
    sec_close(s);
}

/* ---- other hardware, endless data ---------------------------------------------------- */

static void test_a_manifest_for_other_hardware_is_refused(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    s->f.cfg.hardware_id = "pic32mzw1-curiosity";
    char e[512];
    entry(s, e, sizeof e, 3, (entry_opt_t){ .key = &s->key_a });
    publish(s, 1, "\"HardwareId\":\"nrf52840-dk\",", e, &s->key_a);
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_HARDWARE);
    assert_refused(s, 3);
    publish(s, 2, "\"HardwareId\":\"pic32mzw1-curiosity\",", e, &s->key_a);
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 3);
    sec_close(s);
}

static void test_more_data_than_the_signed_size_is_refused_with_or_without_a_length(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    static uint8_t longer[FIX_IMAGE_SIZE + 4096];
    memcpy(longer, s->img[3], FIX_IMAGE_SIZE);
    memset(longer + FIX_IMAGE_SIZE, 0xA5, sizeof longer - FIX_IMAGE_SIZE);
    char e[512];
    entry(s, e, sizeof e, 3, (entry_opt_t){ .key = &s->key_a });
    publish(s, 1, NULL, e, &s->key_a);

    /* Announced: refused before a byte is stored. */
    fake_route_add(&s->ft, s->url[3], longer, sizeof longer);
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_DOWNLOAD_FAILED), OTA_ERR_TOO_LARGE);
    assert_int_equal(fix_temp_files(&s->f), 0);

    /* Not announced (chunked): refused the moment it exceeds Size. */
    fake_route_add(&s->ft, s->url[3], longer, sizeof longer)->announce = -1;
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_DOWNLOAD_FAILED), OTA_ERR_TOO_LARGE);
    assert_int_equal(fix_temp_files(&s->f), 0);

    /* Shorter than Size: the image is not the one signed for. */
    fake_route_add(&s->ft, s->url[3], s->img[3], FIX_IMAGE_SIZE - 100)->announce = -1;
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_DOWNLOAD_FAILED), OTA_ERR_SHORT_BODY);
    assert_refused(s, 3);
    sec_close(s);
}

/* ---- the store, between download and install ------------------------------------------ */

static void test_an_image_swapped_in_the_store_after_the_download_is_never_installed(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    publish_one(s, 1, 3);
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 3);
    /* The attacker owns the external flash: the image becomes v9's bytes and
     * the row's digest follows, so a digest check alone would pass. */
    fix_store_write(&s->f, "app_v3.bin", s->img[9], FIX_IMAGE_SIZE);
    ota_db_t db = fix_db(&s->f);
    ota_db_row_t *row = ota_db_find_version(&db, 3);
    assert_non_null(row);
    fix_digest(9, FIX_IMAGE_SIZE, row->digest);
    assert_int_equal(ota_db_save(&db, &s->f.dev.store), OTA_OK);

    /* The bootloader checks the file against the digest the record's table
     * listed (v3's): refused. The application's start then lists the row as
     * the attacker left it; the next time the bootloader looks at it (the
     * service marks an install again) it refuses it by its signature (v3's
     * signature over v9's digest). Nothing of v9 ever runs. */
    ota_boot_result_t res;
    for (int boot = 0; boot < 2; boot++) {
        if (boot > 0) {
            ota_bootctl_t bc;
            assert_int_equal(ota_bootctl_init(&bc, &s->f.dev.flash, s->f.dev.boot_cfg.layout.bootctl_addr,
                                              s->f.dev.boot_cfg.layout.bootctl_size),
                             OTA_OK);
            assert_int_equal(ota_bootctl_set_status(&bc, OTA_STATUS_DISABLED), OTA_OK);
        }
        assert_int_equal(fix_boot(&s->f, &res), OTA_OK);
        assert_int_equal(res.version, 1); /* back on the golden image */
        assert_int_equal(res.rejected, 1);
        assert_true(fix_flash_holds(&s->f, 1));
        assert_int_equal(ota_app_sync(&s->f.dev.boot_cfg), OTA_OK);
    }
    db = fix_db(&s->f);
    assert_int_equal(ota_db_find_version(&db, 3)->status, OTA_STATUS_DISABLED);
    assert_int_equal(fix_boot(&s->f, &res), OTA_OK);
    assert_true(res.direct);
    sec_close(s);
}

static void test_a_stored_signature_replaced_by_an_unknown_key_s_is_refused(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    publish_one(s, 1, 3);
    check(s);
    uint8_t digest[32], sig[OTA_SIG_LEN];
    fix_digest(3, FIX_IMAGE_SIZE, digest);
    assert_int_equal(tool_sign_digest(&s->key_b, digest, sig), OTA_OK);
    fix_store_write(&s->f, "v3.sig", sig, sizeof sig);
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&s->f, &res), OTA_OK);
    assert_int_equal(res.version, 1);
    sec_close(s);
}

/* ---- key rotation ------------------------------------------------------------------- */

static void test_keys_rotate_without_a_gap(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    /* 1. The fleet trusts A and B: a release signed with B (the new key) is taken. */
    trust(s, s->point_a, s->point_b);
    char e[512];
    entry(s, e, sizeof e, 3, (entry_opt_t){ .key = &s->key_b });
    publish(s, 1, NULL, e, &s->key_b);
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 3);
    assert_int_equal(boot_and_confirm(s), 3);
    /* ... and one signed with A, the old key, still is. */
    entry(s, e, sizeof e, 4, (entry_opt_t){ .key = &s->key_a });
    publish(s, 2, NULL, e, &s->key_a);
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 4);
    assert_int_equal(boot_and_confirm(s), 4);

    /* 2. Rotation complete: the devices trust B alone. A is retired: a
     * manifest it signs, or an image it signs, is refused. */
    trust(s, s->point_b, NULL);
    entry(s, e, sizeof e, 5, (entry_opt_t){ .key = &s->key_a });
    publish(s, 3, NULL, e, &s->key_a);
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_CHECK_FAILED), OTA_ERR_KEY_UNKNOWN);
    publish(s, 3, NULL, e, &s->key_b); /* manifest by B, image signature by A */
    check(s);
    assert_int_equal(reason_of(s, OTA_EVENT_VERIFY_FAILED), OTA_ERR_SIGNATURE);
    assert_refused(s, 5);
    sec_close(s);
}

/* ---- the golden copy ------------------------------------------------------------------ */

static void test_a_signed_golden_entry_replaces_the_golden_copy_then_the_update_follows(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    char g[512], u[512], both[1100];
    entry(s, g, sizeof g, 6, (entry_opt_t){ .key = &s->key_a, .golden = true });
    entry(s, u, sizeof u, 7, (entry_opt_t){ .key = &s->key_a });
    snprintf(both, sizeof both, "%s,%s", u, g);
    publish(s, 1, NULL, both, &s->key_a);
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_GOLDEN_REPLACED)->version, 6);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 7); /* the next check, at once */
    ota_bootctl_record_t rec = fix_record(&s->f);
    assert_int_equal(rec.golden_version, 6);
    uint8_t d6[32];
    fix_digest(6, FIX_IMAGE_SIZE, d6);
    assert_memory_equal(rec.golden_digest, d6, 32);
    ota_db_t db = fix_db(&s->f);
    assert_int_equal(ota_db_find_golden(&db)->version, 6);
    assert_false(fix_store_has(&s->f, ".golden.new", NULL));
    assert_int_equal(boot_and_confirm(s), 7);
    /* A factory reset now returns to the new golden image. */
    assert_int_equal(ota_app_factory_reset(&s->f.dev.boot_cfg), OTA_OK);
    assert_int_equal(boot_and_confirm(s), 6);
    sec_close(s);
}

static void test_an_older_golden_entry_never_replaces_the_golden_copy(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    /* The device's golden image is v1; a Golden entry can only move it up. */
    char g[512];
    entry(s, g, sizeof g, 1, (entry_opt_t){ .key = &s->key_a, .golden = true });
    publish(s, 1, NULL, g, &s->key_a);
    check(s);
    assert_int_equal(fix_find(&s->f, OTA_EVENT_GOLDEN_REPLACED, 0), -1);
    assert_int_equal(fix_record(&s->f).golden_version, 1);
    sec_close(s);
}

/* The bytes of the golden image the record names are in the store, under
 * factory.bin or (a replacement a cut interrupted) ".golden.new". */
static bool golden_verifiable(sec_t *s, uint32_t *version)
{
    ota_bootctl_record_t rec = fix_record(&s->f);
    *version = rec.golden_version;
    if (rec.golden_version != 1 && rec.golden_version != 6) {
        return false;
    }
    const char *names[] = { OTA_GOLDEN_NAME, OTA_GOLDEN_NEW_NAME };
    for (size_t i = 0; i < 2; i++) {
        uint8_t *buf = malloc(FIX_IMAGE_SIZE + 1);
        assert_non_null(buf);
        const ota_store_t *st = &s->f.dev.store;
        int fh = st->open(st->ctx, names[i], OTA_STORE_READ);
        uint32_t got = 0;
        if (fh >= 0) {
            for (int n; (n = st->read(st->ctx, fh, buf + got, FIX_IMAGE_SIZE + 1 - got)) > 0;) {
                got += (uint32_t)n;
            }
            st->close(st->ctx, fh);
        }
        bool same = got == FIX_IMAGE_SIZE && memcmp(buf, s->img[rec.golden_version], FIX_IMAGE_SIZE) == 0;
        free(buf);
        if (same) {
            return true;
        }
    }
    return false;
}

static void test_a_cut_at_any_point_of_a_golden_replacement_keeps_a_golden_image(void **state)
{
    (void)state;
    static const sim_cut_mode_t modes[] = { SIM_CUT_SKIP, SIM_CUT_WHOLE, SIM_CUT_TORN };
    unsigned cuts = 0;
    uint64_t ops = 0;
    for (size_t m = 0; m < 3; m++) {
        for (uint64_t k = 1;; k++) {
            sec_t *s = sec_open();
            char g[512];
            entry(s, g, sizeof g, 6, (entry_opt_t){ .key = &s->key_a, .golden = true });
            publish(s, 1, NULL, g, &s->key_a);
            fix_start(&s->f);
            fix_run(&s->f, 1); /* the start-up clean-up, before the count */
            sim_power_seed(&s->f.dev.power, k);
            assert_int_equal(sim_power_reset_count(&s->f.dev.power), OTA_OK);
            assert_int_equal(sim_power_arm(&s->f.dev.power, k, modes[m]), OTA_OK);
            fix_clear_events(&s->f);
            assert_int_equal(ota_service_check_now(&s->f.svc), OTA_OK);
            fix_run(&s->f, 1);
            bool cut = !sim_power_is_on(&s->f.dev.power);
            sim_power_arm(&s->f.dev.power, 0, SIM_CUT_SKIP);
            if (!cut) {
                assert_int_equal(fix_event(&s->f, OTA_EVENT_GOLDEN_REPLACED)->version, 6);
                ops = k - 1;
                sec_close(s);
                break;
            }
            sim_device_reboot(&s->f.dev);
            uint32_t gv = 0;
            if (!golden_verifiable(s, &gv)) {
                fail_msg("cut after op %llu (mode %zu): the record names golden v%u, and no file holds it",
                         (unsigned long long)k, m, (unsigned)gv);
            }
            uint32_t running = boot_and_confirm(s);
            assert_true(fix_flash_holds(&s->f, running));
            /* The service finishes (or redoes) the replacement. */
            check(s);
            assert_true(golden_verifiable(s, &gv));
            assert_int_equal(gv, 6);
            assert_false(fix_store_has(&s->f, OTA_GOLDEN_NEW_NAME, NULL));
            ota_db_t db = fix_db(&s->f);
            assert_int_equal(ota_db_find_golden(&db)->version, 6);
            sec_close(s);
            cuts++;
        }
    }
    print_message("golden replacement: %llu operations, %u cuts checked\n", (unsigned long long)ops, cuts);
    assert_true(ops > 5);
    assert_true(cuts >= 3 * ops);
}

/* ---- delta updates ------------------------------------------------------------------ */

#define PATCH_URL "http://ota.test/v1_to_v6.jdiff"

/* v6 offered with a JojoDiff patch from v1 (the running image), the entry's
 * Signature by image_key, the manifest signed by the fleet's key. */
static void publish_delta(sec_t *s, uint32_t seq, const tool_key_t *image_key, uint8_t *patch, uint32_t cap)
{
    char e[2048], base_hex[65], patch_hex[65], target_hex[65];
    int n = entry(s, e, sizeof e, 6, (entry_opt_t){ .key = image_key });
    uint32_t plen = fix_jojo_patch(s->img[1], FIX_IMAGE_SIZE, s->img[6], FIX_IMAGE_SIZE, patch, cap);
    fix_sha_hex(s->img[1], FIX_IMAGE_SIZE, base_hex);
    fix_sha_hex(patch, plen, patch_hex);
    fix_digest_hex(6, FIX_IMAGE_SIZE, target_hex);
    n += snprintf(e + n - 1, sizeof e - (size_t)n + 1,
                  ",\"Patch\":[{\"BaseVersion\":1,\"BaseVerDigest\":\"%s\",\"PatchURL\":\"" PATCH_URL "\","
                  "\"PatchDigest\":\"%s\",\"TargetDigest\":\"%s\"}]}",
                  base_hex, patch_hex, target_hex) -
         1;
    assert_true((size_t)n < sizeof e);
    fake_route_add(&s->ft, PATCH_URL, patch, plen)->range = true;
    publish(s, seq, NULL, e, &s->key_a);
}

/* A rebuilt image is held to the entry's Signature as a download is: an
 * image key the device does not trust fails the patch (and then the full
 * image); the fleet's key lets the patch through, the image never fetched. */
static void test_a_delta_update_is_installed_only_when_its_rebuilt_image_is_signed_by_a_trusted_key(void **state)
{
    (void)state;
    sec_t *s = sec_open();
    static uint8_t patch[2 * FIX_IMAGE_SIZE + 64];
    publish_delta(s, 1, &s->key_b, patch, sizeof patch);
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_PATCH_COMPLETED)->done, FIX_IMAGE_SIZE);
    assert_int_equal(reason_of(s, OTA_EVENT_PATCH_VERIFY_FAILED), OTA_ERR_SIGNATURE);
    assert_int_equal(reason_of(s, OTA_EVENT_PATCH_FALLBACK), OTA_ERR_SIGNATURE);
    assert_int_equal(reason_of(s, OTA_EVENT_VERIFY_FAILED), OTA_ERR_SIGNATURE); /* the full image's */
    assert_false(fix_event(&s->f, OTA_EVENT_VERIFY_FAILED)->patch);
    assert_int_equal(fake_gets_of(&s->ft, s->url[6]), 1);
    assert_refused(s, 6);
    assert_int_equal(fix_temp_files(&s->f), 0);

    publish_delta(s, 2, &s->key_a, patch, sizeof patch);
    check(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_PATCH_VERIFY_SUCCESS)->version, 6);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_int_equal(fix_find(&s->f, OTA_EVENT_PATCH_FALLBACK, 0), -1);
    assert_int_equal(fake_gets_of(&s->ft, s->url[6]), 1); /* still only the first check's */
    assert_int_equal(boot_and_confirm(s), 6);
    sec_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_signed_release_is_installed_and_its_signature_kept_for_the_bootloader),
        cmocka_unit_test(test_a_device_without_keys_takes_unsigned_updates_as_the_original_does),
        cmocka_unit_test(test_an_unchanged_signed_manifest_is_neither_fetched_nor_verified_again_until_a_full_check),
        cmocka_unit_test(test_an_unsigned_manifest_is_refused),
        cmocka_unit_test(test_a_manifest_changed_by_one_byte_is_refused),
        cmocka_unit_test(test_a_manifest_signed_by_an_unknown_key_is_refused),
        cmocka_unit_test(test_a_signature_over_another_manifest_is_refused),
        cmocka_unit_test(test_an_entry_copied_from_another_signed_manifest_is_refused),
        cmocka_unit_test(test_an_image_whose_signature_is_over_another_image_is_refused_and_deleted),
        cmocka_unit_test(test_an_entry_without_signature_is_refused_by_a_device_with_keys),
        cmocka_unit_test(test_an_older_signed_manifest_is_refused_even_after_a_reboot),
        cmocka_unit_test(test_a_signed_manifest_without_sequence_is_refused),
        cmocka_unit_test(test_an_expired_manifest_is_refused_by_a_device_with_trusted_time_only),
        cmocka_unit_test(test_a_floor_once_confirmed_keeps_every_older_version_out),
        cmocka_unit_test(test_a_manifest_for_other_hardware_is_refused),
        cmocka_unit_test(test_more_data_than_the_signed_size_is_refused_with_or_without_a_length),
        cmocka_unit_test(test_an_image_swapped_in_the_store_after_the_download_is_never_installed),
        cmocka_unit_test(test_a_stored_signature_replaced_by_an_unknown_key_s_is_refused),
        cmocka_unit_test(test_keys_rotate_without_a_gap),
        cmocka_unit_test(test_a_signed_golden_entry_replaces_the_golden_copy_then_the_update_follows),
        cmocka_unit_test(test_an_older_golden_entry_never_replaces_the_golden_copy),
        cmocka_unit_test(test_a_cut_at_any_point_of_a_golden_replacement_keeps_a_golden_image),
        cmocka_unit_test(test_a_delta_update_is_installed_only_when_its_rebuilt_image_is_signed_by_a_trusted_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

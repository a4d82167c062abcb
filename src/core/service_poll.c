/*
 * How the service polls: the poll state file, which makes a check
 * conditional and a resume unable to mix two files, and when the next
 * periodic check comes (the regular interval, the backoff after failures,
 * a server's Retry-After).
 *
 * The poll state file (OTA_POLL_STATE_NAME, docs/service.md), little-endian,
 * fixed size, a CRC-32 over everything before it:
 *
 *   0   "OTAP", format 1
 *   5   kind of the manifest's validator (0 none, 1 ETag, 2 Last-Modified)
 *   6   kind of the download's validator
 *   7   0
 *   8   what the manifest's outcome depended on besides the manifest: the
 *       running version, the golden version, the floor (4 bytes each), and
 *       a CRC-32 of the manifest URL, the device id, the hardware id and
 *       the keys
 *   24  the reason and the version its NO_UPDATE carried (4 bytes each)
 *   32  the manifest's validator, NUL-padded      (OTA_HTTP_VALIDATOR_MAX + 1)
 *   ..  the temporary file the download validator belongs to (OTA_STORE_NAME_MAX + 1)
 *   ..  the download's validator, NUL-padded      (OTA_HTTP_VALIDATOR_MAX + 1)
 *   ..  CRC-32
 *
 * It is replaced whole (written as ".poll.tmp", synced, renamed over), so a
 * cut leaves the old state or the new one. A missing, short or damaged
 * file, or one from a build with other limits (another size), reads as
 * empty: the next check is unconditional and the next resume sends no
 * If-Range, which is what a device without the file did before.
 */
#include <string.h>

#include "ota_file.h"
#include "ota_http.h"
#include "ota_trust.h"
#include "ota_util.h"
#include "service_internal.h"

#define PS_FORMAT 1u
#define PS_MF_KIND 5u
#define PS_DL_KIND 6u
#define PS_RUNNING 8u
#define PS_GOLDEN 12u
#define PS_FLOOR 16u
#define PS_CONFIG 20u
#define PS_REASON 24u
#define PS_VERSION 28u
#define PS_MF_VALIDATOR 32u
#define PS_DL_NAME (PS_MF_VALIDATOR + OTA_HTTP_VALIDATOR_MAX + 1u)
#define PS_DL_VALIDATOR (PS_DL_NAME + OTA_STORE_NAME_MAX + 1u)
#define PS_CRC (PS_DL_VALIDATOR + OTA_HTTP_VALIDATOR_MAX + 1u)
#define PS_SIZE (PS_CRC + 4u)

static const char ps_tmp_name[] = ".poll.tmp";

static void ps_clear(uint8_t ps[PS_SIZE])
{
    memset(ps, 0, PS_SIZE);
    memcpy(ps, "OTAP", 4);
    ps[4] = PS_FORMAT;
}

/* The state in the store, or an empty one (and the reason) when there is
 * none worth trusting. */
static int ps_load(const ota_service_t *svc, uint8_t ps[PS_SIZE])
{
    const ota_store_t *st = svc->port.store;
    uint32_t got = 0;
    uint8_t extra;
    int n = 0;
    int fh = st->open(st->ctx, OTA_POLL_STATE_NAME, OTA_STORE_READ);

    if (fh < 0) {
        ps_clear(ps);
        return fh;
    }
    while (got < PS_SIZE && (n = st->read(st->ctx, fh, ps + got, PS_SIZE - got)) > 0) {
        got += (uint32_t)n;
    }
    if (n >= 0 && got == PS_SIZE) {
        n = st->read(st->ctx, fh, &extra, 1); /* a longer file is another layout */
        n = n == 0 ? OTA_OK : n > 0 ? OTA_ERR_CORRUPT : n;
    } else if (n >= 0) {
        n = OTA_ERR_CORRUPT;
    }
    (void)st->close(st->ctx, fh);
    /* Each text field ends with its NUL, so that reading it back stays inside. */
    bool terminated = ps[PS_MF_VALIDATOR + OTA_HTTP_VALIDATOR_MAX] == 0 && ps[PS_DL_NAME + OTA_STORE_NAME_MAX] == 0 &&
                      ps[PS_DL_VALIDATOR + OTA_HTTP_VALIDATOR_MAX] == 0;
    if (n == OTA_OK && (memcmp(ps, "OTAP", 4) != 0 || ps[4] != PS_FORMAT ||
                        ota_le32_get(ps + PS_CRC) != ota_crc32(ps, PS_CRC) || !terminated)) {
        n = OTA_ERR_CORRUPT;
    }
    if (n != OTA_OK) {
        ps_clear(ps);
    }
    return n;
}

static int ps_save(const ota_service_t *svc, uint8_t ps[PS_SIZE])
{
    const ota_store_t *st = svc->port.store;
    int err;
    int fh;

    ota_le32_put(ps + PS_CRC, ota_crc32(ps, PS_CRC));
    fh = st->open(st->ctx, ps_tmp_name, OTA_STORE_WRITE);
    if (fh < 0) {
        return fh;
    }
    err = st->write(st->ctx, fh, ps, PS_SIZE);
    /* Synced, then renamed over: a cut leaves the old state or this one. */
    err = ota_file_publish(st, fh, err, ps_tmp_name, OTA_POLL_STATE_NAME);
    if (err != OTA_OK) {
        svc_log(svc, OTA_LOG_WARN, "ota: poll state not saved", err);
    }
    return err;
}

/* A validator field of the state: a NUL-terminated string of at most
 * OTA_HTTP_VALIDATOR_MAX bytes (ps_load checked the terminator). */
static void ps_put_text(uint8_t *field, const char *text, size_t cap)
{
    size_t n = strlen(text);
    memset(field, 0, cap);
    memcpy(field, text, n < cap ? n : cap - 1u);
}

/* What a manifest's outcome depends on besides its bytes and the device's
 * versions: where it comes from, what the device trusts, and the identity
 * its staged rollouts are drawn for. */
static uint32_t config_crc(const ota_service_t *svc)
{
    const ota_service_config_t *c = &svc->cfg;
    uint32_t crc = ota_crc32((const uint8_t *)c->manifest_url, strlen(c->manifest_url) + 1u);
    crc = ota_crc32_continue(crc, &svc->device_id_len, 1);
    crc = ota_crc32_continue(crc, (const uint8_t *)svc->device_id, svc->device_id_len);
    if (c->hardware_id != NULL) {
        crc = ota_crc32_continue(crc, (const uint8_t *)c->hardware_id, strlen(c->hardware_id) + 1u);
    }
    if (svc_signed(svc)) {
        crc = ota_crc32_continue(crc, &c->keys->count, 1);
        crc = ota_crc32_continue(crc, c->keys->point[0], (size_t)c->keys->count * OTA_PUBKEY_LEN);
    }
    return crc;
}

/* ---- conditional polls ------------------------------------------------------ */

void svc_poll_condition(ota_service_t *svc, ota_http_options_t *opt)
{
    uint16_t every = svc->cfg.full_check_every;
    uint8_t ps[PS_SIZE];

    svc->cond_sent = false;
    svc->vkind = OTA_HTTP_VALIDATOR_NONE;
    svc->validator[0] = '\0';
    if (every != 0 && svc->since_full + 1u >= every) {
        /* However right the validators, a full fetch now and then bounds
         * what a server that answers 304 wrongly can withhold. */
        return;
    }
    if (ps_load(svc, ps) != OTA_OK || ps[PS_MF_KIND] == OTA_HTTP_VALIDATOR_NONE) {
        return;
    }
    /* The outcome "no update" was the manifest's for this device as it was
     * then: after an install, a rollback, a new golden image or floor, or
     * another URL or trust, the same manifest may say something else. */
    if (ota_le32_get(ps + PS_RUNNING) != svc->running || ota_le32_get(ps + PS_GOLDEN) != svc->golden ||
        ota_le32_get(ps + PS_FLOOR) != svc->floor || ota_le32_get(ps + PS_CONFIG) != config_crc(svc)) {
        return;
    }
    memcpy(svc->validator, ps + PS_MF_VALIDATOR, OTA_HTTP_VALIDATOR_MAX + 1u);
    svc->mf_reason = (int32_t)ota_le32_get(ps + PS_REASON);
    svc->mf_version = ota_le32_get(ps + PS_VERSION);
    if (ps[PS_MF_KIND] == OTA_HTTP_VALIDATOR_ETAG) {
        opt->if_none_match = svc->validator;
    } else {
        opt->if_modified_since = svc->validator;
    }
    svc->cond_sent = true;
}

void svc_poll_remember(ota_service_t *svc, int reason, uint32_t version)
{
    uint8_t ps[PS_SIZE];

    if (!svc->mf_fetched) {
        return; /* a named image (ota_service_update_image): no manifest involved */
    }
    (void)ps_load(svc, ps); /* the download's part is kept */
    if (svc->vkind == OTA_HTTP_VALIDATOR_NONE && ps[PS_MF_KIND] == OTA_HTTP_VALIDATOR_NONE) {
        return; /* nothing to say, and nothing stale to take back */
    }
    ps[PS_MF_KIND] = svc->vkind;
    ota_le32_put(ps + PS_RUNNING, svc->running);
    ota_le32_put(ps + PS_GOLDEN, svc->golden);
    ota_le32_put(ps + PS_FLOOR, svc->floor);
    ota_le32_put(ps + PS_CONFIG, config_crc(svc));
    ota_le32_put(ps + PS_REASON, (uint32_t)reason);
    ota_le32_put(ps + PS_VERSION, version);
    ps_put_text(ps + PS_MF_VALIDATOR, svc->validator, OTA_HTTP_VALIDATOR_MAX + 1u);
    (void)ps_save(svc, ps);
}

/* ---- the download's validator ------------------------------------------------- */

void svc_dl_validator_load(ota_service_t *svc)
{
    uint8_t ps[PS_SIZE];

    svc->vkind = OTA_HTTP_VALIDATOR_NONE;
    svc->validator[0] = '\0';
    if (ps_load(svc, ps) == OTA_OK && ps[PS_DL_KIND] != OTA_HTTP_VALIDATOR_NONE &&
        strcmp((const char *)ps + PS_DL_NAME, svc->tmp) == 0) {
        svc->vkind = ps[PS_DL_KIND];
        memcpy(svc->validator, ps + PS_DL_VALIDATOR, OTA_HTTP_VALIDATOR_MAX + 1u);
    }
}

int svc_dl_validator_record(ota_service_t *svc, const ota_http_response_t *r)
{
    uint8_t ps[PS_SIZE];
    int kind = ota_http_validator(r, true, svc->validator);

    (void)ps_load(svc, ps);
    if (kind == OTA_HTTP_VALIDATOR_NONE && ps[PS_DL_KIND] == OTA_HTTP_VALIDATOR_NONE) {
        return OTA_OK;
    }
    /* Written before the first byte of this body reaches the file: a resume
     * then asks for the rest of exactly the file these bytes came from. A
     * body without a validator takes back any older one, which belongs to
     * bytes no longer there. */
    ps[PS_DL_KIND] = (uint8_t)kind;
    ps_put_text(ps + PS_DL_NAME, svc->tmp, OTA_STORE_NAME_MAX + 1u);
    ps_put_text(ps + PS_DL_VALIDATOR, svc->validator, OTA_HTTP_VALIDATOR_MAX + 1u);
    return ps_save(svc, ps);
}

/* ---- when the next periodic check comes ----------------------------------------- */

void svc_schedule(ota_service_t *svc, uint32_t now)
{
    uint32_t j = svc->cfg.jitter_ms;
    uint32_t r = svc->port.sys->random ? svc->port.sys->random(svc->port.sys->ctx) : 0;
    /* interval - jitter + [0, 2*jitter]: a fleet does not poll in lockstep. */
    svc->next_check = now + svc->cfg.interval_ms - j + (j ? r % (2u * j + 1u) : 0u);
}

void svc_network_up(ota_service_t *svc, uint32_t now)
{
    uint32_t first = now + svc->cfg.first_check_ms;
    /* An outage of the device's own link does not cut a backoff short: a
     * link that comes and goes would otherwise undo it each time. */
    if (svc->failures == 0 || (int32_t)(svc->next_check - first) < 0) {
        svc->next_check = first;
    }
}

void svc_backoff(ota_service_t *svc, bool failed)
{
    const ota_service_config_t *c = &svc->cfg;
    uint32_t wait;

    if (!failed) {
        svc->failures = 0;
        svc->retry_after = 0;
        return; /* the regular interval, from the start of this check */
    }
    if (svc->failures < UINT8_MAX) {
        svc->failures++;
    }
    if (c->backoff_base_ms == 0 && svc->retry_after == 0) {
        return;
    }
    wait = 0;
    if (c->backoff_base_ms != 0) {
        /* Full jitter: anywhere in [0, base * 2^(failures-1)], capped, so
         * that devices failing together do not come back together. */
        uint32_t bound = c->backoff_base_ms;
        for (uint8_t i = 1; i < svc->failures && bound < c->backoff_max_ms; i++) {
            bound = bound > UINT32_MAX / 2u ? UINT32_MAX : bound * 2u;
        }
        if (bound > c->backoff_max_ms) {
            bound = c->backoff_max_ms;
        }
        /* Without a random source every device waits the whole bound:
         * never 0, which would retry at once, failure after failure. */
        wait = svc->port.sys->random ? svc->port.sys->random(svc->port.sys->ctx) % (bound + 1u) : bound;
    }
    if (svc->retry_after > wait) {
        wait = svc->retry_after; /* the server knows best when it is back; capped when read */
    }
    svc->retry_after = 0;
    svc->next_check = svc_now(svc) + wait;
}

void svc_retry_after(ota_service_t *svc, const ota_http_response_t *r)
{
    uint32_t ms;
    if ((r->status == 429 || r->status == 503) &&
        ota_http_retry_after(r->retry_after, svc->port.sys, svc->cfg.backoff_max_ms, &ms) == OTA_OK) {
        svc->retry_after = ms;
    }
}

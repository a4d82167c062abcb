/*
 * `sysota sim`: what the device does, as one line per event. A download
 * shows a progress bar redrawn with \r when stdout is a terminal, and
 * plain lines at every quarter otherwise (logs and tests read those).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define BAR_WIDTH 30

void simcmd_printer_init(simcmd_printer_t *p)
{
    p->tty = isatty(STDOUT_FILENO) == 1;
    p->bar_open = false;
    p->next_pct = 25;
    p->running = 0;
    p->d = NULL;
    p->seq = 0;
}

static void end_bar(simcmd_printer_t *p)
{
    if (p->bar_open) {
        fputc('\n', stdout);
        p->bar_open = false;
    }
}

void simcmd_say(simcmd_printer_t *p, const char *fmt, ...)
{
    va_list ap;
    end_bar(p);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

const char *simcmd_status_name(uint8_t status)
{
    switch (status) {
    case OTA_STATUS_EMPTY:
        return "empty";
    case OTA_STATUS_DOWNLOADED:
        return "downloaded";
    case OTA_STATUS_UNBOOTED:
        return "unbooted";
    case OTA_STATUS_VALID:
        return "valid";
    case OTA_STATUS_DISABLED:
        return "disabled";
    default:
        return "?";
    }
}

static unsigned percent(uint32_t done, uint32_t total)
{
    return total ? (unsigned)((uint64_t)done * 100u / total) : 0u;
}

static void progress(simcmd_printer_t *p, const ota_service_event_data_t *d)
{
    unsigned pct = percent(d->done, d->total);
    if (d->total == 0) {
        return; /* unknown length: the success line gives the count */
    }
    if (p->tty) {
        char bar[BAR_WIDTH + 1];
        unsigned fill = pct * BAR_WIDTH / 100u;
        for (unsigned i = 0; i < BAR_WIDTH; i++) {
            bar[i] = i < fill ? '#' : '.';
        }
        bar[BAR_WIDTH] = '\0';
        printf("\rdownload v%u: [%s] %3u%% %u/%u bytes", (unsigned)d->version, bar, pct, (unsigned)d->done,
               (unsigned)d->total);
        fflush(stdout);
        p->bar_open = true;
        return;
    }
    if (pct >= p->next_pct) {
        printf("download v%u: %u%% %u/%u bytes\n", (unsigned)d->version, pct, (unsigned)d->done, (unsigned)d->total);
        fflush(stdout);
        while (p->next_pct <= pct) {
            p->next_pct += 25;
        }
    }
}

static void failed(simcmd_printer_t *p, const char *what, const ota_service_event_data_t *d)
{
    simcmd_say(p, "%s: %s (%s)", what, ota_err_name(d->reason), ota_err_describe(d->reason));
}

/* The record's security state, for explaining a refusal; zeros when there is none. */
static ota_bootctl_record_t record_of(const simcmd_printer_t *p)
{
    ota_bootctl_record_t rec;
    if (p->d == NULL || ota_app_running(&p->d->dev.boot_cfg, &rec) != OTA_OK) {
        memset(&rec, 0, sizeof rec);
    }
    return rec;
}

void simcmd_printer_attach(simcmd_printer_t *p, const simcmd_device_t *d)
{
    p->d = d;
    p->seq = record_of(p).manifest_seq;
}

/* A device with keys took a signed manifest: say so when its Sequence is new. */
static void signed_check(simcmd_printer_t *p)
{
    if (p->d == NULL || p->d->cfg.keys.count == 0) {
        return;
    }
    uint32_t seq = record_of(p).manifest_seq;
    if (seq != p->seq) {
        simcmd_say(p, "check: manifest signature valid, Sequence %u accepted", (unsigned)seq);
        p->seq = seq;
    }
}

/*
 * Why a manifest was refused, in the device's own terms, for the reasons
 * only a device with keys (or a hardware id, or a floor) gives. "" when the
 * reason needs no more than its description.
 */
static void manifest_refusal(const simcmd_printer_t *p, int reason, char *out, size_t cap)
{
    const simcmd_device_t *d = p->d;
    char ids[OTA_KEYS_MAX * (SIMCMD_KEY_ID_HEX_SIZE + 2)] = "none";
    uint64_t now = 0;
    out[0] = '\0';
    if (d != NULL) {
        simcmd_keys_text(&d->dev.crypto, &d->cfg.keys, ids, sizeof ids);
    }
    switch (reason) {
    case OTA_ERR_SIGNATURE:
        snprintf(out, cap,
                 "its .sig does not verify over the manifest as served (changed after signing, "
                 "another manifest's .sig, or not a signature file)");
        break;
    case OTA_ERR_UNSIGNED:
        snprintf(out, cap,
                 "no .sig beside the manifest, or no entry with a Signature: this device takes "
                 "signed updates only");
        break;
    case OTA_ERR_KEY_UNKNOWN:
        snprintf(out, cap, "its .sig names a key this device does not trust (it trusts %s)", ids);
        break;
    case OTA_ERR_REPLAY:
        snprintf(out, cap, "this device has accepted Sequence %u: an older signed manifest is a replay",
                 (unsigned)record_of(p).manifest_seq);
        break;
    case OTA_ERR_HARDWARE:
        snprintf(out, cap, "its HardwareId is not this device's (%s)", d != NULL ? d->cfg.hardware_id : "?");
        break;
    case OTA_ERR_EXPIRED:
        if (d != NULL && d->dev.sys.utc_time != NULL && d->dev.sys.utc_time(d->dev.sys.ctx, &now) == OTA_OK) {
            char when[32];
            time_t t = (time_t)now;
            struct tm tm;
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
            snprintf(out, cap, "its Expires is before the device's trusted time (%s)", when);
        }
        break;
    case OTA_ERR_DOWNGRADE:
        snprintf(out, cap, "every entry is below the device's floor (v%u)", (unsigned)record_of(p).floor);
        break;
    default:
        break;
    }
}

void simcmd_print_event(simcmd_printer_t *p, ota_service_event_t ev, const ota_service_event_data_t *d)
{
    unsigned v = (unsigned)d->version;
    unsigned run = (unsigned)p->running;
    char what[64];
    char why[192];

    switch (ev) {
    case OTA_EVENT_CHECK_START:
        break;
    case OTA_EVENT_CHECK_FAILED:
        manifest_refusal(p, d->reason, why, sizeof why);
        if (why[0]) {
            failed(p, "check refused", d);
            simcmd_say(p, "  %s; nothing of it is used", why);
        } else {
            failed(p, "check failed", d);
        }
        break;
    case OTA_EVENT_UPDATE_AVAILABLE:
        signed_check(p);
        simcmd_say(p, "check: v%u available (running v%u)", v, run);
        break;
    case OTA_EVENT_NO_UPDATE:
        signed_check(p);
        if (d->not_modified) {
            simcmd_say(p, "check: manifest unchanged since the last check (HTTP 304): no update (running v%u)", run);
        } else if (d->reason == OTA_ERR_STATE && v != 0) {
            simcmd_say(p, "check: v%u on offer failed here before (row F0): not downloaded again (running v%u)", v,
                       run);
        } else if (d->reason != OTA_OK) {
            simcmd_say(p, "check: no update (running v%u; an entry was rejected: %s (%s))", run,
                       ota_err_name(d->reason), ota_err_describe(d->reason));
        } else {
            simcmd_say(p, "check: no update (running v%u)", run);
        }
        break;
    case OTA_EVENT_DOWNLOAD_START:
        p->next_pct = 25;
        if (d->done > 0) {
            simcmd_say(p, "download v%u: resuming at %u bytes", v, (unsigned)d->done);
        }
        break;
    case OTA_EVENT_DOWNLOAD_PROGRESS:
        progress(p, d);
        break;
    case OTA_EVENT_DOWNLOAD_SUCCESS:
        if (d->patch) {
            p->patch_bytes = d->done;
        }
        if (p->tty) {
            progress(p, d); /* the full bar stays on screen as the line */
            end_bar(p);
        } else if (p->next_pct <= 100) {
            simcmd_say(p, "download v%u: 100%% %u/%u bytes", v, (unsigned)d->done, (unsigned)d->done);
        }
        break;
    case OTA_EVENT_DOWNLOAD_FAILED:
        snprintf(what, sizeof what, "download v%u failed", v);
        failed(p, what, d);
        break;
    case OTA_EVENT_VERIFY_START:
        break;
    case OTA_EVENT_VERIFY_SUCCESS:
        if (d->patch) {
            simcmd_say(p, "verify v%u patch: ok (SHA-256 matches PatchDigest)", v);
            break;
        }
        simcmd_say(p, "verify v%u: ok (SHA-256 matches the manifest%s)", v,
                   p->d != NULL && p->d->cfg.keys.count ? ", Signature by a trusted key" : "");
        break;
    case OTA_EVENT_VERIFY_FAILED:
        if (d->patch) {
            simcmd_say(p, "verify v%u patch: FAILED: its SHA-256 differs from PatchDigest", v);
        } else if (d->reason == OTA_ERR_DIGEST) {
            simcmd_say(p, "verify v%u: FAILED: the SHA-256 differs from the manifest's, the file is deleted", v);
        } else {
            simcmd_say(p, "verify v%u: FAILED: %s (%s), the file is deleted", v, ota_err_name(d->reason),
                       ota_err_describe(d->reason));
        }
        if (d->reason == OTA_ERR_SIGNATURE) {
            simcmd_say(p, "  the entry's Signature is not by a trusted key over the image's SHA-256");
        }
        break;
    case OTA_EVENT_UPDATE_READY:
        simcmd_say(p, "update ready: v%u stored with row FE, running v%u marked F0 for the bootloader", v, run);
        break;
    case OTA_EVENT_IMAGE_ERASED:
        simcmd_say(p, "erase v%u: image and database row removed from the store", v);
        break;
    case OTA_EVENT_IMAGE_ERASE_FAILED:
        snprintf(what, sizeof what, "erase v%u refused", v);
        failed(p, what, d);
        break;
    case OTA_EVENT_DATABASE_FULL:
        failed(p, "store full, nothing may be evicted", d);
        break;
    case OTA_EVENT_FACTORY_RESET:
        if (d->reason == OTA_OK) {
            simcmd_say(p, "factory reset: every image but the golden one removed");
        } else {
            failed(p, "factory reset failed", d);
        }
        break;
    case OTA_EVENT_ROLLBACK:
        if (d->reason == OTA_OK) {
            simcmd_say(p, "rollback: v%u disabled", v);
        } else {
            failed(p, "rollback refused", d);
        }
        break;
    case OTA_EVENT_CONFIRMED:
        simcmd_say(p, "app v%u: confirmed (record and row F8)", v);
        break;
    case OTA_EVENT_TRIGGER_FAILED:
        failed(p, "trigger refused", d);
        break;
    case OTA_EVENT_RESET:
        break;
    case OTA_EVENT_GOLDEN_REPLACED:
        simcmd_say(p, "golden image replaced: factory.bin is now v%u (signed Golden entry)", v);
        break;
    case OTA_EVENT_PATCH_BASE_NOT_FOUND:
        simcmd_say(p, "patch v%u: this device holds none of the patches' bases: full image", v);
        break;
    case OTA_EVENT_PATCH_START:
        simcmd_say(p, "patch v%u: rebuilding the image from the base and the %u-byte patch", v,
                   (unsigned)p->patch_bytes);
        break;
    case OTA_EVENT_PATCH_PROGRESS:
    case OTA_EVENT_PATCH_VERIFY_START:
        break;
    case OTA_EVENT_PATCH_COMPLETED:
        simcmd_say(p, "patch v%u: image rebuilt, %u bytes from %u bytes on the wire (%.1f %%): %u bytes saved", v,
                   (unsigned)d->done, (unsigned)p->patch_bytes,
                   d->done ? 100.0 * (double)p->patch_bytes / (double)d->done : 0.0,
                   d->done > p->patch_bytes ? (unsigned)(d->done - p->patch_bytes) : 0u);
        break;
    case OTA_EVENT_PATCH_VERIFY_SUCCESS:
        simcmd_say(p, "verify v%u (rebuilt): ok (SHA-256 matches TargetDigest%s)", v,
                   p->d != NULL && p->d->cfg.keys.count ? ", Signature by a trusted key" : "");
        break;
    case OTA_EVENT_PATCH_VERIFY_FAILED:
        simcmd_say(p, "verify v%u (rebuilt): FAILED: %s (%s)", v, ota_err_name(d->reason), ota_err_describe(d->reason));
        break;
    case OTA_EVENT_PATCH_FALLBACK:
        simcmd_say(p, "patch v%u: not usable (%s: %s): downloading the full image instead", v, ota_err_name(d->reason),
                   ota_err_describe(d->reason));
        break;
    }
}

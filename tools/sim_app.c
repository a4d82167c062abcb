/*
 * `sysota sim`: the simulated application, one boot of it.
 *
 * It reads the header of the image in program flash (through the flash
 * port, at the address the bootloader jumped to) to know how to behave:
 *  - a normal image (or any binary without the header) passes its
 *    "self-test", confirms a first boot, then runs the OTA service;
 *  - a no-confirm image never confirms and, while unconfirmed, hangs once
 *    its update check is over: the watchdog resets it, and the bootloader's
 *    attempt limit rolls it back.
 *
 * Time: the service runs on the system port's fake clock. It follows real
 * time while the service works (so its network timeouts mean what they
 * say), and jumps ahead while the service only waits for its periodic
 * timer, so an hourly poll takes no real time.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

/* Simulated time that passes per loop turn while the service waits. */
#define SIMCMD_IDLE_STEP_MS 1000u
#define SIMCMD_DOWNLOAD_BUF (64u * 1024u)

typedef struct app_state {
    simcmd_app_t *app;
    ota_service_t *svc;
    bool met;
    bool failed;
    bool check_ended;
} app_state_t;

uint64_t simcmd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool power_on(const simcmd_app_t *app)
{
    return sim_power_is_on(&app->d->dev.power) == 1;
}

static bool running_confirmed(const simcmd_app_t *app)
{
    ota_bootctl_record_t rec;
    return ota_app_running(&app->d->dev.boot_cfg, &rec) == OTA_OK && rec.status == OTA_STATUS_VALID;
}

static void on_event(void *arg, ota_service_event_t ev, const ota_service_event_data_t *data)
{
    app_state_t *st = arg;
    simcmd_app_t *app = st->app;
    /* Once the power is off the device is dead: whatever the service says
     * about the failed write did not happen on a real board. */
    if (!power_on(app)) {
        return;
    }
    simcmd_print_event(app->out, ev, data);
    switch (ev) {
    case OTA_EVENT_NO_UPDATE:
        st->check_ended = true;
        if (app->until == SIMCMD_UNTIL_IDLE || (app->until == SIMCMD_UNTIL_CONFIRMED && running_confirmed(app))) {
            st->met = true;
        }
        break;
    case OTA_EVENT_UPDATE_READY:
        st->met = st->met || app->until == SIMCMD_UNTIL_READY;
        break;
    case OTA_EVENT_CHECK_FAILED:
    case OTA_EVENT_DOWNLOAD_FAILED:
    case OTA_EVENT_VERIFY_FAILED:
    case OTA_EVENT_DATABASE_FULL:
        if (data->patch) {
            break; /* a patch failed: the full image follows (PATCH_FALLBACK) */
        }
        st->check_ended = true;
        if (app->failures < app->retries) {
            /* A device in the field lives on: the service is idle again and
             * its next check (simulated time runs fast until then) tries
             * again, resuming a download the network cut. */
            app->failures++;
            simcmd_say(app->out, "retry: failure %u of at most %u; the service tries again at its next check",
                       (unsigned)app->failures, (unsigned)app->retries);
            break;
        }
        st->failed = true;
        snprintf(app->why, sizeof app->why, "%s: %s (%s)",
                 ev == OTA_EVENT_CHECK_FAILED    ? "the update check failed"
                 : ev == OTA_EVENT_VERIFY_FAILED ? "the download failed verification"
                 : ev == OTA_EVENT_DATABASE_FULL ? "the store is full"
                                                 : "the download failed",
                 ota_err_name(data->reason), ota_err_describe(data->reason));
        break;
    default:
        break;
    }
}

static void service_config(const simcmd_app_t *app, app_state_t *st, uint8_t *buf, char *mbuf, ota_service_config_t *c)
{
    const simcmd_config_t *cfg = &app->d->cfg;
    const ota_boot_config_t *bc = &app->d->dev.boot_cfg;
    ota_service_config_defaults(c);
    c->manifest_url = app->manifest_url;
    c->layout = bc->layout;
    c->periodic = cfg->periodic;
    c->interval_ms = cfg->interval_s * 1000u;
    c->connect_timeout_ms = cfg->connect_timeout_ms;
    c->idle_timeout_ms = cfg->idle_timeout_ms;
    c->min_rate = cfg->min_rate;
    c->rate_window_ms = cfg->rate_window_ms;
    c->auto_confirm = false; /* the application confirms after its self-test */
    c->max_images = (uint8_t)cfg->max_images;
    c->require_tls = cfg->require_tls;
    c->trust_anchor = cfg->ca_file[0] ? cfg->ca_file : NULL; /* the host transport's anchor: a CA file */
    c->insecure = cfg->insecure;
    c->keys = bc->keys; /* the bootloader's: one set of keys per device */
    c->hardware_id = cfg->hardware_id[0] ? cfg->hardware_id : NULL;
    c->buf = buf;
    c->buf_size = SIMCMD_DOWNLOAD_BUF;
    c->manifest_buf = mbuf;
    c->manifest_max = OTA_MANIFEST_MAX_SIZE;
    c->on_event = on_event;
    c->event_arg = st;
}

static simcmd_app_end_t fail(simcmd_app_t *app, const char *what, int err)
{
    if (!power_on(app)) {
        return SIMCMD_APP_CUT;
    }
    snprintf(app->why, sizeof app->why, "%s: %s (%s)", what, ota_err_name(err), ota_err_describe(err));
    return SIMCMD_APP_FAILED;
}

/* The service's loop; the caller owns the buffers. */
static simcmd_app_end_t service_loop(simcmd_app_t *app, app_state_t *st, bool no_confirm)
{
    posix_system_t *sys = &app->d->dev.sys_posix;
    uint64_t last = simcmd_now_ms();
    for (;;) {
        int more = ota_service_task(st->svc);
        if (!power_on(app)) {
            return SIMCMD_APP_CUT;
        }
        if (st->met) {
            return SIMCMD_APP_MET;
        }
        if (st->failed) {
            return SIMCMD_APP_FAILED;
        }
        if (posix_system_reset_requested(sys) > 0) {
            return SIMCMD_APP_RESET;
        }
        if (no_confirm && st->check_ended && ota_service_state(st->svc) == OTA_SERVICE_IDLE) {
            return SIMCMD_APP_CRASH;
        }
        uint64_t now = simcmd_now_ms();
        if (now >= app->deadline_ms) {
            snprintf(app->why, sizeof app->why, "time is up (--timeout) while the service was %s",
                     ota_service_state(st->svc) == OTA_SERVICE_IDLE ? "waiting for its next check" : "busy");
            return SIMCMD_APP_TIMEOUT;
        }
        uint32_t step = (uint32_t)(now - last) + (more == 0 ? SIMCMD_IDLE_STEP_MS : 0u);
        last = now;
        (void)posix_system_advance(sys, step);
    }
}

simcmd_app_end_t simcmd_app_start(simcmd_app_t *app, const ota_boot_result_t *res)
{
    /* What every application does first: the database and the boot control
     * record brought into line (the golden copy kept on the first start). */
    const ota_store_t *store = &app->d->dev.store;
    unsigned v = (unsigned)res->version;
    uint32_t size;
    bool had_golden = store->stat(store->ctx, OTA_GOLDEN_NAME, &size) == OTA_OK;
    int err = ota_app_sync(&app->d->dev.boot_cfg);
    if (err != OTA_OK) {
        return fail(app, "bringing the database and the boot control record into line failed", err);
    }
    if (!had_golden && store->stat(store->ctx, OTA_GOLDEN_NAME, &size) == OTA_OK) {
        simcmd_say(app->out,
                   "app v%u: first start after the factory programmer: golden copy of v%u kept in the store (%s)", v, v,
                   OTA_GOLDEN_NAME);
    }
    return SIMCMD_APP_MET;
}

simcmd_app_end_t simcmd_app_run(simcmd_app_t *app, const ota_boot_result_t *res)
{
    const ota_flash_t *flash = &app->d->dev.flash;
    uint8_t hdr[SIMCMD_IMAGE_HEADER_SIZE];
    simcmd_image_info_t info;
    simcmd_printer_t *out = app->out;
    unsigned v = (unsigned)res->version;

    app->version = res->version;
    out->running = res->version;
    int err = flash->read(flash->ctx, res->boot_addr, hdr, sizeof hdr);
    if (err != OTA_OK) {
        return fail(app, "the application cannot read its own image", err);
    }
    bool no_confirm = simcmd_image_parse(hdr, sizeof hdr, &info) == OTA_OK && (info.flags & SIMCMD_IMAGE_NO_CONFIRM);
    bool first_boot = res->status == OTA_STATUS_UNBOOTED;
    simcmd_app_end_t started = simcmd_app_start(app, res);
    if (started != SIMCMD_APP_MET) {
        return started;
    }

    if (first_boot && !no_confirm) {
        simcmd_say(out, "app v%u: unconfirmed boot, self-test passed", v);
        err = ota_app_confirm(&app->d->dev.boot_cfg);
        if (err != OTA_OK) {
            return fail(app, "confirming the image failed", err);
        }
        simcmd_say(out, "app v%u: confirmed (record and row F8)", v);
    } else if (first_boot) {
        simcmd_say(out, "app v%u: unconfirmed boot, does not confirm (a test image that never does)", v);
    } else {
        simcmd_say(out, "app v%u: running", v);
    }
    if (app->manifest_url == NULL || app->manifest_url[0] == '\0') {
        snprintf(app->why, sizeof app->why,
                 "no manifest URL: give --manifest URL, or `sysota sim config DEV manifest_url=URL`");
        return SIMCMD_APP_FAILED;
    }

    app_state_t st;
    memset(&st, 0, sizeof st);
    st.app = app;
    st.svc = calloc(1, sizeof *st.svc);
    uint8_t *buf = malloc(SIMCMD_DOWNLOAD_BUF);
    char *mbuf = malloc(OTA_MANIFEST_MAX_SIZE);
    simcmd_app_end_t end;
    if (st.svc == NULL || buf == NULL || mbuf == NULL) {
        snprintf(app->why, sizeof app->why, "out of memory");
        end = SIMCMD_APP_FAILED;
    } else {
        ota_service_config_t cfg;
        ota_service_ports_t ports = {
            .flash = flash,
            .store = &app->d->dev.store,
            .transport = app->transport,
            .crypto = &app->d->dev.crypto,
            .sys = &app->d->dev.sys,
        };
        service_config(app, &st, buf, mbuf, &cfg);
        err = ota_service_init(st.svc, &cfg, &ports);
        if (err != OTA_OK) {
            end = fail(app, "the OTA service did not start", err);
        } else {
            if (app->check_now) {
                (void)ota_service_check_now(st.svc);
            }
            /* Only an unconfirmed boot hangs: a no-confirm image flashed as
             * the factory image (F8 from the start) just runs. */
            end = service_loop(app, &st, no_confirm && first_boot);
            if (end == SIMCMD_APP_CRASH) {
                simcmd_say(out, "app v%u: hangs after its update check; the watchdog resets the device", v);
            }
            /* A real reset stops the transfer mid-way; let the port forget it. */
            app->transport->close(app->transport->ctx);
        }
    }
    free(mbuf);
    free(buf);
    free(st.svc);
    return end;
}

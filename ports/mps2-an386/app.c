/*
 * The board's application, built once per version (-DAPP_VERSION=N; the
 * update story uses 1, 2 and 3). It prints its version, starts the update
 * service, confirms itself once its self-test passed (the bootloader rolls
 * back an image that never does), checks the manifest, and runs the
 * service task with its own work until the service has nothing to do
 * (then the run ends: a product would keep going) or resets into an
 * update. The v3 build (-DAPP_NEVER_CONFIRMS) fails its self-test and
 * hangs without feeding the watchdog, as a broken release would.
 */
#include <stdbool.h>

#include "board.h"
#include "device.h"
#include "semihost.h"
#include "sysota/ota_service.h"
#include "transport_semihost.h"

#ifndef APP_VERSION
#error "build with -DAPP_VERSION=N"
#endif
#define STR2(x) #x
#define STR(x) STR2(x)
#define NAME "app v" STR(APP_VERSION)

/* The service's RAM and buffer: static (no heap). The manifest is parsed in
 * the same buffer before any download, so it is also the manifest limit. */
static ota_service_t svc;
static uint8_t ota_buf[2048];
static ota_transport_semihost_t server;

static enum { RUNNING, DONE, FAILED } outcome = RUNNING;

static void say(const char *what, int32_t value)
{
    semihost_puts(NAME ": ");
    semihost_puts(what);
    semihost_puts(" ");
    semihost_print_int(value);
    semihost_puts("\n");
}

/* The figures `make bench` reads: the bootloader's, left in the hand-over
 * area, and this program's stack so far (the update service's deepest). */
static void figures(void)
{
    if (mps2_handoff.magic != MPS2_HANDOFF_MAGIC) {
        return;
    }
    semihost_puts("figures: boot_counter ");
    semihost_print_int((int32_t)mps2_handoff.boot_counter);
    semihost_puts(" boot_stack ");
    semihost_print_int((int32_t)mps2_handoff.boot_stack);
    semihost_puts(" boot_stack_size ");
    semihost_print_int((int32_t)mps2_handoff.boot_stack_size);
    semihost_puts(" app_stack ");
    semihost_print_int((int32_t)mps2_stack_used());
    semihost_puts(" app_stack_size ");
    semihost_print_int((int32_t)mps2_stack_size());
    semihost_puts(" ops ");
    semihost_print_int((int32_t)mps2_handoff.ops);
    semihost_puts("\n");
}

static void on_ota_event(void *arg, ota_service_event_t ev, const ota_service_event_data_t *d)
{
    (void)arg;
    switch (ev) {
    case OTA_EVENT_UPDATE_AVAILABLE:
        say("update available, version", (int32_t)d->version);
        break;
    case OTA_EVENT_NO_UPDATE:
        say("up to date, running version", (int32_t)ota_service_running_version(&svc));
        outcome = DONE;
        break;
    case OTA_EVENT_VERIFY_SUCCESS:
        say("download verified, version", (int32_t)d->version);
        break;
    case OTA_EVENT_UPDATE_READY:
        say("update ready, resetting into version", (int32_t)d->version);
        break;
    case OTA_EVENT_CONFIRMED:
        say("confirmed version", (int32_t)d->version);
        break;
    case OTA_EVENT_RESET:
        figures();
        break;
    case OTA_EVENT_CHECK_FAILED:
    case OTA_EVENT_DOWNLOAD_FAILED:
    case OTA_EVENT_VERIFY_FAILED:
        say("update failed, error", d->reason);
        outcome = FAILED;
        break;
    default:
        break;
    }
}

/* What this version does that the others do not. */
static void greet(void)
{
#if APP_VERSION == 1
    semihost_puts(NAME ": hello from the factory image\n");
#elif APP_VERSION == 2
    semihost_puts(NAME ": hello from the update, with the new feature\n");
#else
    semihost_puts(NAME ": hello from a release that will not work out\n");
#endif
}

/* The application's own check that it works before it confirms itself. */
static bool self_test(void)
{
#ifdef APP_NEVER_CONFIRMS
    return false;
#else
    return true;
#endif
}

int main(void)
{
    ota_boot_config_t dev;
    ota_transport_t transport;
    ota_service_config_t cfg;

    mps2_tick_start();
    greet();
    mps2_device_config(&dev, NAME);
    (void)ota_transport_semihost_init(&server, MPS2_SERVER_DIR);
    (void)ota_transport_semihost_port(&server, &transport);
    const ota_service_ports_t ports = {
        .flash = dev.flash,
        .store = dev.store,
        .transport = &transport,
        .crypto = dev.crypto,
        .sys = dev.sys,
    };
    ota_service_config_defaults(&cfg);
    cfg.manifest_url = MPS2_MANIFEST_URL;
    cfg.layout = dev.layout;
    cfg.keys = dev.keys;
    cfg.require_tls = false;  /* the semihosting "server" has no TLS; https is tested on the host */
    cfg.periodic = false;     /* one check per power-on, asked for below */
    cfg.auto_confirm = false; /* confirmed below, after the self-test */
    cfg.buf = ota_buf;
    cfg.buf_size = sizeof ota_buf;
    cfg.manifest_max = sizeof ota_buf;
    cfg.on_event = on_ota_event;

    int err = ota_service_init(&svc, &cfg, &ports);
    if (err != OTA_OK) {
        say("update service not started, error", err);
        return (int)MPS2_EXIT_FAILED;
    }
    if (!self_test()) {
        semihost_puts(NAME ": self-test failed, not confirming; stuck until the watchdog resets the board\n");
        for (;;) {
            __asm__ volatile("wfi");
        }
    }
    (void)ota_service_confirm(&svc);
    (void)ota_service_check_now(&svc);
    while (outcome == RUNNING) {
        mps2_watchdog_feed();
        (void)ota_service_task(&svc);
        /* ... the application's own work ... */
    }
    figures();
    return outcome == DONE ? (int)MPS2_EXIT_OK : (int)MPS2_EXIT_FAILED;
}

/*
 * Benchmark 10: what a power cut in the middle of a download costs. A
 * simulated device downloads a SIZE KiB image (default 1024) from a local
 * nginx over the real libcurl transport, with the service's default sync
 * interval (64 KiB) and an MCU-sized chunk buffer (4 KiB); the power is cut
 * at the store write that follows 50 %, then 90 %, of the image. The
 * device reboots, a new service resumes (Range, If-Range) and finishes the
 * update. The figure is the image bytes fetched a second time: those the
 * first transfer brought plus those the resume brought, less the image.
 * Its reference is the sync interval, the most a cut may cost. Beside it,
 * for contrast, the same cut without syncs (sync_interval 0).
 *
 * usage: bench_resume [--results FILE] [--size-kib N] [--tmpdir DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_device.h"
#include "bench_util.h"
#include "sysota/ota_service.h"
#include "test_server.h"
#include "transport_curl.h"

#define CHUNK 4096u
#define GOLDEN_SIZE 16384u
#define UPDATE_VERSION 2u

static uint8_t chunk[CHUNK];
static char manifest_buf[OTA_MANIFEST_MAX_SIZE];

/* Cut the power at the first store operation once `at` bytes are stored. */
typedef struct cut {
    sim_power_t *power;
    uint32_t at;
    bool armed;
} cut_t;

static void cut_on_progress(void *arg, uint32_t done, uint32_t total)
{
    cut_t *c = arg;
    (void)total;
    if (!c->armed && done >= c->at) {
        c->armed = true;
        (void)sim_power_arm(c->power, sim_power_ops(c->power) + 1u, SIM_CUT_SKIP);
    }
}

/* One update of size bytes cut at `at`, with syncs every interval bytes:
 * the image bytes fetched twice, in *again. */
static int run_cut(const char *work, const char *manifest_url, uint32_t size, uint32_t at, uint32_t interval,
                   uint64_t *again)
{
    bench_device_t d;
    int err = bench_device_open(&d, work, bench_device_nvm_for(size), 1, GOLDEN_SIZE);
    if (err != OTA_OK) {
        return err;
    }
    posix_transport_curl_t tc;
    ota_transport_t tp;
    ota_service_config_t cfg;
    static ota_service_t svc;
    uint64_t first = 0;
    err = posix_transport_curl_init(&tc, NULL, &tp);
    if (err == OTA_OK) {
        ota_service_ports_t ports = { &d.dev.flash, &d.dev.store, &tp, &d.dev.crypto, &d.dev.sys };
        bench_service_config(&d, &cfg, manifest_url, chunk, CHUNK, manifest_buf, sizeof manifest_buf);
        cfg.sync_interval = interval;
        cut_t c = { .power = &d.dev.power, .at = at };
        bench_check_t chk = { .on_progress = cut_on_progress, .progress_arg = &c };
        (void)sim_power_reset_count(&d.dev.power);
        err = bench_service_check(&svc, &cfg, &ports, 120.0, &chk);
        posix_transport_curl_stats_t last;
        posix_transport_curl_stats(&tc, &last, NULL);
        first = last.body_bytes; /* the image GET was the last request */
        if (err == OTA_OK && !sim_power_was_cut(&d.dev.power)) {
            fprintf(stderr, "bench_resume: no cut (ready %d, failure %s, %llu body bytes)\n", chk.ready,
                    ota_err_name(chk.failure), (unsigned long long)first);
            err = OTA_ERR_STATE;
        }
        /* Power back: the bootloader starts v1 again, a new service resumes. */
        ota_boot_result_t res;
        if (err == OTA_OK) {
            (void)sim_device_reboot(&d.dev);
            err = ota_boot_run(&d.boot, &d.dev.boot_cfg, &res);
        }
        bench_check_t chk2 = { .ready = false };
        if (err == OTA_OK) {
            err = bench_service_check(&svc, &cfg, &ports, 120.0, &chk2);
        }
        if (err == OTA_OK && !chk2.ready) {
            fprintf(stderr, "bench_resume: no update ready after the cut (%s)\n", ota_err_name(chk2.failure));
            err = OTA_ERR_STATE;
        }
        posix_transport_curl_stats(&tc, &last, NULL);
        *again = first + last.body_bytes - size;
        posix_transport_curl_deinit(&tc);
    }
    int err2 = bench_device_close(&d);
    return err != OTA_OK ? err : err2;
}

int main(int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_init(&opts);
    unsigned size_kib = 1024;
    for (int i = 1; i < argc; i++) {
        if (bench_opts_take(&opts, argc, argv, &i)) {
            continue;
        } else if (strcmp(argv[i], "--size-kib") == 0 && i + 1 < argc) {
            size_kib = (unsigned)strtoul(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: %s [--results FILE] [--size-kib N] [--tmpdir DIR]\n", argv[0]);
            return 2;
        }
    }
    if (size_kib < 256 || size_kib > 65536) {
        fprintf(stderr, "bench_resume: size 256..65536 KiB\n");
        return 2;
    }
    char work[BENCH_PATH_MAX], docroot[BENCH_PATH_MAX + 8];
    int begun = bench_begin_www(&opts, "resume", work, sizeof work, docroot, sizeof docroot);
    if (begun != 0) {
        return begun;
    }
    int rc = 1;
    test_server_t srv = { 0 };
    uint32_t size = size_kib * 1024u;
    char url[160], mf_url[160], hex[65];
    if (bench_publish_image(docroot, "app_v2.bin", UPDATE_VERSION, size, hex) != OTA_OK ||
        test_server_start(&srv, TEST_SERVER_NGINX, docroot) != OTA_OK) {
        fprintf(stderr, "bench_resume: could not publish the image or start nginx\n");
        goto out;
    }
    test_server_url(url, sizeof url, srv.url, "app_v2.bin");
    test_server_url(mf_url, sizeof mf_url, srv.url, "manifest.json");
    if (bench_write_manifest(docroot, "manifest.json", UPDATE_VERSION, url, hex) != OTA_OK) {
        goto out;
    }
    static const unsigned percent[] = { 50, 90 };
    const uint32_t interval = 64u * 1024u;
    bench_figure("resume.sync_interval", interval, "bytes: the sync interval (service default)");
    rc = 0;
    for (size_t i = 0; i < sizeof percent / sizeof percent[0]; i++) {
        uint32_t at = (uint32_t)((uint64_t)size * percent[i] / 100u);
        uint64_t again = 0, unsynced = 0;
        int err = run_cut(work, mf_url, size, at, interval, &again);
        if (err == OTA_OK) {
            err = run_cut(work, mf_url, size, at, 0, &unsynced);
        }
        if (err != OTA_OK) {
            fprintf(stderr, "bench_resume: cut at %u %%: %s\n", percent[i], ota_err_name(err));
            rc = 1;
            continue;
        }
        char key[64], unit[128];
        snprintf(key, sizeof key, "resume.cut%u.again", percent[i]);
        snprintf(unit, sizeof unit, "bytes fetched again after a cut at %u %% of %u KiB (synced every 64 KiB)",
                 percent[i], size_kib);
        bench_figure(key, (double)again, unit);
        snprintf(key, sizeof key, "resume.cut%u.unsynced", percent[i]);
        bench_figure(key, (double)unsynced, "bytes fetched again, the same cut without syncs (sync_interval 0)");
    }
out:
    if (srv.pid > 0) {
        test_server_stop(&srv);
    }
    test_tmpdir_remove(work);
    bench_results_close();
    return rc;
}

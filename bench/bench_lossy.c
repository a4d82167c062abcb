/*
 * Benchmark 9: an update over a slow, lossy link.
 *
 * Runs inside tests/support/lossy_link.sh's network namespace (scripts/
 * bench.sh starts it so: 256 kbit/s, 5 % of the packets lost each way),
 * where nginx and both clients meet on 127.0.0.1. A 256 KiB image is on
 * offer. Our figure is the time from ota_service_check_now() to "update
 * ready" on a fresh device (manifest, download, SHA-256, store, row, mark),
 * with the service's default limits; a check or download the link makes
 * fail is checked again at once, resuming what was stored, and the time of
 * the failed attempts counts. The reference, timed in the same run over the
 * same link, is what a person would type to fetch the image as robustly:
 *   curl -s --retry 5 -C - --connect-timeout 10 --speed-limit 1024
 *        --speed-time 30 -o FILE URL && sha256sum FILE
 * (its retries resume too; its limits are the service's). Runs alternate
 * (ours, reference, reference, ours, ...); medians of RUNS each. The bytes
 * each moved are what crossed the link both ways (IP packets, TCP's own
 * retransmissions included), from the link's counters.
 *
 * usage: bench_lossy [--results FILE] [--runs N] [--tmpdir DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_device.h"
#include "bench_util.h"
#include "crypto_host.h"
#include "sysota/ota_service.h"
#include "test_server.h"
#include "transport_curl.h"

#define MAX_RUNS 15
#define IMAGE_SIZE (256u * 1024u)
#define DL_BUF_SIZE (64u * 1024u)
#define GOLDEN_SIZE 16384u
#define UPDATE_VERSION 2u
/* Checks one update may take before the figure is given up: as many as
 * curl's retries plus its first try. */
#define MAX_ATTEMPTS 6

static uint8_t dl_buf[DL_BUF_SIZE];
static char manifest_buf[OTA_MANIFEST_MAX_SIZE];

typedef struct job {
    const char *work;
    const char *image_url;
    const char *manifest_url;
    char digest_hex[65];
} job_t;

/* What one side did: seconds, bytes across the link both ways, failed attempts. */
typedef struct sample {
    double secs;
    double bytes;
    unsigned failures;
} sample_t;

/* Bytes that crossed the link both ways so far (lossy_link.sh stats). */
static int link_bytes(double *out)
{
    const char *tool = getenv("SYSOTA_LINK_TOOL");
    char cmd[1024], line[128];
    double down = -1, up = -1, v;
    if (tool == NULL || snprintf(cmd, sizeof cmd, "'%s' stats", tool) >= (int)sizeof cmd) {
        return OTA_ERR_INVALID_ARG;
    }
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        return OTA_ERR_IO;
    }
    while (fgets(line, sizeof line, p) != NULL) {
        if (sscanf(line, "down_bytes=%lf", &v) == 1) {
            down = v;
        } else if (sscanf(line, "up_bytes=%lf", &v) == 1) {
            up = v;
        }
    }
    int st = pclose(p);
    if (st != 0 || down < 0 || up < 0) {
        return OTA_ERR_IO;
    }
    *out = down + up;
    return OTA_OK;
}

/* One update on a fresh device; failed checks are checked again at once. */
static int run_ours(const job_t *job, sample_t *s)
{
    bench_device_t d;
    int err = bench_device_open(&d, job->work, bench_device_nvm_for(IMAGE_SIZE), 1, GOLDEN_SIZE);
    if (err != OTA_OK) {
        fprintf(stderr, "bench_lossy: device: %s\n", ota_err_name(err));
        return err;
    }
    posix_transport_curl_t tc;
    ota_transport_t tp;
    ota_crypto_t crypto;
    ota_service_config_t cfg;
    static ota_service_t svc;
    bench_check_t chk = { 0 };
    double b0 = 0, b1 = 0;
    (void)posix_crypto_openssl(&crypto);
    memset(s, 0, sizeof *s);
    err = link_bytes(&b0);
    if (err == OTA_OK) {
        err = posix_transport_curl_init(&tc, NULL, &tp);
    }
    if (err == OTA_OK) {
        ota_service_ports_t ports = { &d.dev.flash, &d.dev.store, &tp, &crypto, &d.dev.sys };
        for (unsigned attempt = 0; err == OTA_OK && attempt < MAX_ATTEMPTS; attempt++) {
            /* Each check starts the service afresh, as after a reboot: a
             * download the link cut stays in the store and is resumed. */
            bench_service_config(&d, &cfg, job->manifest_url, dl_buf, DL_BUF_SIZE, manifest_buf, sizeof manifest_buf);
            err = bench_service_check(&svc, &cfg, &ports, 300.0, &chk);
            if (err != OTA_OK || chk.ready) {
                break;
            }
            s->secs += chk.t_end - chk.t_start;
            s->failures++;
            bench_note("ours: attempt %u failed (%s), checking again", attempt + 1, ota_err_name(chk.failure));
        }
        posix_transport_curl_deinit(&tc);
    }
    if (err == OTA_OK && !chk.ready) {
        fprintf(stderr, "bench_lossy: no update ready after %u checks (last: %s)\n", MAX_ATTEMPTS,
                ota_err_name(chk.failure));
        err = OTA_ERR_STATE;
    }
    if (err == OTA_OK) {
        uint32_t size = 0;
        err = d.dev.store.stat(d.dev.store.ctx, "app_v2.bin", &size);
        if (err == OTA_OK && size != IMAGE_SIZE) {
            err = OTA_ERR_SHORT_BODY;
        }
        s->secs += chk.t_ready - chk.t_start;
    }
    if (err == OTA_OK) {
        err = link_bytes(&b1);
        s->bytes = b1 - b0;
    }
    int err2 = bench_device_close(&d);
    return err != OTA_OK ? err : err2;
}

/* The reference command, through /bin/sh as a person would run it. */
static int run_reference(const job_t *job, sample_t *s)
{
    char out[BENCH_PATH_MAX + 32], cmd[3 * BENCH_PATH_MAX + 300], line[256] = "";
    double b0 = 0, b1 = 0;
    snprintf(out, sizeof out, "%s/curl-out.bin", job->work);
    unlink(out);
    snprintf(cmd, sizeof cmd,
             "curl -s --retry 5 -C - --connect-timeout 10 --speed-limit 1024 --speed-time 30 -o '%s' '%s' && "
             "sha256sum '%s'",
             out, job->image_url, out);
    memset(s, 0, sizeof *s);
    if (link_bytes(&b0) != OTA_OK) {
        return OTA_ERR_IO;
    }
    double t0 = bench_now_s();
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        return OTA_ERR_IO;
    }
    char *got = fgets(line, sizeof line, p);
    int st = pclose(p);
    double t1 = bench_now_s();
    unlink(out);
    if (got == NULL || st != 0 || strncmp(line, job->digest_hex, 64) != 0 || link_bytes(&b1) != OTA_OK) {
        fprintf(stderr, "bench_lossy: reference failed (%s): %s\n", cmd, line);
        return OTA_ERR_IO;
    }
    s->secs = t1 - t0;
    s->bytes = b1 - b0;
    return OTA_OK;
}

static int measure(const job_t *job, int runs)
{
    sample_t ours[MAX_RUNS], ref[MAX_RUNS];
    double ot[MAX_RUNS], rt[MAX_RUNS], ob[MAX_RUNS], rb[MAX_RUNS];
    unsigned failures = 0;
    for (int i = 0; i < runs; i++) {
        int err;
        /* ABBA order: each side goes first half of the time. */
        if (i % 2 == 0) {
            err = run_ours(job, &ours[i]);
            err = err == OTA_OK ? run_reference(job, &ref[i]) : err;
        } else {
            err = run_reference(job, &ref[i]);
            err = err == OTA_OK ? run_ours(job, &ours[i]) : err;
        }
        if (err != OTA_OK) {
            fprintf(stderr, "bench_lossy: run %d failed: %s\n", i + 1, ota_err_name(err));
            return err;
        }
        bench_note("run %d: ours %.3f s, %.0f B (%u failed attempts); reference %.3f s, %.0f B", i + 1, ours[i].secs,
                   ours[i].bytes, ours[i].failures, ref[i].secs, ref[i].bytes);
        ot[i] = ours[i].secs;
        rt[i] = ref[i].secs;
        ob[i] = ours[i].bytes;
        rb[i] = ref[i].bytes;
        failures += ours[i].failures;
    }
    double mo = bench_median(ot, (size_t)runs), mr = bench_median(rt, (size_t)runs);
    bench_figure("lossy.ours_s", mo, "s (median, check -> update ready, 256 KiB at 256 kbit/s, 5 % loss each way)");
    bench_figure("lossy.ref_s", mr, "s (median, curl --retry 5 -C - -o && sha256sum)");
    bench_figure("lossy.ratio", mo / mr, "ours / reference (target <= 1.2)");
    bench_figure("lossy.ours_bytes", bench_median(ob, (size_t)runs), "B across the link, both ways (median, ours)");
    bench_figure("lossy.ref_bytes", bench_median(rb, (size_t)runs), "B across the link, both ways (median, curl)");
    bench_figure("lossy.ours_failures", failures, "failed attempts of ours, all runs");
    return OTA_OK;
}

int main(int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_init(&opts);
    int runs = 5;
    for (int i = 1; i < argc; i++) {
        if (bench_opts_take(&opts, argc, argv, &i)) {
            continue;
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--results FILE] [--runs N] [--tmpdir DIR]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "bench_lossy: runs 1..%d\n", MAX_RUNS);
        return 2;
    }
    if (getenv("SYSOTA_LINK") == NULL || getenv("SYSOTA_LINK_TOOL") == NULL) {
        fprintf(stderr, "bench_lossy: run inside the link: tests/support/lossy_link.sh run -- %s ...\n", argv[0]);
        return 2;
    }
    char work[BENCH_PATH_MAX], docroot[BENCH_PATH_MAX + 8];
    int begun = bench_begin(&opts, "lossy", work, sizeof work);
    if (begun != 0) {
        return begun;
    }
    snprintf(docroot, sizeof docroot, "%s/www", work);
    int rc = 1;
    test_server_t srv = { 0 };
    job_t job = { .work = work };
    char url[160], mf[160];
    if (bench_mkdir(docroot) != OTA_OK ||
        bench_publish_image(docroot, "app_v2.bin", UPDATE_VERSION, IMAGE_SIZE, job.digest_hex) != OTA_OK) {
        goto out;
    }
    if (test_server_start(&srv, TEST_SERVER_NGINX, docroot) != OTA_OK) {
        fprintf(stderr, "bench_lossy: nginx did not start\n");
        goto out;
    }
    test_server_url(url, sizeof url, srv.url, "app_v2.bin");
    test_server_url(mf, sizeof mf, srv.url, "manifest.json");
    if (bench_write_manifest(docroot, "manifest.json", UPDATE_VERSION, url, job.digest_hex) != OTA_OK) {
        goto out;
    }
    job.image_url = url;
    job.manifest_url = mf;
    bench_note("lossy: 256 KiB image over link %s, %d runs each, store and curl output in %s", getenv("SYSOTA_LINK"),
               runs, work);
    if (measure(&job, runs) != OTA_OK) {
        goto out;
    }
    rc = 0;
out:
    if (srv.pid > 0) {
        test_server_stop(&srv);
    }
    test_tmpdir_remove(work);
    bench_results_close();
    return rc;
}

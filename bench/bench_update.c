/*
 * Benchmark 1: end-to-end update on the host.
 *
 * A SIZE MiB image (default 64) sits on a local nginx. Our figure is the
 * time from ota_service_check_now() to the "update ready" event: manifest,
 * download, streamed SHA-256 (OpenSSL), store, database row, boot control
 * mark. The reference, timed in the same run and on the same files, is
 * what a person would type:  curl -s -o FILE URL && sha256sum FILE.
 * Runs alternate (ours, reference, reference, ours, ...) so neither side
 * always goes first into a warm or a cold cache; medians of RUNS each.
 * The same again over HTTPS, the reference with curl --cacert.
 *
 * usage: bench_update [--results FILE] [--size-mib N] [--runs N] [--tmpdir DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_device.h"
#include "bench_util.h"
#include "crypto_host.h"
#include "sysota/ota_service.h"
#include "test_server.h"
#include "transport_curl.h"

#define MAX_RUNS 15
#define DL_BUF_SIZE (256u * 1024u)
#define GOLDEN_SIZE 16384u
#define UPDATE_VERSION 2u

static uint8_t dl_buf[DL_BUF_SIZE];
static char manifest_buf[OTA_MANIFEST_MAX_SIZE];

typedef struct job {
    const char *work; /* our temporary directory: store and curl's output side by side */
    const char *image_url;
    const char *manifest_url;
    const char *ca_file; /* NULL: http */
    uint32_t size;
    char digest_hex[65];
} job_t;

/* One update by the service on a fresh device; seconds from check to ready. */
static int run_ours(const job_t *job, double *secs)
{
    bench_device_t d;
    int err = bench_device_open(&d, job->work, bench_device_nvm_for(job->size), 1, GOLDEN_SIZE);
    if (err != OTA_OK) {
        fprintf(stderr, "bench_update: device: %s\n", ota_err_name(err));
        return err;
    }
    posix_transport_curl_t tc;
    ota_transport_t tp;
    ota_crypto_t crypto;
    ota_service_config_t cfg;
    static ota_service_t svc;
    bench_check_t chk = { .ready = false };
    (void)posix_crypto_openssl(&crypto);
    err = posix_transport_curl_init(&tc, NULL, &tp);
    if (err == OTA_OK) {
        ota_service_ports_t ports = { &d.dev.flash, &d.dev.store, &tp, &crypto, &d.dev.sys };
        bench_service_config(&d, &cfg, job->manifest_url, dl_buf, DL_BUF_SIZE, manifest_buf, sizeof manifest_buf);
        cfg.trust_anchor = job->ca_file;
        err = bench_service_check(&svc, &cfg, &ports, 120.0, &chk);
        posix_transport_curl_deinit(&tc);
    }
    if (err == OTA_OK && !chk.ready) {
        fprintf(stderr, "bench_update: no update ready (reason %s)\n", ota_err_name(chk.failure));
        err = OTA_ERR_STATE;
    }
    if (err == OTA_OK) {
        /* The figure counts only if the image really is there, whole. */
        uint32_t size = 0;
        err = d.dev.store.stat(d.dev.store.ctx, "app_v2.bin", &size);
        if (err == OTA_OK && size != job->size) {
            err = OTA_ERR_SHORT_BODY;
        }
        *secs = chk.t_ready - chk.t_start;
    }
    int err2 = bench_device_close(&d);
    return err != OTA_OK ? err : err2;
}

/* The reference command, through /bin/sh as a person would run it. */
static int run_reference(const job_t *job, double *secs)
{
    char out[BENCH_PATH_MAX + 32], cmd[3 * BENCH_PATH_MAX + 200], line[256] = "";
    snprintf(out, sizeof out, "%s/curl-out.bin", job->work);
    unlink(out);
    if (job->ca_file != NULL) {
        snprintf(cmd, sizeof cmd, "curl -s --cacert '%s' -o '%s' '%s' && sha256sum '%s'", job->ca_file, out,
                 job->image_url, out);
    } else {
        snprintf(cmd, sizeof cmd, "curl -s -o '%s' '%s' && sha256sum '%s'", out, job->image_url, out);
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
    if (got == NULL || st != 0 || strncmp(line, job->digest_hex, 64) != 0) {
        fprintf(stderr, "bench_update: reference failed (%s): %s\n", cmd, line);
        return OTA_ERR_IO;
    }
    *secs = t1 - t0;
    return OTA_OK;
}

static int measure(const char *proto, const job_t *job, int runs)
{
    double ours[MAX_RUNS], ref[MAX_RUNS];
    for (int i = 0; i < runs; i++) {
        int err = OTA_OK;
        /* ABBA order: each side goes first half of the time. */
        if (i % 2 == 0) {
            err = run_ours(job, &ours[i]);
            if (err == OTA_OK) {
                err = run_reference(job, &ref[i]);
            }
        } else {
            err = run_reference(job, &ref[i]);
            if (err == OTA_OK) {
                err = run_ours(job, &ours[i]);
            }
        }
        if (err != OTA_OK) {
            fprintf(stderr, "bench_update: %s run %d failed: %s\n", proto, i, ota_err_name(err));
            return err;
        }
        bench_note("%s run %d: ours %.3f s, reference %.3f s", proto, i + 1, ours[i], ref[i]);
    }
    double mo = bench_median(ours, (size_t)runs), mr = bench_median(ref, (size_t)runs);
    double mib = (double)job->size / (1024.0 * 1024.0);
    char key[64];
    snprintf(key, sizeof key, "update.%s.ours_s", proto);
    bench_figure(key, mo, "s (median, check -> update ready)");
    snprintf(key, sizeof key, "update.%s.ref_s", proto);
    bench_figure(key, mr,
                 job->ca_file ? "s (median, curl --cacert -o && sha256sum)" : "s (median, curl -o && sha256sum)");
    snprintf(key, sizeof key, "update.%s.ratio", proto);
    bench_figure(key, mo / mr, "ours / reference (target <= 0.5)");
    snprintf(key, sizeof key, "update.%s.ours_mib_s", proto);
    bench_figure(key, mib / mo, "MiB/s (ours)");
    return OTA_OK;
}

int main(int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_init(&opts);
    unsigned size_mib = 64;
    int runs = 5;
    for (int i = 1; i < argc; i++) {
        if (bench_opts_take(&opts, argc, argv, &i)) {
            continue;
        } else if (strcmp(argv[i], "--size-mib") == 0 && i + 1 < argc) {
            size_mib = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--results FILE] [--size-mib N] [--runs N] [--tmpdir DIR]\n", argv[0]);
            return 2;
        }
    }
    if (size_mib < 1 || size_mib > 1024 || runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "bench_update: size 1..1024 MiB, runs 1..%d\n", MAX_RUNS);
        return 2;
    }
    char work[BENCH_PATH_MAX], docroot[BENCH_PATH_MAX + 8];
    int begun = bench_begin(&opts, "update", work, sizeof work);
    if (begun != 0) {
        return begun;
    }
    snprintf(docroot, sizeof docroot, "%s/www", work);
    int rc = 1;
    test_server_t srv = { 0 };
    uint32_t size = size_mib * 1024u * 1024u;
    job_t job = { .work = work, .size = size };
    if (bench_mkdir(docroot) != OTA_OK ||
        bench_publish_image(docroot, "app_v2.bin", UPDATE_VERSION, size, job.digest_hex) != OTA_OK) {
        goto out;
    }
    if (test_server_start(&srv, TEST_SERVER_NGINX, docroot) != OTA_OK) {
        fprintf(stderr, "bench_update: nginx did not start\n");
        goto out;
    }
    char url[160], tls_url[160], mf[160], tls_mf[160];
    test_server_url(url, sizeof url, srv.url, "app_v2.bin");
    test_server_url(tls_url, sizeof tls_url, srv.tls_url, "app_v2.bin");
    test_server_url(mf, sizeof mf, srv.url, "manifest.json");
    test_server_url(tls_mf, sizeof tls_mf, srv.tls_url, "manifest-tls.json");
    if (bench_write_manifest(docroot, "manifest.json", UPDATE_VERSION, url, job.digest_hex) != OTA_OK ||
        bench_write_manifest(docroot, "manifest-tls.json", UPDATE_VERSION, tls_url, job.digest_hex) != OTA_OK) {
        goto out;
    }
    bench_note("update: %u MiB image, %d runs each, store and curl output in %s", size_mib, runs, work);
    /* One untimed fetch puts the image in the page cache for both sides. */
    double warm;
    job.image_url = url;
    job.manifest_url = mf;
    job.ca_file = NULL;
    if (run_reference(&job, &warm) != OTA_OK || measure("http", &job, runs) != OTA_OK) {
        goto out;
    }
    job.image_url = tls_url;
    job.manifest_url = tls_mf;
    job.ca_file = srv.ca_file;
    if (measure("https", &job, runs) != OTA_OK) {
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

/*
 * Benchmark 6: delta updates on the host. For every pair of the delta
 * vectors (real firmware pairs and synthetic edits, kept outside the
 * repository):
 *  - bytes on the wire: each patch (JojoDiff by jdiff 0.8.5, VCDIFF by
 *    xdelta3 -S none) beside the full image;
 *  - time to apply the VCDIFF patch with the device's decoder (files read,
 *    the image rebuilt through a 4 KiB work buffer, written with stdio),
 *    beside `xdelta3 -d` doing the same in the same run (a process: its
 *    start-up, `xdelta3 -V`, is printed too), and the JojoDiff patch with
 *    the device's decoder (no reference decoder for it is packaged).
 * Times are medians of RUNS runs. Every rebuilt image is compared with
 * new.bin: a wrong image is a failure, not a figure.
 *
 * Then the service end to end on the S140 pair: a simulated device running
 * old.bin updates to new.bin from a local nginx over the real libcurl
 * transport, once through each patch and once through the full image; the
 * figure is every body byte the transport received (manifest and patch, or
 * manifest and image). Each update must end ready, without falling back.
 *
 * usage: bench_delta [--results FILE] [--tmpdir DIR] [--vectors DIR]
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_device.h"
#include "bench_util.h"
#include "test_server.h"
#include "tool_filedigest.h"
#include "tool_hostdelta.h"
#include "tool_hostfile.h"
#include "transport_curl.h"

#define RUNS 5
#define WORK 4096u

extern char **environ;

/* Short names for the figures of the real pairs. */
static const char *short_name(const char *pair)
{
    static const char *const map[][2] = {
        { "nrf52_s140_7.2.0_to_7.3.0", "s140" },
        { "pic32mzw1_freertos_to_tls", "pic32" },
        { "optiboot_328_to_644p", "optiboot" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(pair, map[i][0]) == 0) {
            return map[i][1];
        }
    }
    return pair;
}

static char *path_of(const char *dir, const char *pair, const char *file)
{
    size_t n = strlen(dir) + strlen(pair) + strlen(file) + 3;
    char *p = malloc(n);
    if (p != NULL) {
        snprintf(p, n, "%s/%s/%s", dir, pair, file);
    }
    return p;
}

/* Seconds one run of argv takes, or a negative number when it fails. */
static double time_process(char *const *argv)
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    double t0 = bench_now_s();
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        return -1.0;
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return -1.0;
    }
    return bench_now_s() - t0;
}

/* What xdelta3 -d does, through the device's decoder: read both files,
 * rebuild, write the image. Seconds, or negative on any failure or when
 * the image is not want. */
static double time_ours(const char *old, const char *patch, ota_delta_format_t format, const char *out,
                        const char *want, size_t want_len)
{
    char *o = NULL, *p = NULL;
    size_t o_len = 0, p_len = 0, n = 0;
    uint8_t *img = NULL;
    double t0 = bench_now_s();
    int err = tool_hostfile_read(old, &o, &o_len);
    if (err == OTA_OK) {
        err = tool_hostfile_read(patch, &p, &p_len);
    }
    if (err == OTA_OK) {
        err = tool_hostdelta_apply(format, (const uint8_t *)o, o_len, (const uint8_t *)p, p_len, WORK, UINT32_MAX, &img,
                                   &n, NULL);
    }
    FILE *f = err == OTA_OK ? fopen(out, "wb") : NULL;
    if (f == NULL || fwrite(img, 1, n, f) != n || fclose(f) != 0) {
        err = OTA_ERR_IO;
    }
    double t = bench_now_s() - t0;
    if (err == OTA_OK && (n != want_len || memcmp(img, want, n) != 0)) {
        err = OTA_ERR_DIGEST;
    }
    free(o);
    free(p);
    free(img);
    return err == OTA_OK ? t : -1.0;
}

static int figure(const char *pair, const char *what, double v, const char *unit)
{
    char key[128];
    snprintf(key, sizeof key, "delta.%s.%s", short_name(pair), what);
    return bench_figure(key, v, unit);
}

/* Files, sizes and times of one pair. OTA_OK or an error (said why). */
static int bench_pair(const char *dir, const char *pair, const char *work, double totals[5])
{
    char *old = path_of(dir, pair, "old.bin"), *next = path_of(dir, pair, "new.bin");
    char *jojo = path_of(dir, pair, "jojo.patch"), *vcd = path_of(dir, pair, "vcdiff-nosec.vcdiff");
    char *out = path_of(work, "", "rebuilt.bin");
    char *want = NULL, *j = NULL, *v = NULL;
    size_t want_len = 0, j_len = 0, v_len = 0;
    int err = OTA_ERR_NO_SPACE;
    if (old != NULL && next != NULL && jojo != NULL && vcd != NULL && out != NULL) {
        err = tool_hostfile_read(next, &want, &want_len);
    }
    if (err == OTA_OK) {
        err = tool_hostfile_read(jojo, &j, &j_len);
    }
    if (err == OTA_OK) {
        err = tool_hostfile_read(vcd, &v, &v_len);
    }
    double ours[RUNS], jj[RUNS], ref[RUNS];
    char *argv[] = { "xdelta3", "-d", "-f", "-s", old, vcd, out, NULL };
    for (int r = 0; err == OTA_OK && r < RUNS; r++) {
        ours[r] = time_ours(old, vcd, OTA_DELTA_VCDIFF, out, want, want_len);
        jj[r] = time_ours(old, jojo, OTA_DELTA_JOJODIFF, out, want, want_len);
        ref[r] = time_process(argv);
        if (ours[r] < 0 || jj[r] < 0 || ref[r] < 0) {
            bench_note("%s: %s", pair,
                       ref[r] < 0 ? "xdelta3 -d failed" : "our decoder failed or rebuilt another image");
            err = OTA_ERR_IO;
        }
    }
    if (err == OTA_OK) {
        double full = (double)want_len;
        figure(pair, "full_bytes", full, "B");
        figure(pair, "vcdiff_bytes", (double)v_len, "B");
        figure(pair, "jojo_bytes", (double)j_len, "B");
        figure(pair, "vcdiff_ratio", full > 0 ? (double)v_len / full : 0, "");
        figure(pair, "jojo_ratio", full > 0 ? (double)j_len / full : 0, "");
        double o = bench_median(ours, RUNS), jo = bench_median(jj, RUNS), x = bench_median(ref, RUNS);
        figure(pair, "vcdiff_apply_ms", 1e3 * o, "ms");
        figure(pair, "jojo_apply_ms", 1e3 * jo, "ms");
        figure(pair, "xdelta3_apply_ms", 1e3 * x, "ms");
        totals[0] += full;
        totals[1] += (double)v_len;
        totals[2] += o;
        totals[3] += x;
        totals[4] += (double)j_len;
    } else if (err != OTA_ERR_IO) {
        bench_note("%s: cannot read its files (%s)", pair, ota_err_describe(err));
    }
    free(old);
    free(next);
    free(jojo);
    free(vcd);
    free(out);
    free(want);
    free(j);
    free(v);
    return err;
}

/* ---- the service end to end ------------------------------------------------ */

#define SVC_PAIR "nrf52_s140_7.2.0_to_7.3.0"
#define SVC_CHUNK 4096u

static int hex_of_file(const char *path, char hex[TOOL_FILEDIGEST_HEX_SIZE], uint64_t *size)
{
    uint8_t d[TOOL_FILEDIGEST_LEN];
    int err = tool_filedigest_file(path, d, size);
    if (err == OTA_OK) {
        tool_filedigest_hex(d, hex);
    }
    return err;
}

/* docroot/name: v2 = new.bin at base_url/app_v2.bin, with a Patch record from v1 = old.bin when patch is not NULL. */
static int svc_manifest(const char *docroot, const char *name, const char *base_url, const char *old_path,
                        const char *patch, const char *format)
{
    char path[BENCH_PATH_MAX + 64], img_hex[80], old_hex[80], patch_hex[80], body[2048];
    uint64_t img_size = 0, old_size = 0, patch_size = 0;
    snprintf(path, sizeof path, "%s/app_v2.bin", docroot);
    int err = hex_of_file(path, img_hex, &img_size);
    if (err == OTA_OK) {
        err = hex_of_file(old_path, old_hex, &old_size);
    }
    int n = snprintf(body, sizeof body, "{\"ota\": [{\"Version\": 2, \"URL\": \"%s/app_v2.bin\", \"Digest\": \"%s\"",
                     base_url, img_hex);
    if (err == OTA_OK && patch != NULL) {
        snprintf(path, sizeof path, "%s/%s", docroot, patch);
        err = hex_of_file(path, patch_hex, &patch_size);
        n += snprintf(body + n, sizeof body - (size_t)n,
                      ", \"Patch\": [{\"BaseVersion\": 1, \"BaseVerDigest\": \"%s\", \"PatchURL\": \"%s/%s\", "
                      "\"PatchDigest\": \"%s\", \"TargetDigest\": \"%s\", \"Format\": \"%s\", \"PatchSize\": %llu}]",
                      old_hex, base_url, patch, patch_hex, img_hex, format, (unsigned long long)patch_size);
    }
    n += snprintf(body + n, sizeof body - (size_t)n, "}]}");
    return err != OTA_OK ? err : test_file_write(docroot, name, body, (size_t)n, NULL, 0);
}

/* One update of a device running old (its bytes) through mf_url: the body bytes received, in *wire. */
static int svc_update(const char *work, const char *mf_url, const uint8_t *old, uint32_t old_len, uint32_t nvm,
                      uint64_t *wire)
{
    static uint8_t chunk[SVC_CHUNK];
    static char mbuf[OTA_MANIFEST_MAX_SIZE];
    static ota_service_t svc;
    bench_device_t d;
    posix_transport_curl_t tc;
    ota_transport_t tp;
    ota_service_config_t cfg;
    int err = bench_device_open_image(&d, work, nvm, 1, old, old_len);
    if (err == OTA_OK) {
        err = posix_transport_curl_init(&tc, NULL, &tp);
        if (err == OTA_OK) {
            ota_service_ports_t ports = { &d.dev.flash, &d.dev.store, &tp, &d.dev.crypto, &d.dev.sys };
            bench_check_t chk = { 0 };
            bench_service_config(&d, &cfg, mf_url, chunk, SVC_CHUNK, mbuf, sizeof mbuf);
            err = bench_service_check(&svc, &cfg, &ports, 120.0, &chk);
            posix_transport_curl_stats_t total;
            posix_transport_curl_stats(&tc, NULL, &total);
            *wire = total.body_bytes;
            if (err == OTA_OK && !chk.ready) {
                err = chk.failure != OTA_OK ? chk.failure : OTA_ERR_STATE;
            }
            posix_transport_curl_deinit(&tc);
        }
    }
    int cerr = bench_device_close(&d);
    return err != OTA_OK ? err : cerr;
}

/* Which of the patches, and the full image: the updates whose bytes are measured. */
static const struct {
    const char *manifest;
    const char *patch; /* its name in the vectors and on the server; NULL: the full image */
    const char *format;
    const char *figure;
} svc_runs[] = {
    { "full.json", NULL, NULL, "delta.svc.s140.full_wire_bytes" },
    { "vcdiff.json", "vcdiff-nosec.vcdiff", "vcdiff", "delta.svc.s140.vcdiff_wire_bytes" },
    { "jojo.json", "jojo.patch", "jojodiff", "delta.svc.s140.jojo_wire_bytes" },
};

static int bench_service_delta(const char *dir, const char *work)
{
    char docroot[BENCH_PATH_MAX + 16], url[160], mf_url[200];
    char *old_path = path_of(dir, SVC_PAIR, "old.bin");
    char *new_path = path_of(dir, SVC_PAIR, "new.bin");
    char *old = NULL, *img = NULL;
    size_t old_len = 0, img_len = 0;
    test_server_t srv = { 0 };
    int err = old_path != NULL && new_path != NULL ? OTA_OK : OTA_ERR_NO_SPACE;
    if (snprintf(docroot, sizeof docroot, "%.*s/svc-www", BENCH_PATH_MAX, work) >= (int)sizeof docroot) {
        err = OTA_ERR_TOO_LARGE;
    }
    if (err == OTA_OK) {
        err = tool_hostfile_read(old_path, &old, &old_len);
    }
    if (err == OTA_OK) {
        err = tool_hostfile_read(new_path, &img, &img_len);
    }
    if (err == OTA_OK) {
        err = mkdir(docroot, 0755) == 0 ? test_file_write(docroot, "app_v2.bin", img, img_len, NULL, 0) : OTA_ERR_IO;
    }
    for (size_t i = 1; err == OTA_OK && i < sizeof svc_runs / sizeof svc_runs[0]; i++) {
        char *p = path_of(dir, SVC_PAIR, svc_runs[i].patch), *bytes = NULL;
        size_t len = 0;
        err = p != NULL ? tool_hostfile_read(p, &bytes, &len) : OTA_ERR_NO_SPACE;
        if (err == OTA_OK) {
            err = test_file_write(docroot, svc_runs[i].patch, bytes, len, NULL, 0);
        }
        free(bytes);
        free(p);
    }
    if (err == OTA_OK) {
        err = test_server_start(&srv, TEST_SERVER_NGINX, docroot);
    }
    uint64_t full = 0;
    for (size_t i = 0; err == OTA_OK && i < sizeof svc_runs / sizeof svc_runs[0]; i++) {
        uint64_t wire = 0;
        snprintf(url, sizeof url, "%s", srv.url);
        err = svc_manifest(docroot, svc_runs[i].manifest, url, old_path, svc_runs[i].patch, svc_runs[i].format);
        test_server_url(mf_url, sizeof mf_url, srv.url, svc_runs[i].manifest);
        if (err == OTA_OK) {
            uint32_t biggest = (uint32_t)(img_len > old_len ? img_len : old_len);
            err =
                svc_update(work, mf_url, (const uint8_t *)old, (uint32_t)old_len, bench_device_nvm_for(biggest), &wire);
        }
        if (err == OTA_OK) {
            full = i == 0 ? wire : full;
            char unit[160];
            snprintf(unit, sizeof unit,
                     "bytes on the wire of the service's update (manifest + %s), %.1f %% of the full update's",
                     svc_runs[i].patch != NULL ? svc_runs[i].format : "image",
                     full ? 100.0 * (double)wire / (double)full : 0.0);
            bench_figure(svc_runs[i].figure, (double)wire, unit);
        }
    }
    if (err != OTA_OK) {
        fprintf(stderr, "bench_delta: the service's delta update: %s\n", ota_err_name(err));
    }
    if (srv.pid > 0) {
        test_server_stop(&srv);
    }
    free(old);
    free(img);
    free(old_path);
    free(new_path);
    return err;
}

int main(int argc, char **argv)
{
    bench_opts_t opts;
    const char *dir = SYSOTA_DELTA_VECTORS_DIR;
    bench_opts_init(&opts);
    for (int i = 1; i < argc; i++) {
        if (bench_opts_take(&opts, argc, argv, &i)) {
            continue;
        }
        if (strcmp(argv[i], "--vectors") == 0 && i + 1 < argc) {
            dir = argv[++i];
            continue;
        }
        fprintf(stderr, "usage: bench_delta [--results FILE] [--tmpdir DIR] [--vectors DIR]\n");
        return 2;
    }
    char work[4096];
    int status = bench_begin(&opts, "delta", work, sizeof work);
    if (status != 0) {
        return status;
    }
    char manifest[4096];
    snprintf(manifest, sizeof manifest, "%s/MANIFEST.tsv", dir);
    FILE *f = fopen(manifest, "r");
    if (f == NULL) {
        bench_note("no delta vectors at %s: figure 6 not measured", dir);
        bench_results_close();
        return 1;
    }
    char *xv[] = { "xdelta3", "-V", NULL };
    double start[RUNS];
    for (int r = 0; r < RUNS; r++) {
        start[r] = time_process(xv);
    }
    bench_figure("delta.xdelta3_start_ms", 1e3 * bench_median(start, RUNS), "ms");
    /* totals over the synthetic pairs and over all: image bytes, VCDIFF
     * bytes, our time, xdelta3's, JojoDiff bytes */
    double syn[5] = { 0 }, all[5] = { 0 };
    char line[1024];
    int failed = 0;
    if (fgets(line, sizeof line, f) == NULL) {
        failed = 1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *tab = strchr(line, '\t');
        if (tab == NULL) {
            continue;
        }
        *tab = '\0';
        double t[5] = { 0 };
        if (bench_pair(dir, line, work, t) != OTA_OK) {
            failed = 1;
            continue;
        }
        for (int k = 0; k < 5; k++) {
            all[k] += t[k];
            syn[k] += strncmp(line, "syn_", 4) == 0 ? t[k] : 0;
        }
    }
    fclose(f);
    bench_figure("delta.syn.full_bytes", syn[0], "B");
    bench_figure("delta.syn.vcdiff_bytes", syn[1], "B");
    bench_figure("delta.syn.jojo_bytes", syn[4], "B");
    bench_figure("delta.all.vcdiff_apply_ms", 1e3 * all[2], "ms");
    bench_figure("delta.all.xdelta3_apply_ms", 1e3 * all[3], "ms");
    if (bench_service_delta(dir, work) != OTA_OK) {
        failed = 1;
    }
    bench_results_close();
    return failed;
}

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
 * usage: bench_delta [--results FILE] [--tmpdir DIR] [--vectors DIR]
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "tool_hostdelta.h"
#include "tool_hostfile.h"

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
        err = tool_hostdelta_apply(format, (const uint8_t *)o, o_len, (const uint8_t *)p, p_len, WORK, UINT32_MAX,
                                  &img, &n, NULL);
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
    char *old = path_of(dir, pair, "old.bin"), *new = path_of(dir, pair, "new.bin");
    char *jojo = path_of(dir, pair, "jojo.patch"), *vcd = path_of(dir, pair, "vcdiff-nosec.vcdiff");
    char *out = path_of(work, "", "rebuilt.bin");
    char *want = NULL, *j = NULL, *v = NULL;
    size_t want_len = 0, j_len = 0, v_len = 0;
    int err = OTA_ERR_NO_SPACE;
    if (old != NULL && new != NULL && jojo != NULL && vcd != NULL && out != NULL) {
        err = tool_hostfile_read(new, &want, &want_len);
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
            bench_note("%s: %s", pair, ref[r] < 0 ? "xdelta3 -d failed" : "our decoder failed or rebuilt another image");
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
    free(new);
    free(jojo);
    free(vcd);
    free(out);
    free(want);
    free(j);
    free(v);
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
    bench_results_close();
    return failed;
}

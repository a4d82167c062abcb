/*
 * Benchmark 11: a fleet over a simulated day. 1,000 simulated devices
 * (bench_fleet_sim.h), each with its own flash in RAM, store, identity and
 * service, poll one local nginx every 15 minutes (the service's own jitter,
 * +-5 minutes, and backoff) for a simulated day driven by fake clocks; the
 * HTTP is real. The manifest offers the running version; at 6 h a release
 * is published at Rollout 10, at 12 h raised to 100 (each time a new file
 * renamed over the old one, with a new modification time, so that its
 * ETag and Last-Modified change).
 *
 * The day runs twice on fresh devices: with conditional polls (the
 * service's default: a 304 when nothing changed, the manifest in full one
 * check in 24) and without (full_check_every 1: every check fetches the
 * manifest in full). Per device and day: requests, bytes on the wire (from
 * nginx's access log: the bytes it sent, status line, headers and bodies,
 * and the requests' bytes, request line and headers; everything above
 * TCP), the share of 304s among the manifest requests; devices updated at
 * each stage; and what a fleet of 100,000 devices would send the server
 * per second at the same polls. The devices share one libcurl transport.
 *
 * The devices' stores go to /dev/shm (tmpfs) when there is one, else to
 * the work directory, or to --devices-dir: each poll may rename a file in
 * its device's store, which costs more than the poll on a disk file system.
 *
 * usage: bench_fleet [--results FILE] [--tmpdir DIR] [--devices N] [--hours H] [--image-kib K]
 *                    [--devices-dir DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "bench_device.h"
#include "bench_fleet_sim.h"
#include "bench_util.h"
#include "sysota/ota_error.h"
#include "test_server.h"

#define FLEET_SCALE 100000.0
#define INTERVAL_S 900u
/* tmpfs on Linux: where the devices' stores go unless --devices-dir says otherwise. */
#define DEVICES_IN_RAM "/dev/shm"

static void figure(const char *run, const char *name, double v, const char *unit)
{
    char key[64];
    snprintf(key, sizeof key, "fleet.%s.%s", run, name);
    bench_figure(key, v, unit);
}

/* CPU seconds (user + system) used so far by the processes of group pgid:
 * nginx's master and its worker (test_server starts it as a group). */
static double group_cpu_s(pid_t pgid)
{
    DIR *d = opendir("/proc");
    if (d == NULL) {
        return 0.0;
    }
    unsigned long long ticks = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[1024];
        if (e->d_name[0] < '0' || e->d_name[0] > '9') {
            continue;
        }
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            continue;
        }
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        /* After the command's closing parenthesis: state, ppid, pgrp, ...,
         * utime and stime (fields 14 and 15 of proc(5)). */
        const char *p = strrchr(buf, ')');
        long pgrp = 0;
        unsigned long long ut = 0, st = 0;
        if (p != NULL && sscanf(p + 2, "%*c %*d %ld %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &pgrp, &ut, &st) == 3 &&
            pgrp == (long)pgid) {
            ticks += ut + st;
        }
    }
    closedir(d);
    return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

static double server_bytes(const bench_fleet_server_t *s)
{
    return (double)(s->sent + s->received);
}

/* One run's figures, per device and day; its bytes per device and day in *bytes and *poll_bytes. */
static void report(const char *run, const bench_fleet_config_t *c, const bench_fleet_result_t *r, double cpu_s,
                   double *bytes, double *poll_bytes)
{
    double per_day = 86400.0 / (double)c->period_s / (double)c->devices;
    double scale = FLEET_SCALE / (double)c->devices;
    uint64_t requests = r->manifest.requests + r->image.requests + r->other;
    double all = server_bytes(&r->manifest) + server_bytes(&r->image);
    *bytes = all * per_day;
    *poll_bytes = server_bytes(&r->manifest) * per_day;
    bench_note("%s: %u devices, %.1f simulated hours in %.1f s; %llu checks, %llu failed; nginx logged %llu "
               "requests (%llu for the manifest, %llu conditional, %llu for images, %llu other), the transport "
               "made %llu",
               run, (unsigned)c->devices, (double)c->period_s / 3600.0, r->wall_s, (unsigned long long)r->checks,
               (unsigned long long)r->failures, (unsigned long long)requests, (unsigned long long)r->manifest.requests,
               (unsigned long long)r->manifest.conditional, (unsigned long long)r->image.requests,
               (unsigned long long)r->other, (unsigned long long)r->requests);
    bench_note("%s: bytes above TCP, nginx's log: %llu sent, %llu received; the transport's HTTP-level count: "
               "%llu received, %llu sent",
               run, (unsigned long long)(r->manifest.sent + r->image.sent),
               (unsigned long long)(r->manifest.received + r->image.received), (unsigned long long)r->wire_received,
               (unsigned long long)r->wire_sent);
    bench_note("%s: a manifest request and its answer weigh %.0f bytes on average, an image's %.0f", run,
               r->manifest.requests ? server_bytes(&r->manifest) / (double)r->manifest.requests : 0.0,
               r->image.requests ? server_bytes(&r->image) / (double)r->image.requests : 0.0);
    figure(run, "requests", (double)requests * per_day, "requests per device per day");
    figure(run, "bytes", *bytes, "bytes per device per day (both ways, images included)");
    figure(run, "poll_bytes", *poll_bytes, "bytes per device per day of the manifest requests");
    figure(run, "image_bytes", server_bytes(&r->image) * per_day, "bytes per device per day of the images");
    figure(run, "share_304",
           r->manifest.requests ? 100.0 * (double)r->manifest.not_modified / (double)r->manifest.requests : 0.0,
           "% of the manifest requests answered 304");
    figure(run, "cohort", r->in_cohort, "devices whose rollout bucket is below 10");
    figure(run, "updated_stage1", r->updated_stage1, "devices updated at Rollout 10 (6 h to 12 h)");
    figure(run, "updated", r->updated, "devices running the release at the end (Rollout 100 from 12 h)");
    figure(run, "rps_100k", (double)requests / (double)c->period_s * scale,
           "requests/s 100,000 such devices send the server, day's mean");
    figure(run, "peak_rps_100k", (double)r->peak_minute / 60.0 * scale,
           "requests/s of 100,000 such devices, busiest simulated minute");
    bench_note("%s: the busiest minute began %.2f h into the day: %llu requests, %.1f a minute on average", run,
               (double)r->peak_minute_at / 3600.0, (unsigned long long)r->peak_minute,
               (double)requests * 60.0 / (double)c->period_s);
    figure(run, "bps_100k", all / (double)c->period_s * scale, "bytes/s of 100,000 such devices, day's mean");
    /* A time, unlike the rest: the CPU nginx spent, for an idea of what a
     * request costs a server (this machine's, shared with the devices). */
    figure(run, "nginx_us", requests ? cpu_s * 1e6 / (double)requests : 0.0,
           "us of nginx CPU (user + system) per request");
}

/* A fresh directory "sysota-fleet-XXXXXX" in parent, into out; "" on failure. */
static int make_dir(char *out, size_t cap, const char *parent)
{
    if ((size_t)snprintf(out, cap, "%s/sysota-fleet-XXXXXX", parent) >= cap || mkdtemp(out) == NULL) {
        out[0] = '\0';
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

int main(int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_init(&opts);
    unsigned devices = 1000, hours = 24, image_kib = 16;
    const char *devices_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (bench_opts_take(&opts, argc, argv, &i)) {
            continue;
        } else if (strcmp(argv[i], "--devices-dir") == 0 && i + 1 < argc) {
            devices_dir = argv[++i];
        } else if (strcmp(argv[i], "--devices") == 0 && i + 1 < argc) {
            devices = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--hours") == 0 && i + 1 < argc) {
            hours = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--image-kib") == 0 && i + 1 < argc) {
            image_kib = (unsigned)strtoul(argv[++i], NULL, 10);
        } else {
            fprintf(stderr,
                    "usage: %s [--results FILE] [--tmpdir DIR] [--devices N] [--hours H] [--image-kib K] "
                    "[--devices-dir DIR]\n",
                    argv[0]);
            return 2;
        }
    }
    if (devices < 1 || devices > 100000 || hours < 1 || hours > 24 * 7 || image_kib < 1 || image_kib > 1024) {
        fprintf(stderr, "bench_fleet: devices 1..100000, hours 1..168, image 1..1024 KiB\n");
        return 2;
    }
    char work[BENCH_PATH_MAX], docroot[BENCH_PATH_MAX + 8], log[TEST_SERVER_PATH_MAX + 16];
    char devs[BENCH_PATH_MAX] = "";
    int begun = bench_begin_www(&opts, "fleet", work, sizeof work, docroot, sizeof docroot);
    if (begun != 0) {
        return begun;
    }
    int rc = 1;
    test_server_t srv = { 0 };
    /* Each poll of a device may replace its poll state file (a rename): on
     * a disk file system with a journal that costs more than the HTTP
     * request, and 1,000 devices' stores belong in RAM, as their flash
     * already is. Without tmpfs, the work directory. */
    if (make_dir(devs, sizeof devs, devices_dir != NULL ? devices_dir : DEVICES_IN_RAM) != OTA_OK &&
        (devices_dir != NULL || make_dir(devs, sizeof devs, work) != OTA_OK)) {
        fprintf(stderr, "bench_fleet: could not make the devices' directory\n");
        goto out;
    }
    if (test_server_start(&srv, TEST_SERVER_NGINX, docroot) != OTA_OK) {
        fprintf(stderr, "bench_fleet: could not start nginx\n");
        goto out;
    }
    snprintf(log, sizeof log, "%s/access.log", srv.dir);
    bench_fleet_config_t cfg = {
        .work = devs,
        .docroot = docroot,
        .base_url = srv.url,
        .access_log = log,
        .devices = devices,
        .period_s = hours * 3600u,
        .interval_s = INTERVAL_S,
        .stage1_s = hours * 3600u / 4u,
        .stage2_s = hours * 3600u / 2u,
        .first_percent = 10,
        .image_size = image_kib * 1024u,
        .conditional = true,
    };
    bench_note("one shared transport (one libcurl handle and its kept-alive connection to nginx over HTTP): the "
               "devices take turns each simulated second; every device polls every %u s +-300 s for the whole "
               "period (nothing thinned out); images of %u KiB; the devices' stores in %s, their flash in RAM",
               INTERVAL_S, image_kib, devs);
    static const char *const runs[2] = { "cond", "full" };
    double bytes[2] = { 0 }, poll_bytes[2] = { 0 };
    rc = 0;
    for (int i = 0; i < 2; i++) {
        bench_fleet_result_t r;
        cfg.conditional = i == 0;
        double cpu0 = group_cpu_s(srv.pid);
        int err = bench_fleet_run(&cfg, &r);
        double cpu = group_cpu_s(srv.pid) - cpu0;
        if (err != OTA_OK) {
            fprintf(stderr, "bench_fleet: %s run: %s\n", runs[i], ota_err_name(err));
            rc = 1;
            continue;
        }
        report(runs[i], &cfg, &r, cpu, &bytes[i], &poll_bytes[i]);
    }
    if (rc == 0) {
        bench_figure("fleet.devices", devices, "devices in the simulated fleet");
        bench_figure("fleet.polls_per_day", 86400.0 / INTERVAL_S, "polls a day at the interval (reference)");
        bench_figure("fleet.ideal_rps_100k", FLEET_SCALE / INTERVAL_S,
                     "requests/s of 100,000 devices, one poll per interval each (reference)");
        bench_figure("fleet.ratio_bytes", bytes[0] / bytes[1],
                     "bytes per device per day: conditional polls / without (images included)");
        bench_figure("fleet.ratio_poll_bytes", poll_bytes[0] / poll_bytes[1],
                     "bytes per device per day of the manifest requests: conditional / without");
    }
out:
    if (srv.pid > 0) {
        test_server_stop(&srv);
    }
    if (devs[0] != '\0') {
        test_tmpdir_remove(devs);
    }
    test_tmpdir_remove(work);
    bench_results_close();
    return rc;
}

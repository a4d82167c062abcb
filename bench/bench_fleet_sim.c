/* A fleet of simulated devices over a simulated day: see bench_fleet_sim.h. */
#include "bench_fleet_sim.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_device.h"
#include "bench_util.h"
#include "ota_rollout.h"
#include "sysota/ota_service.h"
#include "test_server.h"
#include "transport_curl.h"

#define CHUNK 4096u
/* More task() calls than this without the service waiting for its timer
 * again: it is stuck (a real check takes a few dozen). */
#define TASK_LIMIT 1000000u
/* Each publication stamps the manifest with this origin plus the simulated
 * time, so that its Last-Modified and nginx's ETag (modification time and
 * size) change whatever the real clock did meanwhile: a day runs in a
 * minute, and two publications may fall in one real second. */
#define MTIME_ORIGIN 1700000000

typedef struct fleet fleet_t;

typedef struct fleet_dev {
    bench_device_t d;
    ota_service_t svc;
    ota_service_config_t cfg;
    ota_service_ports_t ports;
    char id[16];
    size_t id_len;
    uint8_t stage; /* the stage its update became ready in, 0: none yet */
    fleet_t *fleet;
    uint8_t buf[CHUNK];
    char mbuf[OTA_MANIFEST_MAX_SIZE];
} fleet_dev_t;

struct fleet {
    const bench_fleet_config_t *cfg;
    bench_fleet_result_t *out;
    fleet_dev_t *devs;
    uint32_t opened;
    posix_transport_curl_t tc;
    ota_transport_t tp;
    uint8_t stage; /* 0: the running version only; 1: the release at first_percent; 2: at 100 */
    char manifest_url[160];
    char image_url[2][160];
    char digest_hex[2][65];
};

size_t bench_fleet_device_id(uint32_t i, char *out, size_t cap)
{
    int n = snprintf(out, cap, "SN-%06u", (unsigned)i);
    return n < 0 ? 0u : (size_t)n < cap ? (size_t)n : cap - 1u;
}

static void on_event(void *arg, ota_service_event_t ev, const ota_service_event_data_t *data)
{
    fleet_dev_t *fd = arg;
    bench_fleet_result_t *o = fd->fleet->out;
    switch (ev) {
    case OTA_EVENT_CHECK_START:
        o->checks++;
        break;
    case OTA_EVENT_NO_UPDATE:
        o->not_modified += data->not_modified ? 1u : 0u;
        break;
    case OTA_EVENT_CHECK_FAILED:
    case OTA_EVENT_DOWNLOAD_FAILED:
    case OTA_EVENT_VERIFY_FAILED:
        o->failures++;
        break;
    case OTA_EVENT_UPDATE_READY:
        if (data->version == BENCH_FLEET_RELEASE && fd->stage == 0) {
            fd->stage = fd->fleet->stage;
        }
        break;
    default:
        break;
    }
}

/* Replace the manifest as an operator should (a new file renamed over the
 * old one), stamped with the simulated time t. */
static int publish(fleet_t *f, uint32_t t)
{
    const bench_fleet_config_t *c = f->cfg;
    char json[2048], tmp[TEST_SERVER_PATH_MAX], path[TEST_SERVER_PATH_MAX];
    int n = snprintf(json, sizeof json, "{\"ota\":[");
    int e = bench_manifest_entry(json + n, sizeof json - (size_t)n, BENCH_FLEET_RUNNING, f->image_url[0],
                                 f->digest_hex[0], -1);
    n = e < 0 ? e : n + e;
    if (n > 0 && f->stage > 0) {
        json[n++] = ',';
        e = bench_manifest_entry(json + n, sizeof json - (size_t)n, BENCH_FLEET_RELEASE, f->image_url[1],
                                 f->digest_hex[1], f->stage == 1 ? c->first_percent : 100);
        n = e < 0 ? e : n + e;
    }
    if (n < 0 || (size_t)n + 4u > sizeof json) {
        return OTA_ERR_TOO_LARGE;
    }
    n += snprintf(json + n, sizeof json - (size_t)n, "]}\n");
    int err = test_file_write(c->docroot, "manifest.json.tmp", json, (size_t)n, tmp, sizeof tmp);
    if (err != OTA_OK) {
        return err;
    }
    struct timespec ts[2] = { { .tv_sec = MTIME_ORIGIN + (time_t)t }, { .tv_sec = MTIME_ORIGIN + (time_t)t } };
    snprintf(path, sizeof path, "%s/manifest.json", c->docroot);
    if (utimensat(AT_FDCWD, tmp, ts, 0) != 0 || rename(tmp, path) != 0) {
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

static int dev_open(fleet_t *f, uint32_t i)
{
    const bench_fleet_config_t *c = f->cfg;
    fleet_dev_t *fd = &f->devs[i];
    fd->fleet = f;
    /* Seeds of their own: the same seed would give every device the same
     * jitter, and the fleet would poll in lockstep. */
    int err = bench_device_open_seeded(&fd->d, c->work, bench_device_nvm_for(c->image_size), BENCH_FLEET_RUNNING,
                                       c->image_size, (uint64_t)i + 1u);
    if (err != OTA_OK) {
        return err;
    }
    f->opened = i + 1u;
    posix_system_t *sys = &fd->d.dev.sys_posix;
    fd->id_len = bench_fleet_device_id(i, fd->id, sizeof fd->id);
    (void)posix_system_set_device_id(sys, fd->id, fd->id_len);
    (void)posix_system_fake_clock(sys, 0);
    ota_service_config_t *cfg = &fd->cfg;
    bench_service_config(&fd->d, cfg, f->manifest_url, fd->buf, sizeof fd->buf, fd->mbuf, sizeof fd->mbuf);
    cfg->periodic = true;
    cfg->interval_ms = c->interval_s * 1000u;
    /* A fleet is switched on over time, not at one instant: each device's
     * first check comes at a point of its first interval that its own
     * random source draws (after a reboot, the same delay again). */
    cfg->first_check_ms = fd->d.dev.sys.random(fd->d.dev.sys.ctx) % cfg->interval_ms;
    cfg->auto_reset = true;
    cfg->auto_confirm = true;
    if (!c->conditional) {
        cfg->full_check_every = 1;
    }
    cfg->on_event = on_event;
    cfg->event_arg = fd;
    fd->ports = (ota_service_ports_t){ &fd->d.dev.flash, &fd->d.dev.store, &f->tp, &fd->d.dev.crypto, &fd->d.dev.sys };
    return ota_service_init(&fd->svc, cfg, &fd->ports);
}

/* The service asked for a reset: the bootloader installs the release, the
 * service starts again on it. */
static int dev_reboot(fleet_dev_t *fd)
{
    ota_boot_result_t res;
    (void)sim_device_reboot(&fd->d.dev);
    int err = ota_boot_run(&fd->d.boot, &fd->d.dev.boot_cfg, &res);
    if (err == OTA_OK && res.version != BENCH_FLEET_RELEASE) {
        err = OTA_ERR_STATE;
    }
    return err == OTA_OK ? ota_service_init(&fd->svc, &fd->cfg, &fd->ports) : err;
}

/* Run a device's service until it waits for its timer. */
static int dev_run(fleet_dev_t *fd)
{
    for (uint32_t n = 0; n < TASK_LIMIT; n++) {
        int more = ota_service_task(&fd->svc);
        if (more < 0) {
            return more;
        }
        if (ota_service_state(&fd->svc) == OTA_SERVICE_RESET) {
            int err = dev_reboot(fd);
            if (err != OTA_OK) {
                return err;
            }
        } else if (more == 0) {
            return OTA_OK;
        }
    }
    return OTA_ERR_TIMEOUT;
}

/* One access log line (test_server.h's format) into the server's counts. */
static void log_line(const char *line, bench_fleet_result_t *out)
{
    int status = 0;
    char path[256];
    if (sscanf(line, "%*s %*s %*s %d \"%*s %255s", &status, path) != 2) {
        out->other++;
        return;
    }
    bench_fleet_server_t *k = strcmp(path, "/manifest.json") == 0 ? &out->manifest
                              : strncmp(path, "/app_v", 6) == 0   ? &out->image
                                                                  : NULL;
    if (k == NULL) {
        out->other++;
        return;
    }
    k->requests++;
    k->not_modified += status == 304 ? 1u : 0u;
    /* nginx writes "-" for a header the request did not carry. */
    k->conditional += strstr(line, " inm=\"-\"") == NULL || strstr(line, " ims=\"-\"") == NULL ? 1u : 0u;
    const char *s = strstr(line, " sent=");
    const char *r = strstr(line, " rlen=");
    k->sent += s != NULL ? strtoull(s + 6, NULL, 10) : 0u;
    k->received += r != NULL ? strtoull(r + 6, NULL, 10) : 0u;
}

/* The server's counts of the lines from byte `from` of the log on. */
static int log_read(const char *path, long from, bench_fleet_result_t *out)
{
    memset(&out->manifest, 0, sizeof out->manifest);
    memset(&out->image, 0, sizeof out->image);
    out->other = 0;
    FILE *fp = fopen(path, "r");
    if (fp == NULL || fseek(fp, from, SEEK_SET) != 0) {
        if (fp != NULL) {
            fclose(fp);
        }
        return OTA_ERR_IO;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, fp) > 0) {
        log_line(line, out);
    }
    free(line);
    fclose(fp);
    return OTA_OK;
}

/* nginx writes a request's line once the response has gone: give the last
 * one a moment before counting (up to 30 s of real time on a machine that
 * is very busy; it returns as soon as every request the transport made is
 * there). */
static int log_count(const char *path, long from, bench_fleet_result_t *out)
{
    int err = OTA_OK;
    for (int tries = 0; tries < 1500; tries++) {
        err = log_read(path, from, out);
        if (err != OTA_OK || out->manifest.requests + out->image.requests + out->other >= out->requests) {
            break;
        }
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return err;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : 0;
}

/* Each device holds its store directory open: 1,000 devices need more
 * descriptors than a shell's usual soft limit. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int fleet_setup(fleet_t *f)
{
    const bench_fleet_config_t *c = f->cfg;
    static const char *const names[2] = { "app_v1.bin", "app_v2.bin" };
    static const uint32_t versions[2] = { BENCH_FLEET_RUNNING, BENCH_FLEET_RELEASE };
    int err = OTA_OK;
    for (int i = 0; i < 2 && err == OTA_OK; i++) {
        err = bench_publish_image(c->docroot, names[i], versions[i], c->image_size, f->digest_hex[i]);
        test_server_url(f->image_url[i], sizeof f->image_url[i], c->base_url, names[i]);
    }
    test_server_url(f->manifest_url, sizeof f->manifest_url, c->base_url, "manifest.json");
    if (err == OTA_OK) {
        err = publish(f, 0);
    }
    if (err == OTA_OK) {
        err = posix_transport_curl_init(&f->tc, NULL, &f->tp);
    }
    for (uint32_t i = 0; i < c->devices && err == OTA_OK; i++) {
        err = dev_open(f, i);
        if (err != OTA_OK) {
            fprintf(stderr, "bench_fleet: device %u could not be made: %s\n", (unsigned)i, ota_err_name(err));
        }
    }
    return err;
}

/* The simulated period, a second at a time. */
static int fleet_day(fleet_t *f)
{
    const bench_fleet_config_t *c = f->cfg;
    bench_fleet_result_t *o = f->out;
    posix_transport_curl_stats_t st;
    uint64_t minute_start = 0;
    for (uint32_t t = 0; t < c->period_s; t++) {
        if (t == c->stage1_s || t == c->stage2_s) {
            if (t == c->stage2_s) {
                for (uint32_t i = 0; i < c->devices; i++) {
                    o->updated_stage1 += f->devs[i].stage == 1 ? 1u : 0u;
                }
            }
            f->stage++;
            int err = publish(f, t);
            if (err != OTA_OK) {
                fprintf(stderr, "bench_fleet: could not publish the manifest: %s\n", ota_err_name(err));
                return err;
            }
        }
        for (uint32_t i = 0; i < c->devices; i++) {
            fleet_dev_t *fd = &f->devs[i];
            if (t > 0) {
                (void)posix_system_advance(&fd->d.dev.sys_posix, 1000u);
            }
            int err = dev_run(fd);
            if (err != OTA_OK) {
                fprintf(stderr, "bench_fleet: device %u at %u s: %s\n", (unsigned)i, (unsigned)t, ota_err_name(err));
                return err;
            }
        }
        if (t % 60u == 59u || t + 1u == c->period_s) {
            posix_transport_curl_stats(&f->tc, NULL, &st);
            if (st.requests - minute_start > o->peak_minute) {
                o->peak_minute = st.requests - minute_start;
                o->peak_minute_at = t - t % 60u;
            }
            minute_start = st.requests;
        }
    }
    return OTA_OK;
}

int bench_fleet_run(const bench_fleet_config_t *cfg, bench_fleet_result_t *out)
{
    memset(out, 0, sizeof *out);
    if (cfg == NULL || cfg->devices == 0 || cfg->interval_s == 0 || cfg->interval_s > INT32_MAX / 1000u ||
        cfg->image_size == 0 || cfg->stage1_s >= cfg->stage2_s || cfg->stage2_s >= cfg->period_s) {
        return OTA_ERR_INVALID_ARG;
    }
    fleet_t f;
    memset(&f, 0, sizeof f);
    f.cfg = cfg;
    f.out = out;
    f.devs = calloc(cfg->devices, sizeof *f.devs);
    if (f.devs == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    raise_fd_limit();
    long log_from = cfg->access_log != NULL ? file_size(cfg->access_log) : 0;
    int err = fleet_setup(&f);
    double t0 = bench_now_s();
    if (err == OTA_OK) {
        err = fleet_day(&f);
    }
    out->wall_s = bench_now_s() - t0;
    posix_transport_curl_stats_t st;
    posix_transport_curl_stats(&f.tc, NULL, &st);
    out->requests = st.requests;
    out->wire_sent = st.wire_sent;
    out->wire_received = st.wire_received;
    for (uint32_t i = 0; i < f.opened; i++) {
        fleet_dev_t *fd = &f.devs[i];
        out->in_cohort += ota_rollout_includes(fd->id, fd->id_len, BENCH_FLEET_RELEASE, cfg->first_percent);
        out->updated += ota_service_running_version(&fd->svc) == BENCH_FLEET_RELEASE ? 1u : 0u;
        if (cfg->stage != NULL) {
            cfg->stage[i] = fd->stage;
        }
        int err2 = bench_device_close(&fd->d);
        err = err != OTA_OK ? err : err2;
    }
    posix_transport_curl_deinit(&f.tc);
    free(f.devs);
    if (cfg->access_log != NULL) {
        int err2 = log_count(cfg->access_log, log_from, out);
        err = err != OTA_OK ? err : err2;
    }
    return err;
}

/* A ready simulated device and a one-check service driver: see bench_device.h. */
#include "bench_device.h"
#include "test_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "crypto_host.h"
#include "ota_hex.h"

void bench_image(uint32_t version, uint8_t *out, uint32_t size)
{
    /* xorshift32: incompressible enough that no layer can shortcut it. */
    uint32_t x = version * 2654435761u + 0x5EED5u;
    for (uint32_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = (uint8_t)(x >> 7);
    }
}

/* A device with img (size bytes) factory-programmed as version golden, booted once. */
static int device_open(bench_device_t *d, const char *parent, uint32_t nvm_size, uint32_t golden, const uint8_t *img,
                       uint32_t size, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    if (snprintf(d->dir, sizeof d->dir, "%s/device-XXXXXX", parent) >= (int)sizeof d->dir || mkdtemp(d->dir) == NULL) {
        return OTA_ERR_IO;
    }
    snprintf(d->store_path, sizeof d->store_path, "%s/store", d->dir);
    d->cfg.store_path = d->store_path;
    d->cfg.nvm_size = nvm_size;
    d->cfg.sector_size = 4096u;
    d->cfg.write_unit = 16u;
    d->cfg.seed = seed;
    int err = sim_device_open(&d->dev, &d->cfg);
    if (err != OTA_OK) {
        return err;
    }
    (void)posix_system_set_log(&d->dev.sys_posix, OTA_LOG_ERROR, "bench", true, NULL, NULL);
    err = sim_device_factory_program(&d->dev, img, size, golden);
    if (err == OTA_OK) {
        ota_boot_result_t res;
        err = ota_boot_run(&d->boot, &d->dev.boot_cfg, &res);
        if (err == OTA_OK && res.version != golden) {
            err = OTA_ERR_STATE;
        }
    }
    return err;
}

int bench_device_open_image(bench_device_t *d, const char *parent, uint32_t nvm_size, uint32_t golden,
                            const uint8_t *img, uint32_t size)
{
    return device_open(d, parent, nvm_size, golden, img, size, 1);
}

int bench_device_open_seeded(bench_device_t *d, const char *parent, uint32_t nvm_size, uint32_t golden,
                             uint32_t golden_size, uint64_t seed)
{
    uint8_t *img = malloc(golden_size);
    if (img == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    bench_image(golden, img, golden_size);
    int err = device_open(d, parent, nvm_size, golden, img, golden_size, seed);
    free(img);
    return err;
}

int bench_device_open(bench_device_t *d, const char *parent, uint32_t nvm_size, uint32_t golden, uint32_t golden_size)
{
    return bench_device_open_seeded(d, parent, nvm_size, golden, golden_size, 1);
}

uint32_t bench_device_nvm_for(uint32_t image_size)
{
    /* The service refuses an image larger than the application region, which
     * starts after the boot control area's two 4 KiB sectors. */
    return (image_size + 4095u) / 4096u * 4096u + 2u * 4096u;
}

int bench_device_close(bench_device_t *d)
{
    int err = sim_device_close(&d->dev);
    int err2 = test_tmpdir_remove(d->dir);
    return err != OTA_OK ? err : err2;
}

int bench_publish_image(const char *docroot, const char *name, uint32_t version, uint32_t size, char digest_hex[65])
{
    uint8_t digest[OTA_SHA256_LEN];
    ota_crypto_t crypto;
    uint8_t *img = malloc(size ? size : 1u);
    if (img == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    bench_image(version, img, size);
    (void)posix_crypto_openssl(&crypto);
    int err = posix_crypto_sha256_buffer(&crypto, img, size, digest);
    if (err == OTA_OK) {
        err = test_file_write(docroot, name, img, size, NULL, 0);
    }
    free(img);
    if (err == OTA_OK) {
        ota_hex_encode(digest, sizeof digest, digest_hex);
    }
    return err;
}

int bench_manifest_entry(char *out, size_t cap, uint32_t version, const char *url, const char *digest_hex, int rollout)
{
    char extra[24] = "";
    if (rollout >= 0) {
        snprintf(extra, sizeof extra, ",\"Rollout\":%d", rollout);
    }
    int n = snprintf(out, cap, "{\"Version\":%u,\"URL\":\"%s\",\"Digest\":\"%s\",\"EraseVer\":false%s}",
                     (unsigned)version, url, digest_hex, extra);
    return n < 0 || (size_t)n >= cap ? OTA_ERR_TOO_LARGE : n;
}

int bench_write_manifest(const char *docroot, const char *name, uint32_t version, const char *url,
                         const char *digest_hex)
{
    char entry[900], json[1024];
    int n = bench_manifest_entry(entry, sizeof entry, version, url, digest_hex, -1);
    if (n < 0) {
        return n;
    }
    n = snprintf(json, sizeof json, "{\"ota\":[%s]}\n", entry);
    if (n < 0 || (size_t)n >= sizeof json) {
        return OTA_ERR_TOO_LARGE;
    }
    return test_file_write(docroot, name, json, (size_t)n, NULL, 0);
}

void bench_service_config(const bench_device_t *d, ota_service_config_t *cfg, const char *manifest_url, uint8_t *buf,
                          uint32_t buf_size, char *mbuf, uint32_t mbuf_size)
{
    ota_service_config_defaults(cfg);
    cfg->manifest_url = manifest_url;
    cfg->layout = d->dev.boot_cfg.layout;
    cfg->periodic = false;
    cfg->auto_update = true;
    cfg->auto_reset = false;
    cfg->buf = buf;
    cfg->buf_size = buf_size;
    cfg->manifest_buf = mbuf;
    cfg->manifest_max = mbuf_size;
}

static void on_event(void *arg, ota_service_event_t ev, const ota_service_event_data_t *data)
{
    bench_check_t *c = arg;
    switch (ev) {
    case OTA_EVENT_UPDATE_READY:
        c->ready = true;
        c->t_ready = bench_now_s();
        break;
    case OTA_EVENT_NO_UPDATE:
        c->no_update = true;
        c->not_modified = data->not_modified;
        break;
    case OTA_EVENT_DOWNLOAD_PROGRESS:
        if (c->on_progress != NULL) {
            c->on_progress(c->progress_arg, data->done, data->total);
        }
        break;
    case OTA_EVENT_CHECK_FAILED:
    case OTA_EVENT_DOWNLOAD_FAILED:
    case OTA_EVENT_VERIFY_FAILED:
    case OTA_EVENT_DATABASE_FULL:
        if (!data->patch) { /* a patch's failure is followed by the full image */
            c->failure = data->reason;
        }
        break;
    default:
        break;
    }
}

int bench_service_check(ota_service_t *svc, ota_service_config_t *cfg, const ota_service_ports_t *ports,
                        double timeout_s, bench_check_t *out)
{
    void (*hook)(void *, uint32_t, uint32_t) = out->on_progress;
    void *hook_arg = out->progress_arg;
    memset(out, 0, sizeof *out);
    out->on_progress = hook;
    out->progress_arg = hook_arg;
    cfg->on_event = on_event;
    cfg->event_arg = out;
    int err = ota_service_init(svc, cfg, ports);
    if (err != OTA_OK) {
        return err;
    }
    /* The start-up clean pass is not part of a check: finish it first. */
    double end = bench_now_s() + timeout_s;
    while (ota_service_task(svc) == 1) {
        if (bench_now_s() > end) {
            return OTA_ERR_TIMEOUT;
        }
    }
    out->t_start = bench_now_s();
    err = ota_service_check_now(svc);
    if (err != OTA_OK) {
        return err;
    }
    end = bench_now_s() + timeout_s;
    for (;;) {
        int more = ota_service_task(svc);
        out->task_calls++;
        if (more < 0) {
            return more;
        }
        ota_service_state_t st = ota_service_state(svc);
        if (more == 0 && (st == OTA_SERVICE_READY || st == OTA_SERVICE_IDLE || st == OTA_SERVICE_AVAILABLE)) {
            break;
        }
        if (bench_now_s() > end) {
            return OTA_ERR_TIMEOUT;
        }
    }
    out->t_end = bench_now_s();
    return OTA_OK;
}

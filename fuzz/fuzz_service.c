/*
 * Fuzz the service's HTTP-facing paths: everything a server sends (status,
 * announced length, body bytes, how they are chunked, when the connection
 * fails) comes from the fuzzer's input, through a scripted transport, into
 * the real service running on RAM flash and a RAM store.
 *
 * Input: [flags] then responses, one per GET, each
 *   [status selector][length mode][len lo][len hi] + len body bytes.
 * The selector's low 4 bits pick the status (304, 429 and 503 among them);
 * bits 4, 5 and 6 give the response an ETag, a Retry-After and a
 * Content-Range, each the first bytes of the body taken as text (the
 * service must read them without trusting them). When the input runs out,
 * a GET fails with OTA_ERR_NET. The device has a trusted time, so that a
 * Retry-After date is read too. The store can seek, so a manifest's Patch
 * records lead into the delta path: a base "v1" whose BaseVerDigest is the
 * running record's (all zeros) is read from flash, and the patch and the
 * rebuilt image are the fuzzer's bytes too.
 *
 * Invariants (trap on violation):
 *   - whenever "update ready" is reported, the published file's SHA-256
 *     equals its database row's digest, and the row is 0xFE;
 *   - no store handle is left open once the service is idle again;
 *   - the service never asks the store for a name that is not safe.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "ota_bootctl.h"
#include "ota_imgdb.h"
#include "sysota/ota_service.h"
#include "fuzz_check.h"

/* ---- RAM flash: NOR rules are not the point here, only a place for the record ---- */

#define FLASH_SIZE (8u * 4096u)
static uint8_t flash_mem[FLASH_SIZE];

static int flash_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    (void)ctx;
    if (addr > FLASH_SIZE || len > FLASH_SIZE - addr) {
        return OTA_ERR_RANGE;
    }
    memcpy(buf, flash_mem + addr, len);
    return OTA_OK;
}

static int flash_erase(void *ctx, uint32_t addr)
{
    (void)ctx;
    if (addr % 4096u != 0 || addr >= FLASH_SIZE) {
        return OTA_ERR_ALIGN;
    }
    memset(flash_mem + addr, 0xFF, 4096u);
    return OTA_OK;
}

static int flash_program(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    (void)ctx;
    if (addr > FLASH_SIZE || len > FLASH_SIZE - addr || addr % 16u || len % 16u) {
        return OTA_ERR_ALIGN;
    }
    const uint8_t *p = buf;
    for (uint32_t i = 0; i < len; i++) {
        if ((p[i] & ~flash_mem[addr + i]) != 0) {
            return OTA_ERR_FLASH_BITS;
        }
        flash_mem[addr + i] = p[i];
    }
    return OTA_OK;
}

/* ---- RAM store ----------------------------------------------------------------------- */

#define STORE_FILES 12
#define STORE_FILE_MAX 65536u
#define STORE_HANDLES 4

typedef struct ram_file {
    bool used;
    char name[OTA_STORE_NAME_MAX + 1];
    uint32_t size;
    uint8_t data[STORE_FILE_MAX];
} ram_file_t;

static ram_file_t files[STORE_FILES];
static struct {
    int file; /* -1: free */
    uint32_t pos;
    bool writing;
} handles[STORE_HANDLES];

static bool name_ok(const char *name)
{
    size_t n = strnlen(name, OTA_STORE_NAME_MAX + 1u);
    if (n == 0 || n > OTA_STORE_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (name[i] == '/' || (unsigned char)name[i] < 0x20u) {
            return false;
        }
    }
    return true;
}

static int file_find(const char *name)
{
    if (!name_ok(name)) {
        __builtin_trap(); /* the service must never pass an unsafe name */
    }
    for (int i = 0; i < STORE_FILES; i++) {
        if (files[i].used && strcmp(files[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

static int st_open(void *ctx, const char *name, unsigned flags)
{
    (void)ctx;
    int f = file_find(name);
    if (flags & OTA_STORE_READ) {
        if (f < 0) {
            return OTA_ERR_NOT_FOUND;
        }
    } else if (f < 0) {
        for (f = 0; f < STORE_FILES && files[f].used; f++) {
        }
        if (f == STORE_FILES) {
            return OTA_ERR_NO_SPACE;
        }
        files[f].used = true;
        strcpy(files[f].name, name);
        files[f].size = 0;
    } else if (flags & OTA_STORE_WRITE) {
        files[f].size = 0;
    }
    for (int h = 0; h < STORE_HANDLES; h++) {
        if (handles[h].file < 0) {
            handles[h].file = f;
            handles[h].writing = !(flags & OTA_STORE_READ);
            handles[h].pos = handles[h].writing ? files[f].size : 0;
            return h;
        }
    }
    return OTA_ERR_FULL;
}

static int st_read(void *ctx, int fh, void *buf, uint32_t len)
{
    (void)ctx;
    if (fh < 0 || fh >= STORE_HANDLES || handles[fh].file < 0) {
        return OTA_ERR_INVALID_ARG;
    }
    ram_file_t *f = &files[handles[fh].file];
    uint32_t n = f->size - handles[fh].pos < len ? f->size - handles[fh].pos : len;
    memcpy(buf, f->data + handles[fh].pos, n);
    handles[fh].pos += n;
    return (int)n;
}

static int st_write(void *ctx, int fh, const void *buf, uint32_t len)
{
    (void)ctx;
    if (fh < 0 || fh >= STORE_HANDLES || handles[fh].file < 0 || !handles[fh].writing) {
        return OTA_ERR_INVALID_ARG;
    }
    ram_file_t *f = &files[handles[fh].file];
    if (len > STORE_FILE_MAX - f->size) {
        return OTA_ERR_NO_SPACE;
    }
    memcpy(f->data + f->size, buf, len);
    f->size += len;
    handles[fh].pos = f->size;
    return OTA_OK;
}

static int st_sync(void *ctx, int fh)
{
    (void)ctx;
    return fh >= 0 && fh < STORE_HANDLES && handles[fh].file >= 0 ? OTA_OK : OTA_ERR_INVALID_ARG;
}

static int st_close(void *ctx, int fh)
{
    (void)ctx;
    if (fh < 0 || fh >= STORE_HANDLES || handles[fh].file < 0) {
        return OTA_ERR_INVALID_ARG;
    }
    handles[fh].file = -1;
    return OTA_OK;
}

/* Readers may seek (backwards too): the service then takes delta patches,
 * whose records come with the fuzzer's manifest like everything else. */
static int st_seek(void *ctx, int fh, uint32_t off)
{
    (void)ctx;
    if (fh < 0 || fh >= STORE_HANDLES || handles[fh].file < 0 || handles[fh].writing ||
        off > files[handles[fh].file].size) {
        return OTA_ERR_INVALID_ARG;
    }
    handles[fh].pos = off;
    return OTA_OK;
}

static int st_rename(void *ctx, const char *from, const char *to)
{
    (void)ctx;
    int f = file_find(from);
    if (f < 0) {
        return OTA_ERR_NOT_FOUND;
    }
    int t = file_find(to);
    if (t >= 0 && t != f) {
        files[t].used = false;
    }
    strcpy(files[f].name, to);
    return OTA_OK;
}

static int st_remove(void *ctx, const char *name)
{
    (void)ctx;
    int f = file_find(name);
    if (f < 0) {
        return OTA_ERR_NOT_FOUND;
    }
    files[f].used = false;
    return OTA_OK;
}

static int st_stat(void *ctx, const char *name, uint32_t *size)
{
    (void)ctx;
    int f = file_find(name);
    if (f < 0) {
        return OTA_ERR_NOT_FOUND;
    }
    *size = files[f].size;
    return OTA_OK;
}

static int st_list(void *ctx, ota_store_list_cb cb, void *arg)
{
    (void)ctx;
    for (int i = 0; i < STORE_FILES; i++) {
        if (files[i].used && cb(arg, files[i].name, files[i].size) != 0) {
            break;
        }
    }
    return OTA_OK;
}

/* ---- SHA-256 through mbedTLS, as on a device ---------------------------------------- */

static int sha_start(void *ctx, ota_sha256_t *s)
{
    (void)ctx;
    mbedtls_sha256_context *c = (mbedtls_sha256_context *)(void *)s->opaque.u64;
    mbedtls_sha256_init(c);
    return mbedtls_sha256_starts_ret(c, 0) == 0 ? OTA_OK : OTA_ERR_IO;
}

static int sha_update(void *ctx, ota_sha256_t *s, const void *data, size_t len)
{
    (void)ctx;
    mbedtls_sha256_context *c = (mbedtls_sha256_context *)(void *)s->opaque.u64;
    return mbedtls_sha256_update_ret(c, data, len) == 0 ? OTA_OK : OTA_ERR_IO;
}

static int sha_finish(void *ctx, ota_sha256_t *s, uint8_t out[OTA_SHA256_LEN])
{
    (void)ctx;
    mbedtls_sha256_context *c = (mbedtls_sha256_context *)(void *)s->opaque.u64;
    int r = mbedtls_sha256_finish_ret(c, out);
    mbedtls_sha256_free(c);
    return r == 0 ? OTA_OK : OTA_ERR_IO;
}

/* ---- the scripted server ------------------------------------------------------------- */

static const uint8_t *in;
static size_t in_len, in_pos;
static struct {
    bool open;
    int status;
    uint8_t headers;
    int64_t announced;
    const uint8_t *body;
    uint32_t body_len, sent;
    uint32_t rng;
} srv;

static uint8_t take(void)
{
    return in_pos < in_len ? in[in_pos++] : 0;
}

static int tp_get(void *ctx, const char *url, const ota_http_options_t *opt)
{
    (void)ctx;
    (void)url;
    static const int statuses[] = { 200, 206, 404, 500, 200, 416, 200, 302, 304, 429, 503, 200, 206, 200, 304, 200 };
    if (srv.open || in_pos + 4u > in_len) {
        return OTA_ERR_NET;
    }
    uint8_t selector = take();
    srv.status = statuses[selector & 15u];
    srv.headers = (uint8_t)(selector >> 4);
    uint8_t mode = take() & 3u;
    uint32_t n = take();
    n |= (uint32_t)take() << 8;
    if (n > in_len - in_pos) {
        n = (uint32_t)(in_len - in_pos);
    }
    srv.body = in + in_pos;
    srv.body_len = n;
    in_pos += n;
    srv.sent = 0;
    srv.announced = mode == 0 ? -1 : mode == 1 ? (int64_t)n : mode == 2 ? (int64_t)n / 2 : (int64_t)n + 100;
    srv.rng = n * 2654435761u + (opt ? opt->range_start : 0) + 1u;
    srv.open = true;
    return OTA_OK;
}

static int tp_response(void *ctx, ota_http_response_t *resp)
{
    (void)ctx;
    if (!srv.open) {
        return OTA_ERR_STATE;
    }
    resp->status = srv.status;
    resp->content_length = srv.announced;
    char *fields[3] = { resp->etag, resp->retry_after, resp->content_range };
    size_t caps[3] = { sizeof resp->etag, sizeof resp->retry_after, sizeof resp->content_range };
    for (int i = 0; i < 3; i++) {
        if (srv.headers & (1u << i)) {
            size_t n = srv.body_len < caps[i] - 1u ? srv.body_len : caps[i] - 1u;
            memcpy(fields[i], srv.body, n);
            fields[i][n] = '\0';
        }
    }
    return OTA_OK;
}

static int tp_read(void *ctx, void *buf, uint32_t cap)
{
    (void)ctx;
    if (!srv.open) {
        return OTA_ERR_STATE;
    }
    srv.rng ^= srv.rng << 13;
    srv.rng ^= srv.rng >> 17;
    srv.rng ^= srv.rng << 5;
    if (srv.rng % 11u == 0) {
        return OTA_ERR_AGAIN;
    }
    if (srv.sent == srv.body_len) {
        /* A body shorter than announced ends as curl reports it. */
        return srv.announced >= 0 && (int64_t)srv.sent < srv.announced ? OTA_ERR_SHORT_BODY : 0;
    }
    uint32_t n = 1u + srv.rng % 700u;
    if (n > cap) {
        n = cap;
    }
    if (n > srv.body_len - srv.sent) {
        n = srv.body_len - srv.sent;
    }
    memcpy(buf, srv.body + srv.sent, n);
    srv.sent += n;
    return (int)n;
}

static void tp_close(void *ctx)
{
    (void)ctx;
    srv.open = false;
}

/* ---- system --------------------------------------------------------------------------- */

static uint32_t clock_ms;
static bool reset_requested;

static uint32_t sys_now(void *ctx)
{
    (void)ctx;
    return clock_ms;
}

static uint32_t sys_random(void *ctx)
{
    (void)ctx;
    return 12345u;
}

static int sys_utc(void *ctx, uint64_t *seconds)
{
    (void)ctx;
    *seconds = 1796188770u + clock_ms / 1000u;
    return OTA_OK;
}

static void sys_reset(void *ctx)
{
    (void)ctx;
    reset_requested = true;
}

/* ---- invariants ------------------------------------------------------------------------ */

static const ota_store_t store = { NULL,      st_open,   st_read, st_write, st_sync, st_close,
                                   st_rename, st_remove, st_stat, st_list,  st_seek };
static const ota_crypto_t crypto = { NULL, sha_start, sha_update, sha_finish, NULL };

static void on_event(void *arg, ota_service_event_t ev, const ota_service_event_data_t *data)
{
    (void)arg;
    if (ev != OTA_EVENT_UPDATE_READY) {
        return;
    }
    ota_db_t db;
    if (ota_db_load(&db, &store, NULL) != OTA_OK) {
        __builtin_trap();
    }
    ota_db_row_t *row = ota_db_find_version(&db, data->version);
    if (row == NULL || row->status != OTA_STATUS_DOWNLOADED) {
        __builtin_trap();
    }
    int f = file_find(row->name);
    if (f < 0) {
        __builtin_trap();
    }
    uint8_t digest[OTA_SHA256_LEN];
    mbedtls_sha256_ret(files[f].data, files[f].size, digest, 0);
    if (memcmp(digest, row->digest, OTA_SHA256_LEN) != 0) {
        __builtin_trap(); /* published something that was not verified */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[3072]; /* room for a delta decoder's state and a work buffer */
    if (size < 1) {
        return 0;
    }
    in = data;
    in_len = size;
    in_pos = 0;
    memset(&srv, 0, sizeof srv);
    memset(files, 0, sizeof files);
    for (int h = 0; h < STORE_HANDLES; h++) {
        handles[h].file = -1;
    }
    memset(flash_mem, 0xFF, sizeof flash_mem);
    clock_ms = 1000;
    reset_requested = false;

    /* The device runs v1, confirmed. */
    ota_bootctl_record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.status = OTA_STATUS_VALID;
    rec.type = OTA_TYPE_FACTORY;
    rec.version = 1;
    rec.size = 16;
    rec.boot_addr = 8192;
    rec.golden_version = 1;
    rec.golden_size = 16;
    uint8_t slot[OTA_BOOTCTL_BUF_SIZE];
    int rec_len = ota_bootctl_encode(&rec, OTA_BOOTCTL_SLOT_MIN, slot, sizeof slot);
    CHECK(rec_len > 0);
    memcpy(flash_mem, slot, (size_t)rec_len);

    ota_flash_t flash = {
        .size = FLASH_SIZE,
        .sector_size = 4096,
        .write_unit = 16,
        .read = flash_read,
        .erase = flash_erase,
        .program = flash_program,
    };
    ota_transport_t transport = { NULL, tp_get, tp_response, tp_read, tp_close };
    /* no log */
    ota_system_t sys = { .now_ms = sys_now, .random = sys_random, .reset = sys_reset, .utc_time = sys_utc };
    ota_service_ports_t ports = { &flash, &store, &transport, &crypto, &sys };

    uint8_t flags = take();
    ota_service_config_t cfg;
    ota_service_config_defaults(&cfg);
    cfg.manifest_url = "http://updates.example/manifest.json";
    cfg.layout.bootctl_addr = 0; /* two sectors */
    cfg.layout.app_addr = 8192;
    cfg.layout.app_size = FLASH_SIZE - 8192;
    cfg.periodic = (flags & 0x80u) != 0; /* the backoff's schedule, driven by the failures */
    cfg.interval_ms = 60000;
    cfg.auto_update = (flags & 1u) != 0;
    cfg.resume = (flags & 2u) != 0;
    cfg.auto_reset = (flags & 4u) != 0;
    cfg.max_images = (uint8_t)(2u + ((flags >> 3) & 3u));
    cfg.buf = buf;
    cfg.buf_size = (flags & 0x20u) ? 64u : sizeof buf;
    cfg.manifest_max = (flags & 0x40u) ? 512u : 1024u;
    cfg.idle_timeout_ms = 5000;
    cfg.on_event = on_event;

    static ota_service_t svc;
    if (ota_service_init(&svc, &cfg, &ports) != OTA_OK) {
        return 0;
    }
    /* Two checks, and a manual go when auto-update is off. */
    for (int round = 0; round < 2 && !reset_requested; round++) {
        (void)ota_service_check_now(&svc);
        for (int i = 0; i < 4000 && !reset_requested; i++) {
            int busy = ota_service_task(&svc);
            clock_ms += 50;
            if (ota_service_state(&svc) == OTA_SERVICE_AVAILABLE) {
                (void)ota_service_download_now(&svc);
            } else if (ota_service_state(&svc) == OTA_SERVICE_READY) {
                (void)ota_service_reset_now(&svc);
            } else if (busy == 0 && ota_service_state(&svc) == OTA_SERVICE_IDLE) {
                break;
            }
        }
        if (!reset_requested && ota_service_state(&svc) == OTA_SERVICE_IDLE) {
            for (int h = 0; h < STORE_HANDLES; h++) {
                if (handles[h].file >= 0) {
                    __builtin_trap(); /* idle with a store handle still open */
                }
            }
        }
    }
    return 0;
}

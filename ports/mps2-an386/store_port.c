/*
 * The board's store port (see store_port.h), with the contract of
 * sysota/ota_port.h:
 *  - data is durable once sync() returned: here once write() returned,
 *    since every semihosting write reaches the host file at once;
 *  - rename() and remove() are the host's rename(2) and remove(3): atomic,
 *    rename replacing its target;
 *  - open with OTA_STORE_WRITE truncates at once.
 * Each mutating call (open for writing, write, sync, close of a writer,
 * rename, remove) is one operation of the power-cut hook, as in the
 * simulator's store: after operation cut=N the run ends with the folder
 * holding what was done before it.
 */
#include "store_port.h"

#include <stdbool.h>
#include <string.h>

#include "board.h"
#include "semihost.h"

#define MAX_HANDLES 2
#define MAX_NAMES 24
#define PATH_MAX_LEN (sizeof MPS2_STORE_DIR + OTA_STORE_NAME_MAX + 8)
#define INDEX_FILE MPS2_STORE_DIR "/#index"
#define INDEX_NEW MPS2_STORE_DIR "/#index.new"

static struct {
    int fh;
    unsigned flags;
} handles[MAX_HANDLES] = { { -1, 0 }, { -1, 0 } };

static char names[MAX_NAMES][OTA_STORE_NAME_MAX + 1];
static bool index_loaded;

static int path_of(const char *name, char out[PATH_MAX_LEN])
{
    const char *end = memchr(name, '\0', OTA_STORE_NAME_MAX + 1);
    size_t n = end != NULL ? (size_t)(end - name) : 0u;
    if (n == 0) {
        return OTA_ERR_NAME;
    }
    memcpy(out, MPS2_STORE_DIR "/", sizeof MPS2_STORE_DIR);
    memcpy(out + sizeof MPS2_STORE_DIR, name, n + 1);
    return OTA_OK;
}

/* ---- the index of names ---------------------------------------------------- */

static int index_load(void)
{
    static char text[MAX_NAMES * (OTA_STORE_NAME_MAX + 1) + 1];
    if (index_loaded) {
        return OTA_OK;
    }
    memset(names, 0, sizeof names);
    int fh = semihost_open(INDEX_FILE, SEMIHOST_RB);
    if (fh >= 0) {
        int32_t n = semihost_read(fh, text, sizeof text - 1u);
        (void)semihost_close(fh);
        if (n < 0) {
            return OTA_ERR_IO;
        }
        text[n] = '\0';
        int i = 0;
        for (char *p = text; *p != '\0' && i < MAX_NAMES;) {
            size_t len = strcspn(p, "\n");
            if (len > 0 && len <= OTA_STORE_NAME_MAX) {
                memcpy(names[i++], p, len);
            }
            p += len + (p[len] == '\n');
        }
    }
    index_loaded = true;
    return OTA_OK;
}

/* The whole index, written beside and renamed over the old one. */
static int index_save(void)
{
    int fh = semihost_open(INDEX_NEW, SEMIHOST_WB);
    if (fh < 0) {
        return OTA_ERR_IO;
    }
    int err = OTA_OK;
    for (int i = 0; i < MAX_NAMES && err == OTA_OK; i++) {
        if (names[i][0] != '\0' &&
            (semihost_write(fh, names[i], (uint32_t)strlen(names[i])) != 0 || semihost_write(fh, "\n", 1) != 0)) {
            err = OTA_ERR_IO;
        }
    }
    if (semihost_close(fh) != 0 || err != OTA_OK || semihost_rename(INDEX_NEW, INDEX_FILE) != 0) {
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

static int index_find(const char *name)
{
    for (int i = 0; i < MAX_NAMES; i++) {
        if (strcmp(names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

/* Before a file of this name may exist. */
static int index_add(const char *name)
{
    int err = index_load();
    if (err != OTA_OK || index_find(name) >= 0) {
        return err;
    }
    int i = index_find("");
    if (i < 0) {
        return OTA_ERR_NO_SPACE;
    }
    memcpy(names[i], name, strlen(name) + 1);
    return index_save();
}

/* Once no file of this name exists. */
static int index_drop(const char *name)
{
    int i = index_find(name);
    if (i < 0) {
        return OTA_OK;
    }
    names[i][0] = '\0';
    return index_save();
}

static int file_size(const char *name, uint32_t *size)
{
    char path[PATH_MAX_LEN];
    int err = path_of(name, path);
    if (err != OTA_OK) {
        return err;
    }
    int fh = semihost_open(path, SEMIHOST_RB);
    if (fh < 0) {
        return OTA_ERR_NOT_FOUND;
    }
    int32_t len = semihost_flen(fh);
    (void)semihost_close(fh);
    if (len < 0) {
        return OTA_ERR_IO;
    }
    *size = (uint32_t)len;
    return OTA_OK;
}

/* ---- the ota_store_t functions ------------------------------------------ */

static bool is_writer(int h)
{
    return (handles[h].flags & (OTA_STORE_WRITE | OTA_STORE_APPEND)) != 0u;
}

static int handle_ok(int h)
{
    return h >= 0 && h < MAX_HANDLES && handles[h].fh >= 0 ? OTA_OK : OTA_ERR_INVALID_ARG;
}

static int st_open(void *ctx, const char *name, unsigned flags)
{
    (void)ctx;
    char path[PATH_MAX_LEN];
    int err = path_of(name, path);
    if (err != OTA_OK) {
        return err;
    }
    if (flags != OTA_STORE_READ && flags != OTA_STORE_WRITE && flags != OTA_STORE_APPEND) {
        return OTA_ERR_INVALID_ARG;
    }
    int h = 0;
    while (h < MAX_HANDLES && handles[h].fh >= 0) {
        h++;
    }
    if (h == MAX_HANDLES) {
        return OTA_ERR_FULL;
    }
    if (flags != OTA_STORE_READ) {
        err = index_add(name);
        if (err != OTA_OK) {
            return err;
        }
    }
    unsigned mode = flags == OTA_STORE_READ ? SEMIHOST_RB : flags == OTA_STORE_WRITE ? SEMIHOST_WB : SEMIHOST_AB;
    int fh = semihost_open(path, mode);
    if (flags != OTA_STORE_READ) {
        mps2_power_op();
    }
    if (fh < 0) {
        return flags == OTA_STORE_READ ? OTA_ERR_NOT_FOUND : OTA_ERR_IO;
    }
    handles[h].fh = fh;
    handles[h].flags = flags;
    return h;
}

static int st_read(void *ctx, int h, void *buf, uint32_t len)
{
    (void)ctx;
    if (handle_ok(h) != OTA_OK || is_writer(h)) {
        return OTA_ERR_INVALID_ARG;
    }
    if (len > (uint32_t)INT32_MAX) {
        len = (uint32_t)INT32_MAX;
    }
    int32_t n = semihost_read(handles[h].fh, buf, len);
    return n < 0 ? OTA_ERR_IO : (int)n;
}

static int st_write(void *ctx, int h, const void *buf, uint32_t len)
{
    (void)ctx;
    if (handle_ok(h) != OTA_OK || !is_writer(h)) {
        return OTA_ERR_INVALID_ARG;
    }
    int err = len == 0u || semihost_write(handles[h].fh, buf, len) == 0 ? OTA_OK : OTA_ERR_IO;
    mps2_power_op();
    return err;
}

static int st_sync(void *ctx, int h)
{
    (void)ctx;
    int err = handle_ok(h);
    if (err == OTA_OK && is_writer(h)) {
        mps2_power_op(); /* nothing to wait for: every write is already in the host file */
    }
    return err;
}

static int st_close(void *ctx, int h)
{
    (void)ctx;
    int err = handle_ok(h);
    if (err != OTA_OK) {
        return err;
    }
    bool writer = is_writer(h);
    err = semihost_close(handles[h].fh) == 0 ? OTA_OK : OTA_ERR_IO;
    handles[h].fh = -1;
    if (writer) {
        mps2_power_op();
    }
    return err;
}

static int st_rename(void *ctx, const char *from, const char *to)
{
    (void)ctx;
    char pfrom[PATH_MAX_LEN];
    char pto[PATH_MAX_LEN];
    uint32_t size;
    if (path_of(from, pfrom) != OTA_OK || path_of(to, pto) != OTA_OK) {
        return OTA_ERR_NAME;
    }
    int err = file_size(from, &size);
    if (err == OTA_OK) {
        err = index_add(to);
    }
    if (err != OTA_OK) {
        return err;
    }
    err = semihost_rename(pfrom, pto) == 0 ? OTA_OK : OTA_ERR_IO;
    mps2_power_op();
    return err == OTA_OK ? index_drop(from) : err;
}

static int st_remove(void *ctx, const char *name)
{
    (void)ctx;
    char path[PATH_MAX_LEN];
    uint32_t size;
    int err = path_of(name, path);
    if (err == OTA_OK) {
        err = file_size(name, &size);
    }
    if (err != OTA_OK) {
        return err;
    }
    err = semihost_remove(path) == 0 ? OTA_OK : OTA_ERR_IO;
    mps2_power_op();
    if (err == OTA_OK) {
        err = index_load();
    }
    return err == OTA_OK ? index_drop(name) : err;
}

static int st_stat(void *ctx, const char *name, uint32_t *size)
{
    (void)ctx;
    return file_size(name, size);
}

static int st_list(void *ctx, ota_store_list_cb cb, void *arg)
{
    (void)ctx;
    int err = index_load();
    for (int i = 0; i < MAX_NAMES && err == OTA_OK; i++) {
        uint32_t size;
        if (names[i][0] != '\0' && file_size(names[i], &size) == OTA_OK && cb(arg, names[i], size) != 0) {
            break;
        }
    }
    return err;
}

int mps2_store_port(ota_store_t *out)
{
    memset(out, 0, sizeof *out);
    out->open = st_open;
    out->read = st_read;
    out->write = st_write;
    out->sync = st_sync;
    out->close = st_close;
    out->rename = st_rename;
    out->remove = st_remove;
    out->stat = st_stat;
    out->list = st_list;
    return OTA_OK;
}

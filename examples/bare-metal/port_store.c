/*
 * External store port: the file system holding the images and the image
 * database. Here a few RAM files stand for it; on a board this is a thin
 * layer over littlefs (on SPI NOR) or FatFs (on an SD card), whose
 * guarantees must match the ones repeated above each function.
 */
#include <stdbool.h>
#include <string.h>

#include "ports.h"

#define STORE_FILES 8
#define STORE_FILE_MAX (24u * 1024u)

typedef struct ram_file {
    bool used;
    char name[OTA_STORE_NAME_MAX + 1];
    uint32_t size;
    uint8_t data[STORE_FILE_MAX];
} ram_file_t;

static ram_file_t files[STORE_FILES];

/* The core holds one handle at a time, four while it applies a delta patch
 * (the patch, the base, the new image and a reader of it). */
#define STORE_HANDLES 4

static struct {
    ram_file_t *file; /* NULL: closed */
    uint32_t pos;
    bool writable;
} handles[STORE_HANDLES];

/* The open handle fh, or NULL. */
static ram_file_t *open_file(int fh)
{
    return fh >= 0 && fh < STORE_HANDLES ? handles[fh].file : NULL;
}

static ram_file_t *find(const char *name)
{
    for (int i = 0; i < STORE_FILES; i++) {
        if (files[i].used && strcmp(files[i].name, name) == 0) {
            return &files[i];
        }
    }
    return NULL;
}

static ram_file_t *create(const char *name)
{
    if (strlen(name) > OTA_STORE_NAME_MAX) {
        return NULL;
    }
    for (int i = 0; i < STORE_FILES; i++) {
        if (!files[i].used) {
            files[i].used = true;
            strcpy(files[i].name, name);
            files[i].size = 0;
            return &files[i];
        }
    }
    return NULL;
}

/*
 * Open name with exactly one of OTA_STORE_READ (an existing file, from its
 * start; OTA_ERR_NOT_FOUND if none), OTA_STORE_WRITE (create, or truncate at
 * once) or OTA_STORE_APPEND (open or create, write at the end). Returns a
 * handle >= 0. Names are flat, at most OTA_STORE_NAME_MAX bytes of
 * letters, digits and "._+~-" (FAT-safe). littlefs: lfs_file_open with
 * LFS_O_RDONLY, LFS_O_WRONLY | LFS_O_CREAT | LFS_O_TRUNC, or
 * LFS_O_WRONLY | LFS_O_CREAT | LFS_O_APPEND.
 */
static int st_open(void *ctx, const char *name, unsigned flags)
{
    (void)ctx;
    ram_file_t *f = find(name);
    int fh = 0;
    while (fh < STORE_HANDLES && handles[fh].file != NULL) {
        fh++;
    }
    if (fh == STORE_HANDLES) {
        return OTA_ERR_FULL;
    }
    if (flags == OTA_STORE_READ) {
        if (f == NULL) {
            return OTA_ERR_NOT_FOUND;
        }
    } else if (flags == OTA_STORE_WRITE || flags == OTA_STORE_APPEND) {
        if (f == NULL && (f = create(name)) == NULL) {
            return strlen(name) > OTA_STORE_NAME_MAX ? OTA_ERR_NAME : OTA_ERR_NO_SPACE;
        }
        if (flags == OTA_STORE_WRITE) {
            f->size = 0;
        }
    } else {
        return OTA_ERR_INVALID_ARG;
    }
    handles[fh].file = f;
    handles[fh].pos = flags == OTA_STORE_APPEND ? f->size : 0u;
    handles[fh].writable = flags != OTA_STORE_READ;
    return fh;
}

/* Read up to len bytes: the count read, 0 at the end of the file. */
static int st_read(void *ctx, int fh, void *buf, uint32_t len)
{
    (void)ctx;
    if (open_file(fh) == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    uint32_t left = handles[fh].file->size - handles[fh].pos;
    uint32_t n = len < left ? len : left;
    memcpy(buf, handles[fh].file->data + handles[fh].pos, n);
    handles[fh].pos += n;
    return (int)n;
}

/* Move a reader to byte off (at most the file's size). littlefs: lfs_file_seek; FatFs: f_lseek. */
static int st_seek(void *ctx, int fh, uint32_t off)
{
    (void)ctx;
    if (open_file(fh) == NULL || handles[fh].writable || off > handles[fh].file->size) {
        return OTA_ERR_INVALID_ARG;
    }
    handles[fh].pos = off;
    return OTA_OK;
}

/* Write all len bytes or fail; OTA_ERR_NO_SPACE when the store is full. */
static int st_write(void *ctx, int fh, const void *buf, uint32_t len)
{
    (void)ctx;
    if (open_file(fh) == NULL || !handles[fh].writable) {
        return OTA_ERR_INVALID_ARG;
    }
    if (len > STORE_FILE_MAX - handles[fh].pos) {
        return OTA_ERR_NO_SPACE;
    }
    memcpy(handles[fh].file->data + handles[fh].pos, buf, len);
    handles[fh].pos += len;
    if (handles[fh].pos > handles[fh].file->size) {
        handles[fh].file->size = handles[fh].pos;
    }
    return OTA_OK;
}

/*
 * Make everything written on fh durable: after a power cut the data up to
 * here is intact (data not yet synced may lose any suffix, never change
 * synced bytes). littlefs: lfs_file_sync; FatFs: f_sync. RAM: nothing to do.
 */
static int st_sync(void *ctx, int fh)
{
    (void)ctx;
    return open_file(fh) != NULL ? OTA_OK : OTA_ERR_INVALID_ARG;
}

/* Release fh; it does not imply a sync (the core syncs when it matters). */
static int st_close(void *ctx, int fh)
{
    (void)ctx;
    if (open_file(fh) == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    handles[fh].file = NULL;
    return OTA_OK;
}

/*
 * Rename from to to, replacing to: atomic and durable when it returns
 * (after a cut, exactly the old or the new state; the new one once OTA_OK
 * was returned). The core's update order rests on it. littlefs's
 * lfs_rename is; FatFs's f_rename refuses an existing target, and removing
 * it first is not atomic: a cut in between leaves neither name.
 */
static int st_rename(void *ctx, const char *from, const char *to)
{
    (void)ctx;
    ram_file_t *f = find(from);
    ram_file_t *old = find(to);
    if (f == NULL) {
        return OTA_ERR_NOT_FOUND;
    }
    if (strlen(to) > OTA_STORE_NAME_MAX) {
        return OTA_ERR_NAME;
    }
    if (old != NULL && old != f) {
        old->used = false;
    }
    strcpy(f->name, to);
    return OTA_OK;
}

/* Remove name, atomically and durably; OTA_ERR_NOT_FOUND if absent. */
static int st_remove(void *ctx, const char *name)
{
    (void)ctx;
    ram_file_t *f = find(name);
    if (f == NULL) {
        return OTA_ERR_NOT_FOUND;
    }
    f->used = false;
    return OTA_OK;
}

/* The size of name in *size; OTA_ERR_NOT_FOUND if absent. */
static int st_stat(void *ctx, const char *name, uint32_t *size)
{
    (void)ctx;
    const ram_file_t *f = find(name);
    if (f == NULL) {
        return OTA_ERR_NOT_FOUND;
    }
    *size = f->size;
    return OTA_OK;
}

/*
 * cb(arg, name, size) for every file, in any order, until cb returns
 * non-zero. The core never calls the store from inside cb.
 */
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

const ota_store_t port_store = {
    .ctx = NULL,
    .open = st_open,
    .read = st_read,
    .write = st_write,
    .sync = st_sync,
    .close = st_close,
    .rename = st_rename,
    .remove = st_remove,
    .stat = st_stat,
    .list = st_list,
    .seek = st_seek,
};

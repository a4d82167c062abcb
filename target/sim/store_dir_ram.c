/*
 * store_dir.h in RAM, for the target build: the simulator (src/sim) and
 * the tests' fixtures open "directories" by path as on the host, and this
 * keeps their files in the heap instead of host folders. The contract is
 * the host store's, call for call: the store name rule (OTA_ERR_NAME),
 * one of READ, WRITE, APPEND, a fixed handle table (OTA_ERR_FULL),
 * sequential reads and writes, the capacity (OTA_ERR_NO_SPACE, nothing
 * written), rename replacing its target, remove and stat of a missing file
 * OTA_ERR_NOT_FOUND. Every change is "durable" at once (RAM never loses
 * power here; the simulator's store wrapper models what a cut loses).
 *
 * A directory outlives posix_store_dir_close (a fixture reopens the same
 * path and finds its files) until test_tmpdir_remove drops it.
 */
#include "store_dir_impl.h"

#include <stdlib.h>
#include <string.h>

#include "ram_dirs.h"

/* One file: its bytes and where it is. An open handle keeps a removed or
 * replaced file alive (as an open host file is) until it is closed. */
typedef struct ram_file {
    char name[OTA_STORE_NAME_MAX + 1];
    int dir; /* index in dirs, -1 once unlinked */
    uint8_t *data;
    uint32_t size, cap;
    int opens;
} ram_file_t;

/* What a handle's fd is: an open file and the position in it. */
typedef struct ram_open {
    ram_file_t *file;
    uint32_t pos;
} ram_open_t;

#define RAM_MAX_DIRS 64
#define RAM_MAX_FILES 256
#define RAM_MAX_OPEN 32

static char *dirs[RAM_MAX_DIRS];         /* path of each live directory, NULL: free */
static ram_file_t *files[RAM_MAX_FILES]; /* every file, linked or held open */
static ram_open_t opens[RAM_MAX_OPEN];   /* file NULL: free */

static void file_release(ram_file_t *f)
{
    if (f->dir < 0 && f->opens == 0) {
        for (int i = 0; i < RAM_MAX_FILES; i++) {
            if (files[i] == f) {
                files[i] = NULL;
            }
        }
        free(f->data);
        free(f);
    }
}

static void file_unlink(ram_file_t *f)
{
    f->dir = -1;
    file_release(f);
}

static ram_file_t *file_find(int dir, const char *name)
{
    for (int i = 0; i < RAM_MAX_FILES; i++) {
        if (files[i] != NULL && files[i]->dir == dir && strcmp(files[i]->name, name) == 0) {
            return files[i];
        }
    }
    return NULL;
}

static ram_file_t *file_create(int dir, const char *name)
{
    for (int i = 0; i < RAM_MAX_FILES; i++) {
        if (files[i] == NULL) {
            ram_file_t *f = calloc(1, sizeof *f);
            if (f == NULL) {
                return NULL;
            }
            memcpy(f->name, name, strlen(name) + 1);
            f->dir = dir;
            files[i] = f;
            return f;
        }
    }
    return NULL;
}

static int dir_find(const char *path, bool create)
{
    int free_slot = -1;
    for (int i = 0; i < RAM_MAX_DIRS; i++) {
        if (dirs[i] != NULL && strcmp(dirs[i], path) == 0) {
            return i;
        }
        if (dirs[i] == NULL && free_slot < 0) {
            free_slot = i;
        }
    }
    if (!create || free_slot < 0) {
        return -1;
    }
    size_t n = strlen(path) + 1;
    dirs[free_slot] = malloc(n);
    if (dirs[free_slot] == NULL) {
        return -1;
    }
    memcpy(dirs[free_slot], path, n);
    return free_slot;
}

/* True when path is prefix itself or lies under it. */
static bool under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int ram_dirs_remove(const char *prefix)
{
    int found = OTA_ERR_NOT_FOUND;
    for (int d = 0; d < RAM_MAX_DIRS; d++) {
        if (dirs[d] == NULL || !under(dirs[d], prefix)) {
            continue;
        }
        for (int i = 0; i < RAM_MAX_FILES; i++) {
            if (files[i] != NULL && files[i]->dir == d) {
                file_unlink(files[i]);
            }
        }
        free(dirs[d]);
        dirs[d] = NULL;
        found = OTA_OK;
    }
    return found;
}

/* The open handle fh: its open file and its flags. */
static int handle_enter(posix_store_dir_t *st, int fh, ram_open_t **o, unsigned *flags)
{
    posix_store_dir_handle_t *h;
    int rc = posix_store_dir_handle(st, fh, &h);
    if (rc == OTA_OK) {
        *o = &opens[h->fd];
        *flags = h->flags;
    }
    return rc;
}

/* The file called name in st's directory: OTA_ERR_NAME, OTA_ERR_NOT_FOUND or OTA_OK. */
static int named_file(posix_store_dir_t *st, const char *name, ram_file_t **f)
{
    int rc = posix_store_dir_check_name(name);
    if (rc != OTA_OK) {
        return rc;
    }
    *f = file_find(st->dirfd, name);
    return *f != NULL ? OTA_OK : OTA_ERR_NOT_FOUND;
}

/* ---- the ota_store_t functions ------------------------------------------ */

static int ram_open(void *ctx, const char *name, unsigned flags)
{
    posix_store_dir_t *st = ctx;
    int slot = posix_store_dir_open_slot(st, name, flags);
    if (slot < 0) {
        return slot;
    }
    int fd = 0;
    while (fd < RAM_MAX_OPEN && opens[fd].file != NULL) {
        fd++;
    }
    if (fd == RAM_MAX_OPEN) {
        return OTA_ERR_FULL;
    }
    ram_file_t *f = file_find(st->dirfd, name);
    if (f == NULL) {
        if (flags == OTA_STORE_READ) {
            return OTA_ERR_NOT_FOUND;
        }
        f = file_create(st->dirfd, name);
        if (f == NULL) {
            return OTA_ERR_NO_SPACE;
        }
    } else if (flags == OTA_STORE_WRITE) {
        st->used -= f->size;
        f->size = 0;
    }
    f->opens++;
    opens[fd].file = f;
    opens[fd].pos = flags == OTA_STORE_APPEND ? f->size : 0u;
    st->handles[slot].fd = fd;
    st->handles[slot].flags = flags;
    memcpy(st->handles[slot].name, name, strlen(name) + 1);
    return slot;
}

static int ram_read(void *ctx, int fh, void *buf, uint32_t len)
{
    ram_open_t *o;
    unsigned flags;
    int rc = handle_enter(ctx, fh, &o, &flags);
    if (rc != OTA_OK) {
        return rc;
    }
    if (flags != OTA_STORE_READ || (buf == NULL && len > 0)) {
        return OTA_ERR_INVALID_ARG;
    }
    uint32_t left = o->pos < o->file->size ? o->file->size - o->pos : 0u;
    uint32_t n = len < left ? len : left;
    if (n > (uint32_t)INT32_MAX) {
        n = (uint32_t)INT32_MAX;
    }
    memcpy(buf, o->file->data + o->pos, n);
    o->pos += n;
    return (int)n;
}

static int ram_write(void *ctx, int fh, const void *buf, uint32_t len)
{
    posix_store_dir_t *st = ctx;
    ram_open_t *o;
    unsigned flags;
    int rc = handle_enter(st, fh, &o, &flags);
    if (rc != OTA_OK) {
        return rc;
    }
    if (flags == OTA_STORE_READ || (buf == NULL && len > 0)) {
        return OTA_ERR_INVALID_ARG;
    }
    if (len == 0) {
        return OTA_OK;
    }
    ram_file_t *f = o->file;
    if (flags == OTA_STORE_APPEND) {
        o->pos = f->size;
    }
    uint64_t end = (uint64_t)o->pos + len;
    uint64_t grows = end > f->size ? end - f->size : 0u;
    if (end > UINT32_MAX || !posix_store_dir_fits(st, grows)) {
        return OTA_ERR_NO_SPACE;
    }
    if (end > f->cap) {
        uint32_t cap = f->cap != 0u ? f->cap : 256u;
        while (cap < end) {
            cap = cap > UINT32_MAX / 2u ? UINT32_MAX : cap * 2u;
        }
        uint8_t *p = realloc(f->data, cap);
        if (p == NULL) {
            return OTA_ERR_NO_SPACE;
        }
        f->data = p;
        f->cap = cap;
    }
    memcpy(f->data + o->pos, buf, len);
    o->pos = (uint32_t)end;
    if (end > f->size) {
        f->size = (uint32_t)end;
    }
    if (f->dir >= 0) {
        st->used += grows;
    }
    return OTA_OK;
}

static int ram_sync(void *ctx, int fh)
{
    ram_open_t *o;
    unsigned flags;
    return handle_enter(ctx, fh, &o, &flags);
}

static int ram_close(void *ctx, int fh)
{
    posix_store_dir_t *st = ctx;
    ram_open_t *o;
    unsigned flags;
    int rc = handle_enter(st, fh, &o, &flags);
    if (rc != OTA_OK) {
        return rc;
    }
    ram_file_t *f = o->file;
    o->file = NULL;
    st->handles[fh].fd = -1;
    f->opens--;
    file_release(f);
    return OTA_OK;
}

static int ram_rename(void *ctx, const char *from, const char *to)
{
    posix_store_dir_t *st = ctx;
    if (posix_store_dir_check_name(from) != OTA_OK || posix_store_dir_check_name(to) != OTA_OK) {
        return OTA_ERR_NAME;
    }
    ram_file_t *f = file_find(st->dirfd, from);
    if (f == NULL) {
        return OTA_ERR_NOT_FOUND;
    }
    if (strcmp(from, to) == 0) {
        return OTA_OK;
    }
    ram_file_t *old = file_find(st->dirfd, to);
    if (old != NULL) {
        st->used -= old->size;
        file_unlink(old);
    }
    memcpy(f->name, to, strlen(to) + 1);
    return OTA_OK;
}

static int ram_remove(void *ctx, const char *name)
{
    posix_store_dir_t *st = ctx;
    ram_file_t *f;
    int rc = named_file(st, name, &f);
    if (rc != OTA_OK) {
        return rc;
    }
    st->used -= f->size;
    file_unlink(f);
    return OTA_OK;
}

static int ram_stat(void *ctx, const char *name, uint32_t *size)
{
    ram_file_t *f;
    int rc = named_file(ctx, name, &f);
    if (rc == OTA_OK && size == NULL) {
        rc = OTA_ERR_INVALID_ARG;
    }
    if (rc != OTA_OK) {
        return rc;
    }
    *size = f->size;
    return OTA_OK;
}

static int ram_list(void *ctx, ota_store_list_cb cb, void *arg)
{
    posix_store_dir_t *st = ctx;
    if (cb == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    for (int i = 0; i < RAM_MAX_FILES; i++) {
        if (files[i] != NULL && files[i]->dir == st->dirfd && cb(arg, files[i]->name, files[i]->size) != 0) {
            break;
        }
    }
    return OTA_OK;
}

/* ---- lifetime ---------------------------------------------------------- */

int posix_store_dir_open(posix_store_dir_t *st, const posix_store_dir_config_t *cfg)
{
    if (st == NULL || cfg == NULL || cfg->dir == NULL || cfg->dir[0] == '\0') {
        return OTA_ERR_INVALID_ARG;
    }
    posix_store_dir_reset(st);
    st->cfg = *cfg;
    st->dirfd = dir_find(cfg->dir, true);
    if (st->dirfd < 0) {
        return OTA_ERR_IO;
    }
    st->dir = dirs[st->dirfd];
    st->cfg.dir = st->dir;
    for (int i = 0; i < RAM_MAX_FILES; i++) {
        if (files[i] != NULL && files[i]->dir == st->dirfd) {
            st->used += files[i]->size;
        }
    }
    return OTA_OK;
}

int posix_store_dir_close(posix_store_dir_t *st)
{
    for (int i = 0; i < POSIX_STORE_DIR_MAX_OPEN; i++) {
        if (st->handles[i].fd >= 0) {
            (void)ram_close(st, i);
        }
    }
    posix_store_dir_reset(st);
    return OTA_OK;
}

int posix_store_dir_port(posix_store_dir_t *st, ota_store_t *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = st;
    out->open = ram_open;
    out->read = ram_read;
    out->write = ram_write;
    out->sync = ram_sync;
    out->close = ram_close;
    out->rename = ram_rename;
    out->remove = ram_remove;
    out->stat = ram_stat;
    out->list = ram_list;
    return OTA_OK;
}

int posix_store_dir_truncate(posix_store_dir_t *st, const char *name, uint64_t len)
{
    ram_file_t *f;
    int rc = named_file(st, name, &f);
    if (rc != OTA_OK) {
        return rc;
    }
    if (len > f->size) {
        return OTA_ERR_INVALID_ARG;
    }
    st->used -= f->size - len;
    f->size = (uint32_t)len;
    return OTA_OK;
}

/*
 * Directory store: the external storage of a simulated device, one host
 * file per store file, with the power-loss model of store_dir.h.
 */
#include "store_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int errno_to_ota(int e)
{
    switch (e) {
    case ENOENT:
        return OTA_ERR_NOT_FOUND;
    case ENOSPC:
    case EDQUOT:
        return OTA_ERR_NO_SPACE;
    case ENAMETOOLONG:
        return OTA_ERR_NAME;
    default:
        return OTA_ERR_IO;
    }
}

int ota_store_dir_check_name(const char *name)
{
    if (name == NULL || name[0] == '\0') {
        return OTA_ERR_NAME;
    }
    size_t n = strnlen(name, OTA_STORE_NAME_MAX + 1);
    if (n > OTA_STORE_NAME_MAX) {
        return OTA_ERR_NAME;
    }
    /* With no '/', only "." and ".." can name anything outside the file
     * itself; "a..b" is an ordinary file name. */
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        return OTA_ERR_NAME;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c < 0x20 || c == 0x7F) {
            return OTA_ERR_NAME;
        }
    }
    return OTA_OK;
}

/* Size of a regular file; OTA_ERR_NOT_FOUND when absent or not a regular file. */
static int file_size(ota_store_dir_t *st, const char *name, uint64_t *size)
{
    struct stat sb;
    if (fstatat(st->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
        return errno_to_ota(errno);
    }
    if (!S_ISREG(sb.st_mode)) {
        return OTA_ERR_NOT_FOUND;
    }
    *size = (uint64_t)sb.st_size;
    return OTA_OK;
}

/* ---- unsynced-data bookkeeping ---------------------------------------- */

static ota_store_dir_dirty_t *dirty_find(ota_store_dir_t *st, const char *name)
{
    for (size_t i = 0; i < st->ndirty; i++) {
        if (strcmp(st->dirty[i].name, name) == 0) {
            return &st->dirty[i];
        }
    }
    return NULL;
}

static void dirty_drop(ota_store_dir_t *st, const char *name)
{
    ota_store_dir_dirty_t *d = dirty_find(st, name);
    if (d != NULL) {
        *d = st->dirty[--st->ndirty];
    }
}

/* Remember that name has volatile bytes beyond synced (first write since
 * its last sync); a later write keeps the older, shorter durable length. */
static int dirty_mark(ota_store_dir_t *st, const char *name, uint64_t synced)
{
    if (dirty_find(st, name) != NULL) {
        return OTA_OK;
    }
    if (st->ndirty == st->cap_dirty) {
        size_t cap = st->cap_dirty ? st->cap_dirty * 2 : 8;
        ota_store_dir_dirty_t *p = realloc(st->dirty, cap * sizeof(*p));
        if (p == NULL) {
            return OTA_ERR_IO;
        }
        st->dirty = p;
        st->cap_dirty = cap;
    }
    ota_store_dir_dirty_t *d = &st->dirty[st->ndirty++];
    memcpy(d->name, name, strlen(name) + 1);
    d->synced = synced;
    return OTA_OK;
}

static void drop_handles(ota_store_dir_t *st)
{
    for (int i = 0; i < OTA_STORE_DIR_MAX_OPEN; i++) {
        if (st->handles[i].fd >= 0) {
            close(st->handles[i].fd);
            st->handles[i].fd = -1;
        }
    }
}

/* The instant of the cut: whatever the disk cache had not written is gone.
 * Runs for cuts caused by the flash too, since both share one supply. */
static void on_cut(void *arg)
{
    ota_store_dir_t *st = arg;
    ota_power_t *p = st->cfg.power;
    drop_handles(st);
    for (size_t i = 0; i < st->ndirty; i++) {
        ota_store_dir_dirty_t *d = &st->dirty[i];
        uint64_t cur;
        if (file_size(st, d->name, &cur) != OTA_OK || cur <= d->synced) {
            continue;
        }
        uint64_t keep = d->synced + ota_power_random_below(p, cur - d->synced + 1);
        int fd = openat(st->dirfd, d->name, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (ftruncate(fd, (off_t)keep) == 0) {
                st->used -= cur - keep;
            }
            close(fd);
        }
    }
    st->ndirty = 0;
}

/* ---- power helpers ------------------------------------------------------ */

static int power_check(ota_store_dir_t *st)
{
    return st->cfg.power != NULL ? ota_power_check(st->cfg.power) : OTA_OK;
}

/* Count one mutating operation. Returns < 0 to fail at once, OTA_POWER_RUN,
 * or OTA_POWER_VICTIM with *mode set. */
static int power_tick(ota_store_dir_t *st, ota_cut_mode_t *mode)
{
    st->counters.mutating_ops++;
    return st->cfg.power != NULL ? ota_power_tick(st->cfg.power, mode) : OTA_POWER_RUN;
}

/* For an atomic victim: is it done before the lights go out? */
static bool victim_done(ota_store_dir_t *st, ota_cut_mode_t mode)
{
    if (mode == OTA_CUT_TORN) {
        return (ota_power_random(st->cfg.power) & 1) != 0;
    }
    return mode == OTA_CUT_WHOLE;
}

static int cut_now(ota_store_dir_t *st)
{
    ota_power_cut(st->cfg.power);
    return OTA_ERR_POWER_LOST;
}

static void sync_dir(ota_store_dir_t *st)
{
    if (st->cfg.fsync) {
        fsync(st->dirfd);
    }
}

static ota_store_dir_handle_t *handle_get(ota_store_dir_t *st, int fh)
{
    if (fh < 0 || fh >= OTA_STORE_DIR_MAX_OPEN || st->handles[fh].fd < 0) {
        return NULL;
    }
    return &st->handles[fh];
}

/* Every handle call starts alike: count it, fail after a cut, find the handle. */
static int handle_enter(ota_store_dir_t *st, int fh, ota_store_dir_handle_t **h)
{
    st->counters.ops++;
    int rc = power_check(st);
    if (rc != OTA_OK) {
        return rc;
    }
    *h = handle_get(st, fh);
    return *h != NULL ? OTA_OK : OTA_ERR_INVALID_ARG;
}

static bool is_writer(const ota_store_dir_handle_t *h)
{
    return (h->flags & (OTA_STORE_WRITE | OTA_STORE_APPEND)) != 0;
}

/* ---- the ota_store_t functions ------------------------------------------ */

static int do_open(ota_store_dir_t *st, const char *name, unsigned flags, int slot)
{
    ota_store_dir_handle_t *h = &st->handles[slot];
    int fd;
    if (flags == OTA_STORE_READ) {
        fd = openat(st->dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return errno_to_ota(errno);
        }
        struct stat sb;
        if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            close(fd);
            return OTA_ERR_NOT_FOUND;
        }
    } else {
        uint64_t old = 0;
        bool existed = file_size(st, name, &old) == OTA_OK;
        int oflags = O_WRONLY | O_CREAT | O_CLOEXEC;
        oflags |= flags == OTA_STORE_WRITE ? O_TRUNC : O_APPEND;
        fd = openat(st->dirfd, name, oflags, 0644);
        if (fd < 0) {
            return errno_to_ota(errno);
        }
        if (flags == OTA_STORE_WRITE && existed) {
            /* The truncation is durable at once: nothing volatile remains. */
            st->used -= old;
            dirty_drop(st, name);
        }
        if (!existed) {
            sync_dir(st);
        }
    }
    h->fd = fd;
    h->flags = flags;
    memcpy(h->name, name, strlen(name) + 1);
    return slot;
}

static int dir_open(void *ctx, const char *name, unsigned flags)
{
    ota_store_dir_t *st = ctx;
    st->counters.ops++;
    int rc = power_check(st);
    if (rc != OTA_OK) {
        return rc;
    }
    if (flags != OTA_STORE_READ && flags != OTA_STORE_WRITE && flags != OTA_STORE_APPEND) {
        return OTA_ERR_INVALID_ARG;
    }
    rc = ota_store_dir_check_name(name);
    if (rc != OTA_OK) {
        return rc;
    }
    int slot = -1;
    for (int i = 0; i < OTA_STORE_DIR_MAX_OPEN; i++) {
        if (st->handles[i].fd < 0) {
            slot = i;
            break;
        }
    }
    if (slot < 0) {
        return OTA_ERR_FULL;
    }
    if (flags == OTA_STORE_READ) {
        return do_open(st, name, flags, slot);
    }
    ota_cut_mode_t mode = OTA_CUT_WHOLE;
    rc = power_tick(st, &mode);
    if (rc < 0) {
        return rc;
    }
    if (rc == OTA_POWER_VICTIM) {
        if (victim_done(st, mode)) {
            do_open(st, name, flags, slot); /* the cut closes it again */
        }
        return cut_now(st);
    }
    return do_open(st, name, flags, slot);
}

static int dir_read(void *ctx, int fh, void *buf, uint32_t len)
{
    ota_store_dir_t *st = ctx;
    ota_store_dir_handle_t *h;
    int rc = handle_enter(st, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    if (h->flags != OTA_STORE_READ || (buf == NULL && len > 0)) {
        return OTA_ERR_INVALID_ARG;
    }
    if (len > INT_MAX) {
        len = INT_MAX;
    }
    uint8_t *p = buf;
    uint32_t got = 0;
    while (got < len) {
        ssize_t n = read(h->fd, p + got, len - got);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return OTA_ERR_IO;
        }
        if (n == 0) {
            break;
        }
        got += (uint32_t)n;
    }
    st->counters.bytes_read += got;
    return (int)got;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno_to_ota(errno);
        }
        p += n;
        len -= (size_t)n;
    }
    return OTA_OK;
}

static int dir_write(void *ctx, int fh, const void *buf, uint32_t len)
{
    ota_store_dir_t *st = ctx;
    ota_store_dir_handle_t *h;
    int rc = handle_enter(st, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    if (!is_writer(h) || (buf == NULL && len > 0)) {
        return OTA_ERR_INVALID_ARG;
    }
    if (len == 0) {
        return OTA_OK;
    }
    if (st->cfg.capacity != 0 && st->used + len > st->cfg.capacity) {
        return OTA_ERR_NO_SPACE;
    }
    ota_cut_mode_t mode = OTA_CUT_WHOLE;
    rc = power_tick(st, &mode);
    if (rc < 0) {
        return rc;
    }
    bool victim = rc == OTA_POWER_VICTIM;
    uint32_t n = len;
    if (victim) {
        n = mode == OTA_CUT_SKIP    ? 0
            : mode == OTA_CUT_WHOLE ? len
                                    : (uint32_t)ota_power_random_below(st->cfg.power, len);
    }
    if (n > 0) {
        struct stat sb;
        if (fstat(h->fd, &sb) != 0) {
            return OTA_ERR_IO;
        }
        uint64_t before = (uint64_t)sb.st_size;
        /* The first write since the last sync fixes the durable length. */
        rc = dirty_mark(st, h->name, before);
        if (rc != OTA_OK) {
            return rc;
        }
        rc = write_all(h->fd, buf, n);
        if (rc != OTA_OK) {
            /* A failed host write may still have stored a part: account
             * the file as it really is. */
            if (fstat(h->fd, &sb) == 0 && (uint64_t)sb.st_size > before) {
                st->used += (uint64_t)sb.st_size - before;
            }
            return rc;
        }
        st->used += n;
        st->counters.bytes_written += n;
    }
    if (victim) {
        return cut_now(st);
    }
    return OTA_OK;
}

static int dir_sync(void *ctx, int fh)
{
    ota_store_dir_t *st = ctx;
    ota_store_dir_handle_t *h;
    int rc = handle_enter(st, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    if (!is_writer(h)) {
        return OTA_OK;
    }
    ota_cut_mode_t mode = OTA_CUT_WHOLE;
    rc = power_tick(st, &mode);
    if (rc < 0) {
        return rc;
    }
    bool done = rc == OTA_POWER_RUN || victim_done(st, mode);
    if (done) {
        if (st->cfg.fsync && fsync(h->fd) != 0) {
            return OTA_ERR_IO;
        }
        dirty_drop(st, h->name);
    }
    if (rc == OTA_POWER_VICTIM) {
        return cut_now(st);
    }
    return OTA_OK;
}

static int dir_close(void *ctx, int fh)
{
    ota_store_dir_t *st = ctx;
    ota_store_dir_handle_t *h;
    int rc = handle_enter(st, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    rc = OTA_POWER_RUN;
    if (is_writer(h)) {
        rc = power_tick(st, NULL);
        if (rc == OTA_POWER_VICTIM) {
            /* Done or not, the cut drops every handle: same outcome. */
            return cut_now(st);
        }
    }
    /* Even an injected failure releases the handle: a caller that sees
     * close fail has no way to retry it, so keeping it would only leak. */
    int fd = h->fd;
    h->fd = -1;
    if (close(fd) != 0 && rc == OTA_POWER_RUN) {
        return OTA_ERR_IO;
    }
    return rc < 0 ? rc : OTA_OK;
}

static int dir_rename(void *ctx, const char *from, const char *to)
{
    ota_store_dir_t *st = ctx;
    st->counters.ops++;
    int rc = power_check(st);
    if (rc != OTA_OK) {
        return rc;
    }
    if (ota_store_dir_check_name(from) != OTA_OK || ota_store_dir_check_name(to) != OTA_OK) {
        return OTA_ERR_NAME;
    }
    uint64_t from_size, to_size = 0;
    rc = file_size(st, from, &from_size);
    if (rc != OTA_OK) {
        return rc;
    }
    if (strcmp(from, to) == 0) {
        return OTA_OK;
    }
    bool replaces = file_size(st, to, &to_size) == OTA_OK;
    ota_cut_mode_t mode = OTA_CUT_WHOLE;
    rc = power_tick(st, &mode);
    if (rc < 0) {
        return rc;
    }
    if (rc == OTA_POWER_RUN || victim_done(st, mode)) {
        if (renameat(st->dirfd, from, st->dirfd, to) != 0) {
            return errno_to_ota(errno);
        }
        sync_dir(st);
        if (replaces) {
            st->used -= to_size;
        }
        /* Unsynced bytes travel with the file to its new name. */
        dirty_drop(st, to);
        ota_store_dir_dirty_t *d = dirty_find(st, from);
        if (d != NULL) {
            memcpy(d->name, to, strlen(to) + 1);
        }
    }
    if (rc == OTA_POWER_VICTIM) {
        return cut_now(st);
    }
    return OTA_OK;
}

static int dir_remove(void *ctx, const char *name)
{
    ota_store_dir_t *st = ctx;
    st->counters.ops++;
    int rc = power_check(st);
    if (rc != OTA_OK) {
        return rc;
    }
    rc = ota_store_dir_check_name(name);
    if (rc != OTA_OK) {
        return rc;
    }
    uint64_t size;
    rc = file_size(st, name, &size);
    if (rc != OTA_OK) {
        return rc;
    }
    ota_cut_mode_t mode = OTA_CUT_WHOLE;
    rc = power_tick(st, &mode);
    if (rc < 0) {
        return rc;
    }
    if (rc == OTA_POWER_RUN || victim_done(st, mode)) {
        if (unlinkat(st->dirfd, name, 0) != 0) {
            return errno_to_ota(errno);
        }
        sync_dir(st);
        st->used -= size;
        dirty_drop(st, name);
    }
    if (rc == OTA_POWER_VICTIM) {
        return cut_now(st);
    }
    return OTA_OK;
}

static int dir_stat(void *ctx, const char *name, uint32_t *size)
{
    ota_store_dir_t *st = ctx;
    st->counters.ops++;
    int rc = power_check(st);
    if (rc != OTA_OK) {
        return rc;
    }
    rc = ota_store_dir_check_name(name);
    if (rc != OTA_OK) {
        return rc;
    }
    if (size == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    uint64_t sz;
    rc = file_size(st, name, &sz);
    if (rc != OTA_OK) {
        return rc;
    }
    *size = sz > UINT32_MAX ? UINT32_MAX : (uint32_t)sz;
    return OTA_OK;
}

/* Walk the regular, validly named files of the directory. */
static int walk(ota_store_dir_t *st, ota_store_list_cb cb, void *arg, uint64_t *total)
{
    int fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return OTA_ERR_IO;
    }
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return OTA_ERR_IO;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t sz;
        if (ota_store_dir_check_name(e->d_name) != OTA_OK || file_size(st, e->d_name, &sz) != OTA_OK) {
            continue;
        }
        if (total != NULL) {
            *total += sz;
        }
        if (cb != NULL && cb(arg, e->d_name, sz > UINT32_MAX ? UINT32_MAX : (uint32_t)sz) != 0) {
            break;
        }
    }
    closedir(d);
    return OTA_OK;
}

static int dir_list(void *ctx, ota_store_list_cb cb, void *arg)
{
    ota_store_dir_t *st = ctx;
    st->counters.ops++;
    int rc = power_check(st);
    if (rc != OTA_OK) {
        return rc;
    }
    if (cb == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    return walk(st, cb, arg, NULL);
}

/* ---- lifetime ---------------------------------------------------------- */

int ota_store_dir_open(ota_store_dir_t *st, const ota_store_dir_config_t *cfg)
{
    if (st == NULL || cfg == NULL || cfg->dir == NULL || cfg->dir[0] == '\0') {
        return OTA_ERR_INVALID_ARG;
    }
    memset(st, 0, sizeof(*st));
    st->dirfd = -1;
    for (int i = 0; i < OTA_STORE_DIR_MAX_OPEN; i++) {
        st->handles[i].fd = -1;
    }
    st->cfg = *cfg;
    st->dir = strdup(cfg->dir);
    if (st->dir == NULL) {
        return OTA_ERR_IO;
    }
    st->cfg.dir = st->dir;
    if (mkdir(st->dir, 0755) != 0 && errno != EEXIST) {
        ota_store_dir_close(st);
        return OTA_ERR_IO;
    }
    st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->dirfd < 0) {
        ota_store_dir_close(st);
        return OTA_ERR_IO;
    }
    int rc = walk(st, NULL, NULL, &st->used);
    if (rc == OTA_OK && cfg->power != NULL) {
        rc = ota_power_listen(cfg->power, on_cut, st);
    }
    if (rc != OTA_OK) {
        st->cfg.power = NULL;
        ota_store_dir_close(st);
        return rc;
    }
    return OTA_OK;
}

int ota_store_dir_close(ota_store_dir_t *st)
{
    int rc = OTA_OK;
    drop_handles(st);
    if (st->cfg.power != NULL) {
        ota_power_unlisten(st->cfg.power, on_cut, st);
    }
    if (st->dirfd >= 0 && close(st->dirfd) != 0) {
        rc = OTA_ERR_IO;
    }
    free(st->dirty);
    free(st->dir);
    memset(st, 0, sizeof(*st));
    st->dirfd = -1;
    for (int i = 0; i < OTA_STORE_DIR_MAX_OPEN; i++) {
        st->handles[i].fd = -1;
    }
    return rc;
}

int ota_store_dir_port(ota_store_dir_t *st, ota_store_t *out)
{
    memset(out, 0, sizeof(*out));
    out->ctx = st;
    out->open = dir_open;
    out->read = dir_read;
    out->write = dir_write;
    out->sync = dir_sync;
    out->close = dir_close;
    out->rename = dir_rename;
    out->remove = dir_remove;
    out->stat = dir_stat;
    out->list = dir_list;
    return OTA_OK;
}

int ota_store_dir_counters(const ota_store_dir_t *st, ota_store_dir_counters_t *out)
{
    *out = st->counters;
    return OTA_OK;
}

int ota_store_dir_reset_counters(ota_store_dir_t *st)
{
    memset(&st->counters, 0, sizeof(st->counters));
    return OTA_OK;
}

uint64_t ota_store_dir_used(const ota_store_dir_t *st)
{
    return st->used;
}

int ota_store_dir_open_handles(const ota_store_dir_t *st)
{
    int n = 0;
    for (int i = 0; i < OTA_STORE_DIR_MAX_OPEN; i++) {
        n += st->handles[i].fd >= 0;
    }
    return n;
}

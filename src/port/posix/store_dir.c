/*
 * Directory store: one host file per store file (see store_dir.h).
 */
#include "store_dir_impl.h"

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

/* Size of a regular file; OTA_ERR_NOT_FOUND when absent or not a regular file. */
static int file_size(posix_store_dir_t *st, const char *name, uint64_t *size)
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

static void drop_handles(posix_store_dir_t *st)
{
    for (int i = 0; i < POSIX_STORE_DIR_MAX_OPEN; i++) {
        if (st->handles[i].fd >= 0) {
            close(st->handles[i].fd);
            st->handles[i].fd = -1;
        }
    }
}

/* A new, renamed or removed name is durable only once the directory is. */
static int sync_dir(posix_store_dir_t *st)
{
    if (!st->cfg.no_fsync && fsync(st->dirfd) != 0) {
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

static bool is_writer(const posix_store_dir_handle_t *h)
{
    return (h->flags & (OTA_STORE_WRITE | OTA_STORE_APPEND)) != 0;
}

/* ---- the ota_store_t functions ------------------------------------------ */

static int do_open(posix_store_dir_t *st, const char *name, unsigned flags, int slot)
{
    posix_store_dir_handle_t *h = &st->handles[slot];
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
            st->used -= old;
        }
        /* A cut of the host right after a create must not lose the name:
         * the caller may rely on the empty file being there. */
        if (!existed && sync_dir(st) != OTA_OK) {
            close(fd);
            return OTA_ERR_IO;
        }
    }
    h->fd = fd;
    h->flags = flags;
    memcpy(h->name, name, strlen(name) + 1);
    return slot;
}

static int dir_open(void *ctx, const char *name, unsigned flags)
{
    posix_store_dir_t *st = ctx;
    int slot = posix_store_dir_open_slot(st, name, flags);
    return slot < 0 ? slot : do_open(st, name, flags, slot);
}

static int dir_read(void *ctx, int fh, void *buf, uint32_t len)
{
    posix_store_dir_t *st = ctx;
    posix_store_dir_handle_t *h;
    int rc = posix_store_dir_handle(st, fh, &h);
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
    return (int)got;
}

static int dir_seek(void *ctx, int fh, uint32_t off)
{
    posix_store_dir_t *st = ctx;
    posix_store_dir_handle_t *h;
    struct stat sb;
    int rc = posix_store_dir_handle(st, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    if (h->flags != OTA_STORE_READ || fstat(h->fd, &sb) != 0 || (uint64_t)off > (uint64_t)sb.st_size) {
        return OTA_ERR_INVALID_ARG;
    }
    return lseek(h->fd, (off_t)off, SEEK_SET) == (off_t)off ? OTA_OK : OTA_ERR_IO;
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
    posix_store_dir_t *st = ctx;
    posix_store_dir_handle_t *h;
    int rc = posix_store_dir_handle(st, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    if (!is_writer(h) || (buf == NULL && len > 0)) {
        return OTA_ERR_INVALID_ARG;
    }
    if (len == 0) {
        return OTA_OK;
    }
    if (!posix_store_dir_fits(st, len)) {
        return OTA_ERR_NO_SPACE;
    }
    struct stat sb;
    if (fstat(h->fd, &sb) != 0) {
        return OTA_ERR_IO;
    }
    uint64_t before = (uint64_t)sb.st_size;
    rc = write_all(h->fd, buf, len);
    if (rc != OTA_OK) {
        /* A failed host write may still have stored a part: account the
         * file as it really is. */
        if (fstat(h->fd, &sb) == 0 && (uint64_t)sb.st_size > before) {
            st->used += (uint64_t)sb.st_size - before;
        }
        return rc;
    }
    st->used += len;
    return OTA_OK;
}

static int dir_sync(void *ctx, int fh)
{
    posix_store_dir_t *st = ctx;
    posix_store_dir_handle_t *h;
    int rc = posix_store_dir_handle(st, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    if (is_writer(h) && !st->cfg.no_fsync && fsync(h->fd) != 0) {
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

static int dir_close(void *ctx, int fh)
{
    posix_store_dir_t *st = ctx;
    posix_store_dir_handle_t *h;
    int rc = posix_store_dir_handle(st, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    /* The handle is released whatever close(2) says: a caller that sees
     * close fail has no way to retry it, so keeping it would only leak. */
    int fd = h->fd;
    h->fd = -1;
    return close(fd) == 0 ? OTA_OK : OTA_ERR_IO;
}

static int dir_rename(void *ctx, const char *from, const char *to)
{
    posix_store_dir_t *st = ctx;
    if (posix_store_dir_check_name(from) != OTA_OK || posix_store_dir_check_name(to) != OTA_OK) {
        return OTA_ERR_NAME;
    }
    uint64_t from_size, to_size = 0;
    int rc = file_size(st, from, &from_size);
    if (rc != OTA_OK) {
        return rc;
    }
    if (strcmp(from, to) == 0) {
        return OTA_OK;
    }
    bool replaces = file_size(st, to, &to_size) == OTA_OK;
    if (renameat(st->dirfd, from, st->dirfd, to) != 0) {
        return errno_to_ota(errno);
    }
    if (replaces) {
        st->used -= to_size;
    }
    return sync_dir(st);
}

static int dir_remove(void *ctx, const char *name)
{
    posix_store_dir_t *st = ctx;
    int rc = posix_store_dir_check_name(name);
    if (rc != OTA_OK) {
        return rc;
    }
    uint64_t size;
    rc = file_size(st, name, &size);
    if (rc != OTA_OK) {
        return rc;
    }
    if (unlinkat(st->dirfd, name, 0) != 0) {
        return errno_to_ota(errno);
    }
    st->used -= size;
    return sync_dir(st);
}

static int dir_stat(void *ctx, const char *name, uint32_t *size)
{
    posix_store_dir_t *st = ctx;
    int rc = posix_store_dir_check_name(name);
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
static int walk(posix_store_dir_t *st, ota_store_list_cb cb, void *arg, uint64_t *total)
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
        if (posix_store_dir_check_name(e->d_name) != OTA_OK || file_size(st, e->d_name, &sz) != OTA_OK) {
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
    if (cb == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    return walk(ctx, cb, arg, NULL);
}

/* ---- lifetime ---------------------------------------------------------- */

int posix_store_dir_open(posix_store_dir_t *st, const posix_store_dir_config_t *cfg)
{
    if (st == NULL || cfg == NULL || cfg->dir == NULL || cfg->dir[0] == '\0') {
        return OTA_ERR_INVALID_ARG;
    }
    posix_store_dir_reset(st);
    st->cfg = *cfg;
    st->dir = strdup(cfg->dir);
    if (st->dir == NULL) {
        return OTA_ERR_IO;
    }
    st->cfg.dir = st->dir;
    if (mkdir(st->dir, 0755) != 0 && errno != EEXIST) {
        posix_store_dir_close(st);
        return OTA_ERR_IO;
    }
    st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->dirfd < 0) {
        posix_store_dir_close(st);
        return OTA_ERR_IO;
    }
    int rc = walk(st, NULL, NULL, &st->used);
    if (rc != OTA_OK) {
        posix_store_dir_close(st);
    }
    return rc;
}

int posix_store_dir_close(posix_store_dir_t *st)
{
    int rc = OTA_OK;
    drop_handles(st);
    if (st->dirfd >= 0 && close(st->dirfd) != 0) {
        rc = OTA_ERR_IO;
    }
    free(st->dir);
    posix_store_dir_reset(st);
    return rc;
}

int posix_store_dir_port(posix_store_dir_t *st, ota_store_t *out)
{
    memset(out, 0, sizeof *out);
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
    out->seek = dir_seek;
    return OTA_OK;
}

int posix_store_dir_truncate(posix_store_dir_t *st, const char *name, uint64_t len)
{
    int rc = posix_store_dir_check_name(name);
    uint64_t cur = 0;
    if (rc == OTA_OK) {
        rc = file_size(st, name, &cur);
    }
    if (rc != OTA_OK) {
        return rc;
    }
    if (len > cur) {
        return OTA_ERR_INVALID_ARG;
    }
    int fd = openat(st->dirfd, name, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno_to_ota(errno);
    }
    rc = ftruncate(fd, (off_t)len) == 0 ? OTA_OK : OTA_ERR_IO;
    close(fd);
    if (rc == OTA_OK) {
        st->used -= cur - len;
    }
    return rc;
}

/*
 * Whole-file reads and atomic replacement (see tool_hostfile.h for why).
 */
#include "tool_hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tool_hostfile_read(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return errno == ENOENT ? OTA_ERR_NOT_FOUND : OTA_ERR_IO;
    }
    size_t cap = 4096, used = 0;
    char *buf = malloc(cap + 1);
    if (buf == NULL) {
        fclose(f);
        return OTA_ERR_NO_SPACE;
    }
    for (;;) {
        if (used == cap) {
            char *bigger = realloc(buf, cap * 2 + 1);
            if (bigger == NULL) {
                free(buf);
                fclose(f);
                return OTA_ERR_NO_SPACE;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (n == 0) {
            break;
        }
    }
    if (ferror(f)) {
        int saved = errno;
        free(buf);
        fclose(f);
        errno = saved;
        return OTA_ERR_IO;
    }
    fclose(f);
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return OTA_OK;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}

static void release(tool_hostfile_out_t *out)
{
    free(out->path);
    free(out->tmp);
    out->path = NULL;
    out->tmp = NULL;
    out->f = NULL;
}

int tool_hostfile_begin(tool_hostfile_out_t *out, const char *path)
{
    out->f = NULL;
    out->path = dup_string(path);
    size_t n = strlen(path);
    out->tmp = malloc(n + sizeof ".tmp.XXXXXX");
    if (out->path == NULL || out->tmp == NULL) {
        release(out);
        return OTA_ERR_NO_SPACE;
    }
    memcpy(out->tmp, path, n);
    memcpy(out->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(out->tmp);
    if (fd < 0) {
        int saved = errno;
        release(out);
        errno = saved;
        return OTA_ERR_IO;
    }
    /* mkstemp makes the file 0600; the result is an ordinary file that a web
     * server must be able to read, so give it the usual umask'ed mode. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    out->f = fdopen(fd, "wb");
    if (out->f == NULL) {
        int saved = errno;
        close(fd);
        unlink(out->tmp);
        release(out);
        errno = saved;
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

int tool_hostfile_write(tool_hostfile_out_t *out, const void *data, size_t len)
{
    if (len > 0 && fwrite(data, 1, len, out->f) != len) {
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

void tool_hostfile_abort(tool_hostfile_out_t *out)
{
    if (out->f != NULL) {
        fclose(out->f);
        unlink(out->tmp);
    }
    release(out);
}

/* Make the rename durable: it is a change to the directory, not the file. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (slash == NULL) {
        dir = dup_string(".");
    } else if (slash == path) {
        dir = dup_string("/");
    } else {
        size_t n = (size_t)(slash - path);
        dir = malloc(n + 1);
        if (dir != NULL) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (dir == NULL) {
        return;
    }
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int tool_hostfile_commit(tool_hostfile_out_t *out)
{
    /* The data must be on disk before the rename makes it visible: else a
     * power cut could leave the new name pointing at an empty file. */
    if (fflush(out->f) != 0 || fsync(fileno(out->f)) != 0) {
        int saved = errno;
        tool_hostfile_abort(out);
        errno = saved;
        return OTA_ERR_IO;
    }
    if (fclose(out->f) != 0) {
        int saved = errno;
        out->f = NULL;
        unlink(out->tmp);
        release(out);
        errno = saved;
        return OTA_ERR_IO;
    }
    out->f = NULL;
    if (rename(out->tmp, out->path) != 0) {
        int saved = errno;
        unlink(out->tmp);
        release(out);
        errno = saved;
        return OTA_ERR_IO;
    }
    sync_parent_dir(out->path);
    release(out);
    return OTA_OK;
}

int tool_hostfile_save(const char *path, const void *data, size_t len)
{
    tool_hostfile_out_t out;
    int err = tool_hostfile_begin(&out, path);
    if (err != OTA_OK) {
        return err;
    }
    err = tool_hostfile_write(&out, data, len);
    if (err != OTA_OK) {
        int saved = errno;
        tool_hostfile_abort(&out);
        errno = saved;
        return err;
    }
    return tool_hostfile_commit(&out);
}

/*
 * Delta patches applied in memory (tool_hostdelta.h).
 */
#include "tool_hostdelta.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct mem {
    const uint8_t *base;
    const uint8_t *patch;
    size_t base_len, patch_len;
    uint8_t *out;
    size_t len, cap, max;
};

/* The decoder asks only for bytes inside the sizes it was given, and reads
 * back only output already written; a request outside them would be a
 * decoder bug, answered OTA_ERR_RANGE (which the fuzz targets watch for). */
static int copy_out(const uint8_t *from, size_t from_len, uint32_t off, void *buf, uint32_t len)
{
    if (off > from_len || len > from_len - off) {
        return OTA_ERR_RANGE;
    }
    memcpy(buf, from + off, len);
    return OTA_OK;
}

static int mem_base_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    struct mem *m = ctx;
    return copy_out(m->base, m->base_len, off, buf, len);
}

static int mem_patch_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    struct mem *m = ctx;
    return copy_out(m->patch, m->patch_len, off, buf, len);
}

static int mem_out_write(void *ctx, const void *buf, uint32_t len)
{
    struct mem *m = ctx;
    if (len > m->max - m->len) {
        return OTA_ERR_TOO_LARGE;
    }
    if (len > m->cap - m->len) {
        size_t cap = m->cap * 2 > m->len + len ? m->cap * 2 : m->len + len;
        uint8_t *grown = realloc(m->out, cap);
        if (grown == NULL) {
            return OTA_ERR_NO_SPACE;
        }
        m->out = grown;
        m->cap = cap;
    }
    memcpy(m->out + m->len, buf, len);
    m->len += len;
    return OTA_OK;
}

static int mem_out_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    struct mem *m = ctx;
    return copy_out(m->out, m->len, off, buf, len);
}

ota_delta_format_t tool_hostdelta_detect(const uint8_t *patch, size_t len)
{
    return len >= 3 && memcmp(patch, TOOL_HOSTDELTA_VCDIFF_MAGIC, 3) == 0 ? OTA_DELTA_VCDIFF : OTA_DELTA_JOJODIFF;
}

int tool_hostdelta_apply(ota_delta_format_t format, const uint8_t *base, size_t base_len, const uint8_t *patch,
                         size_t patch_len, uint32_t work_len, size_t out_max, uint8_t **out, size_t *out_len,
                         uint64_t *steps)
{
    struct mem m = { base, patch, base_len, patch_len, NULL, 0, 0, out_max };
    ota_delta_io_t io = {
        &m, (uint32_t)base_len, (uint32_t)patch_len, mem_base_read, mem_patch_read, mem_out_write, mem_out_read
    };
    ota_delta_t d;
    uint64_t n = 0;
    int err;

    *out = NULL;
    *out_len = 0;
    if (base_len > UINT32_MAX || patch_len > UINT32_MAX) {
        return OTA_ERR_INVALID_ARG;
    }
    uint8_t *work = malloc(work_len > 0 ? work_len : 1);
    if (work == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    err = ota_delta_init(&d, format, work, work_len, &io);
    if (err == OTA_OK) {
        do {
            n++;
            err = ota_delta_step(&d);
        } while (err == OTA_ERR_AGAIN);
    }
    free(work);
    if (steps != NULL) {
        *steps = n;
    }
    if (err != OTA_OK) {
        free(m.out);
        return err;
    }
    *out = m.out != NULL ? m.out : malloc(1);
    if (*out == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    *out_len = m.len;
    return OTA_OK;
}

int tool_hostdelta_xdelta3(const char *old_path, const char *new_path, uint8_t **patch, size_t *len)
{
    char *argv[] = { TOOL_HOSTDELTA_XDELTA3, "-e", "-9", "-S", "none", "-D", "-c", "-s", (char *)old_path,
                     (char *)new_path,       NULL };
    posix_spawn_file_actions_t fa;
    int fd[2];
    pid_t pid;

    *patch = NULL;
    *len = 0;
    if (pipe(fd) != 0) {
        return OTA_ERR_IO;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    int rc = posix_spawnp(&pid, TOOL_HOSTDELTA_XDELTA3, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        errno = rc;
        return rc == ENOENT ? OTA_ERR_NOT_FOUND : OTA_ERR_IO;
    }
    size_t n = 0, cap = 0;
    uint8_t *buf = NULL;
    int err = OTA_OK;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(buf, cap);
            if (grown == NULL) {
                err = OTA_ERR_NO_SPACE;
                break;
            }
            buf = grown;
        }
        ssize_t got = read(fd[0], buf + n, cap - n);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            err = got < 0 ? OTA_ERR_IO : OTA_OK;
            break;
        }
        n += (size_t)got;
    }
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (err == OTA_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        err = OTA_ERR_IO;
    }
    if (err != OTA_OK) {
        free(buf);
        return err;
    }
    *patch = buf;
    *len = n;
    return OTA_OK;
}

/*
 * Helpers of the host-tool tests (see tool_test_util.h).
 */
#include "tool_test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

extern char **environ;

static char *slurp_fd(int fd)
{
    size_t cap = 4096, used = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        if (cap - used < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t n = read(fd, buf + used, cap - used - 1);
        if (n <= 0) {
            break;
        }
        used += (size_t)n;
    }
    buf[used] = '\0';
    return buf;
}

static int scratch_fd(void)
{
    const char *tmp = getenv("TMPDIR");
    char name[512];
    snprintf(name, sizeof name, "%s/sysota-tt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    unlink(name);
    return fd;
}

int tt_run(tt_run_t *r, const char *const *argv)
{
    int out_fd = scratch_fd(), err_fd = scratch_fd();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fail_msg("cannot start %s", argv[0]);
    }
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0) {
    }
    r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    r->out = slurp_fd(out_fd);
    r->err = slurp_fd(err_fd);
    close(out_fd);
    close(err_fd);
    return r->status;
}

int tt_run_sysota(tt_run_t *r, const char *const *args)
{
    const char *argv[64];
    size_t n = 0;
    argv[n++] = SYSOTA_TOOL;
    for (; args[n - 1] != NULL; n++) {
        assert_true(n < 63);
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    return tt_run(r, argv);
}

void tt_run_free(tt_run_t *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

char *tt_tempdir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *name = malloc(512);
    assert_non_null(name);
    snprintf(name, 512, "%s/sysota-tools-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(name));
    return name;
}

void tt_rmdir(const char *dir)
{
    if (getenv("SYSOTA_TEST_KEEP") != NULL) {
        return; /* keep the files of a failing case for a look */
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            char *p = tt_path(dir, e->d_name);
            unlink(p);
            free(p);
        }
    }
    closedir(d);
    rmdir(dir);
}

char *tt_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void tt_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

char *tt_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = slurp_fd(fileno(f));
    if (len != NULL) {
        fseek(f, 0, SEEK_END);
        *len = (size_t)ftell(f);
    }
    fclose(f);
    return buf;
}

void tt_sha256sum(const char *path, char hex[65])
{
    tt_run_t r;
    const char *argv[] = { "sha256sum", path, NULL };
    assert_int_equal(tt_run(&r, argv), 0);
    assert_true(strlen(r.out) >= 64);
    memcpy(hex, r.out, 64);
    hex[64] = '\0';
    tt_run_free(&r);
}

uint64_t tt_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

uint64_t tt_rand_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
    return lo + tt_rand(state) % (hi - lo + 1);
}

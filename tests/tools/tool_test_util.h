/*
 * Helpers of the host-tool tests: run a program and capture what it says,
 * scratch directories, whole files, a seeded random generator.
 */
#ifndef SYSOTA_TESTS_TOOL_TEST_UTIL_H
#define SYSOTA_TESTS_TOOL_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/** What a finished program left behind. */
typedef struct tt_run {
    int status; /**< exit code, or 128 + signal number */
    char *out;  /**< everything written to stdout, NUL-terminated */
    char *err;  /**< everything written to stderr, NUL-terminated */
} tt_run_t;

/** Run argv[0] (looked up in PATH) with argv; returns r->status. Fails the test if it cannot start. */
int tt_run(tt_run_t *r, const char *const *argv);

/** Run the built `sysota` with args (args[0] is the subcommand), NULL-terminated. */
int tt_run_sysota(tt_run_t *r, const char *const *args);

void tt_run_free(tt_run_t *r);

/** A new empty directory under $TMPDIR (or /tmp); free() the name. */
char *tt_tempdir(void);

/** Remove a directory made by tt_tempdir and the files in it (one level); kept when SYSOTA_TEST_KEEP is set. */
void tt_rmdir(const char *dir);

/** dir + "/" + name, malloc'ed. */
char *tt_path(const char *dir, const char *name);

void tt_write_file(const char *path, const void *data, size_t len);

/** The file's bytes (NUL-terminated) or NULL when it does not exist; free() it. */
char *tt_read_file(const char *path, size_t *len);

/**
 * The SHA-256 of a file as the `sha256sum` program prints it (64 lowercase
 * hex digits and a NUL): a reference that shares nothing with the tools'
 * own hashing. Fails the test if it cannot run.
 */
void tt_sha256sum(const char *path, char hex[65]);

/** xorshift64*: reproducible pseudo-random numbers from a seed. */
uint64_t tt_rand(uint64_t *state);

/** A number in [lo, hi]. */
uint64_t tt_rand_range(uint64_t *state, uint64_t lo, uint64_t hi);

#endif

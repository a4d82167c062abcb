/*
 * sysota benchmarks: what every benchmark program shares. A benchmark prints
 * figures, one per line ("label  number  unit"), and appends the same
 * figures as "key value" lines to a results file that scripts/bench.sh
 * turns into the closing table. Nothing here passes or fails on time.
 */
#ifndef SYSOTA_BENCH_UTIL_H
#define SYSOTA_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Send figures also to the results file at path (appended; NULL: stdout
 * only). Returns OTA_OK or OTA_ERR_IO.
 */
int bench_results_open(const char *path);

/** Close the results file, if any. Returns OTA_OK or OTA_ERR_IO. */
int bench_results_close(void);

/** Print one figure "key value unit" and record "key value". Returns OTA_OK or OTA_ERR_IO. */
int bench_figure(const char *key, double value, const char *unit);

/** Print one line of context (not a figure), prefixed with "# ". */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Seconds of CLOCK_MONOTONIC. */
double bench_now_s(void);

/**
 * Median of n values (sorted in place). n == 0 gives 0. For an even n, the
 * mean of the two middle values.
 */
double bench_median(double *v, size_t n);

/** Create directory path (one level, 0700); an existing directory is OK. Returns OTA_OK or OTA_ERR_IO. */
int bench_mkdir(const char *path);

/** The options every benchmark program takes: --results FILE, --tmpdir DIR. */
typedef struct bench_opts {
    const char *results; /**< results file (NULL: stdout only) */
    const char *tmpdir;  /**< where the work directory goes (default: $TMPDIR) */
} bench_opts_t;

/** Defaults: no results file, $TMPDIR. */
void bench_opts_init(bench_opts_t *o);

/** Take argv[*i] (and its value) when it is a common option, advancing *i; false otherwise. */
bool bench_opts_take(bench_opts_t *o, int argc, char **argv, int *i);

/**
 * Apply the options: TMPDIR, the results file, and a fresh work directory
 * "sysota-bench-<tag>-XXXXXX" in work (cap bytes). Returns 0, or the exit
 * status the program should end with.
 */
int bench_begin(const bench_opts_t *o, const char *tag, char *work, size_t cap);

/** bench_begin, and docroot (dcap bytes) = "<work>/www", made: what a server will serve. */
int bench_begin_www(const bench_opts_t *o, const char *tag, char *work, size_t cap, char *docroot, size_t dcap);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_BENCH_UTIL_H */

/*
 * sysota benchmarks: what every benchmark program shares. A benchmark prints
 * figures, one per line ("label  number  unit"), and appends the same
 * figures as "key value" lines to a results file that scripts/bench.sh
 * turns into the closing table. Nothing here passes or fails on time.
 */
#ifndef SYSOTA_BENCH_UTIL_H
#define SYSOTA_BENCH_UTIL_H

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

/** Lowercase hex of len bytes into out (2*len+1 bytes). */
void bench_hex(const uint8_t *data, size_t len, char *out);

/** Run "rm -rf" on a benchmark's own temporary directory (refuses "" and "/"). Returns OTA_OK or OTA_ERR_IO. */
int bench_rmtree(const char *dir);

/** Create directory path (one level, 0700); an existing directory is OK. Returns OTA_OK or OTA_ERR_IO. */
int bench_mkdir(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_BENCH_UTIL_H */

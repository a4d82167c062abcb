/*
 * sysota benchmarks: measuring work without a clock. Instructions are
 * counted by valgrind's callgrind (the same count on a busy machine as on an
 * idle one) and stack depth by painting a thread's stack before the work
 * and finding the deepest byte it changed.
 */
#ifndef SYSOTA_BENCH_MEASURE_H
#define SYSOTA_BENCH_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The instruction total of a callgrind output file: its "summary:" line
 * (or "totals:" when there is no summary). OTA_OK; OTA_ERR_NOT_FOUND (no
 * such line, or the file is missing); OTA_ERR_CORRUPT (the line holds no
 * number).
 */
int bench_callgrind_total(const char *path, uint64_t *out);

/**
 * Run argv (argv[0] a path, NULL-terminated) under
 * `valgrind --tool=callgrind`, counting only while `function` runs (what it
 * calls included), and give the instructions counted. The output file goes
 * to dir and is removed. OTA_OK; OTA_ERR_NOT_FOUND (no valgrind, or nothing
 * counted: no such function ran); OTA_ERR_IO (the command failed).
 */
int bench_callgrind_count(char *const argv[], const char *function, const char *dir, uint64_t *out);

/**
 * Run fn(arg) on a new thread whose stack (size bytes) is painted first,
 * and give in *used how far below the caller's frame fn wrote into it (the
 * thread's descriptor and start-up, above that frame, are not counted).
 * OTA_OK, OTA_ERR_NO_SPACE or OTA_ERR_IO (no thread).
 */
int bench_stack_used(void (*fn)(void *), void *arg, size_t size, size_t *used);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_BENCH_MEASURE_H */

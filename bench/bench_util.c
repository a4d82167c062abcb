/* Figures, clocks and small file helpers of the benchmarks: see bench_util.h. */
#include "bench_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "sysota/ota_error.h"

static FILE *results;

int bench_results_open(const char *path)
{
    if (path == NULL) {
        return OTA_OK;
    }
    results = fopen(path, "a");
    return results != NULL ? OTA_OK : OTA_ERR_IO;
}

int bench_results_close(void)
{
    int err = OTA_OK;
    if (results != NULL && fclose(results) != 0) {
        err = OTA_ERR_IO;
    }
    results = NULL;
    return err;
}

int bench_figure(const char *key, double value, const char *unit)
{
    printf("%-40s %14.4f  %s\n", key, value, unit != NULL ? unit : "");
    fflush(stdout);
    if (results != NULL) {
        /* %.17g: the table is built from exactly the number measured. */
        if (fprintf(results, "%s %.17g\n", key, value) < 0 || fflush(results) != 0) {
            return OTA_ERR_IO;
        }
    }
    return OTA_OK;
}

void bench_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
}

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    if (n == 0) {
        return 0.0;
    }
    qsort(v, n, sizeof *v, cmp_double);
    return (n % 2u) ? v[n / 2u] : (v[n / 2u - 1u] + v[n / 2u]) / 2.0;
}

void bench_hex(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15u];
    }
    out[2 * len] = '\0';
}

int bench_rmtree(const char *dir)
{
    char cmd[1200];
    if (dir == NULL || dir[0] == '\0' || strcmp(dir, "/") == 0 || strchr(dir, '\'') != NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    if (snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir) >= (int)sizeof cmd) {
        return OTA_ERR_TOO_LARGE;
    }
    return system(cmd) == 0 ? OTA_OK : OTA_ERR_IO;
}

int bench_mkdir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) {
        return OTA_OK;
    }
    return OTA_ERR_IO;
}

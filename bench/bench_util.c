/* Figures, clocks and small file helpers of the benchmarks: see bench_util.h. */
#include "bench_util.h"
#include "test_server.h"

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

int bench_mkdir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) {
        return OTA_OK;
    }
    return OTA_ERR_IO;
}

void bench_opts_init(bench_opts_t *o)
{
    o->results = NULL;
    o->tmpdir = getenv("TMPDIR");
}

bool bench_opts_take(bench_opts_t *o, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        return false;
    }
    if (strcmp(argv[*i], "--results") == 0) {
        o->results = argv[++*i];
        return true;
    }
    if (strcmp(argv[*i], "--tmpdir") == 0) {
        o->tmpdir = argv[++*i];
        return true;
    }
    return false;
}

int bench_begin(const bench_opts_t *o, const char *tag, char *work, size_t cap)
{
    char name[64];
    if (o->tmpdir != NULL && o->tmpdir[0] != '\0') {
        setenv("TMPDIR", o->tmpdir, 1);
    }
    if (bench_results_open(o->results) != OTA_OK) {
        perror(o->results);
        return 1;
    }
    snprintf(name, sizeof name, "bench-%s", tag);
    return test_tmpdir_make(work, cap, name) == OTA_OK ? 0 : 1;
}

int bench_begin_www(const bench_opts_t *o, const char *tag, char *work, size_t cap, char *docroot, size_t dcap)
{
    int begun = bench_begin(o, tag, work, cap);
    if (begun != 0) {
        return begun;
    }
    if ((size_t)snprintf(docroot, dcap, "%s/www", work) >= dcap || bench_mkdir(docroot) != OTA_OK) {
        return 1;
    }
    return 0;
}

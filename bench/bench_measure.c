/* Instruction counts and stack depth without a clock: see bench_measure.h. */
#include "bench_measure.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sysota/ota_error.h"

int bench_callgrind_total(const char *path, uint64_t *out)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return OTA_ERR_NOT_FOUND;
    }
    char line[512];
    int err = OTA_ERR_NOT_FOUND;
    while (fgets(line, sizeof line, f) != NULL) {
        bool summary = strncmp(line, "summary:", 8) == 0;
        if (!summary && !(strncmp(line, "totals:", 7) == 0 && err == OTA_ERR_NOT_FOUND)) {
            continue;
        }
        const char *p = strchr(line, ':') + 1;
        char *end = NULL;
        uint64_t v = strtoull(p, &end, 10);
        err = (end == p) ? OTA_ERR_CORRUPT : OTA_OK;
        if (err == OTA_OK) {
            *out = v;
        }
        if (summary) {
            break; /* the summary wins over a totals line */
        }
    }
    fclose(f);
    return err;
}

int bench_callgrind_count(char *const argv[], const char *function, const char *dir, uint64_t *out)
{
    char file[512], outopt[560], toggle[256];
    snprintf(file, sizeof file, "%s/callgrind.%ld.out", dir, (long)getpid());
    snprintf(outopt, sizeof outopt, "--callgrind-out-file=%s", file);
    snprintf(toggle, sizeof toggle, "--toggle-collect=%s", function);
    size_t n = 0;
    while (argv[n] != NULL) {
        n++;
    }
    char **args = calloc(n + 6, sizeof *args);
    if (args == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    args[0] = "valgrind";
    args[1] = "--tool=callgrind";
    args[2] = "--quiet";
    args[3] = toggle;
    args[4] = outopt;
    memcpy(args + 5, argv, (n + 1) * sizeof *args);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(args[0], args);
        _exit(127);
    }
    free(args);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        return OTA_ERR_IO;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
        unlink(file);
        return OTA_ERR_NOT_FOUND;
    }
    int err = WEXITSTATUS(status) == 0 ? bench_callgrind_total(file, out) : OTA_ERR_IO;
    unlink(file);
    if (err == OTA_OK && *out == 0) {
        err = OTA_ERR_NOT_FOUND; /* the function never ran: a wrong name */
    }
    return err;
}

#define PAINT 0xA5u

typedef struct {
    void (*fn)(void *);
    void *arg;
    uintptr_t mark; /* the stack pointer, about, when fn is called */
} stack_job_t;

static void *stack_thread(void *p)
{
    stack_job_t *job = p;
    volatile uint8_t here = 0;
    job->mark = (uintptr_t)&here;
    job->fn(job->arg);
    return NULL;
}

int bench_stack_used(void (*fn)(void *), void *arg, size_t size, size_t *used)
{
    long page = sysconf(_SC_PAGESIZE);
    uint8_t *stack = NULL;
    if (page <= 0 || posix_memalign((void **)&stack, (size_t)page, size) != 0) {
        return OTA_ERR_NO_SPACE;
    }
    memset(stack, PAINT, size);
    pthread_attr_t attr;
    pthread_t t;
    stack_job_t job = { fn, arg, 0 };
    int err = OTA_ERR_IO;
    if (pthread_attr_init(&attr) == 0) {
        if (pthread_attr_setstack(&attr, stack, size) == 0 && pthread_create(&t, &attr, stack_thread, &job) == 0 &&
            pthread_join(t, NULL) == 0) {
            /* Stacks grow down on every host this runs on: the lowest
             * changed byte is the deepest fn went (the thread's descriptor
             * and start-up sit above the mark and are not counted). */
            size_t low = 0;
            while (low < size && stack[low] == PAINT) {
                low++;
            }
            uintptr_t deepest = (uintptr_t)(stack + low);
            *used = job.mark > deepest ? (size_t)(job.mark - deepest) : 0u;
            err = OTA_OK;
        }
        pthread_attr_destroy(&attr);
    }
    free(stack);
    return err;
}

/*
 * Benchmark 6: one ECDSA P-256 signature verify on the host. Instructions
 * are counted by callgrind (repeatable on a shared machine; nothing here
 * reads a clock) for the verify the host port uses (mbedTLS, through
 * ota_crypto_t.verify) and, as the reference, for OpenSSL's verify of the
 * same signature (the host tools' tool_sign_verify). Both start from the
 * same inputs (the 65-byte point, the digest, r||s) and include turning the
 * point into a key. Each is warmed up once (OpenSSL loads its provider on
 * first use) before the counted call. The stack each reaches is measured by
 * painting a thread's stack (bench_measure.h).
 *
 * usage: bench_verify [--results FILE] [--tmpdir DIR]
 *        bench_verify --one mbedtls|openssl      (what the count runs)
 *        bench_verify --count FUNCTION --key KEY -- COMMAND ARGS...
 *            prints "KEY N" with the instructions COMMAND spends in
 *            FUNCTION (footprint.sh counts its host check with it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_device.h"
#include "bench_measure.h"
#include "bench_util.h"
#include "crypto_host.h"
#include "ecdsa_vector.h"
#include "hostsign.h"
#include "test_server.h"

/* Deep enough for either library; what they reach is measured, not this. */
#define VERIFY_STACK (256u * 1024u)

typedef struct {
    const char *lib;
    int result;
} verify_job_t;

static int verify_with(const char *lib)
{
    if (strcmp(lib, "openssl") == 0) {
        return tool_sign_verify(fp_vector_key, fp_vector_digest, fp_vector_sig);
    }
    ota_crypto_t c;
    (void)posix_crypto_mbedtls(&c);
    return c.verify(c.ctx, fp_vector_key, fp_vector_digest, fp_vector_sig);
}

/* The counted call: callgrind collects only inside this function. */
__attribute__((noinline)) int bench_verify_counted(const char *lib);
__attribute__((noinline)) int bench_verify_counted(const char *lib)
{
    return verify_with(lib);
}

static void verify_job(void *p)
{
    verify_job_t *job = p;
    job->result = verify_with(job->lib);
}

static int count_mode(int argc, char **argv)
{
    /* --count FUNCTION --key KEY -- COMMAND... */
    if (argc < 7 || strcmp(argv[3], "--key") != 0 || strcmp(argv[5], "--") != 0) {
        fprintf(stderr, "usage: %s --count FUNCTION --key KEY -- COMMAND ARGS...\n", argv[0]);
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    uint64_t n = 0;
    int err = bench_callgrind_count(argv + 6, argv[2], tmp != NULL && tmp[0] ? tmp : "/tmp", &n);
    if (err != OTA_OK) {
        fprintf(stderr, "bench_verify: counting %s in %s: %s\n", argv[2], argv[6], ota_err_name(err));
        return 1;
    }
    printf("%-40s %14.4f  instructions in %s (callgrind)\n", argv[4], (double)n, argv[2]);
    return 0;
}

static int measure(const char *self, const char *work, const char *lib, uint64_t *instr, size_t *stack)
{
    /* Both must accept the vector's valid signature before either is counted. */
    if (verify_with(lib) != OTA_OK) {
        fprintf(stderr, "bench_verify: %s refuses the vector's valid signature\n", lib);
        return OTA_ERR_SIGNATURE;
    }
    char *argv[] = { (char *)self, "--one", (char *)lib, NULL };
    int err = bench_callgrind_count(argv, "bench_verify_counted", work, instr);
    if (err != OTA_OK) {
        fprintf(stderr, "bench_verify: callgrind (%s): %s\n", lib, ota_err_name(err));
        return err;
    }
    verify_job_t job = { lib, OTA_ERR_STATE };
    err = bench_stack_used(verify_job, &job, VERIFY_STACK, stack);
    return err != OTA_OK ? err : job.result;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--one") == 0) {
        /* Warm-up first: a library's one-time set-up is not a verify. */
        int warm = verify_with(argv[2]);
        int rc = bench_verify_counted(argv[2]);
        return warm == OTA_OK && rc == OTA_OK ? 0 : 1;
    }
    if (argc >= 2 && strcmp(argv[1], "--count") == 0) {
        return count_mode(argc, argv);
    }
    bench_opts_t opts;
    bench_opts_init(&opts);
    for (int i = 1; i < argc; i++) {
        if (!bench_opts_take(&opts, argc, argv, &i)) {
            fprintf(stderr, "usage: %s [--results FILE] [--tmpdir DIR]\n", argv[0]);
            return 2;
        }
    }
    char work[BENCH_PATH_MAX];
    int begun = bench_begin(&opts, "verify", work, sizeof work);
    if (begun != 0) {
        return begun;
    }
    char self[BENCH_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    uint64_t mi = 0, oi = 0;
    size_t ms = 0, os = 0;
    int rc = 1;
    if (n > 0) {
        self[n] = '\0';
        if (measure(self, work, "mbedtls", &mi, &ms) == OTA_OK && measure(self, work, "openssl", &oi, &os) == OTA_OK) {
            rc = 0;
        }
    }
    if (rc == 0) {
        bench_note("one verify of one ECDSA P-256 signature (a fixed vector), from the point, the digest and r||s");
        bench_figure("verify.mbedtls.instr", (double)mi, "instructions, host port (mbedTLS), callgrind");
        bench_figure("verify.openssl.instr", (double)oi, "instructions, OpenSSL (tool_sign_verify), callgrind");
        bench_figure("verify.ratio", (double)mi / (double)oi, "mbedTLS / OpenSSL");
        bench_figure("verify.mbedtls.stack", (double)ms, "bytes of stack, host port (mbedTLS), painted thread");
        bench_figure("verify.openssl.stack", (double)os, "bytes of stack, OpenSSL, painted thread");
    }
    test_tmpdir_remove(work);
    bench_results_close();
    return rc;
}

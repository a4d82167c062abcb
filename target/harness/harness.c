/*
 * The target build's test runner behind cmocka.h: runs each test with its
 * setup and teardown, catches a failed assertion with longjmp, prints
 * cmocka's per-test lines and a closing "N passed, N failed" line over
 * semihosting.
 */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum outcome { PASSED, FAILED, SKIPPED };

static jmp_buf *test_jump;

static __attribute__((noreturn)) void end_test(enum outcome how)
{
    if (test_jump == NULL) {
        /* An assertion outside any test (a group fixture): nothing to return to. */
        printf("0 passed, 1 failed (an assertion outside a test)\n");
        fflush(stdout);
        exit(1);
    }
    longjmp(*test_jump, (int)how + 1);
}

void print_message(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void print_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

static __attribute__((noreturn)) void failed(const char *file, int line)
{
    printf("%s:%d: failure\n", file, line);
    end_test(FAILED);
}

void tgt_check(int ok, const char *what, const char *file, int line)
{
    if (!ok) {
        printf("%s\n", what);
        failed(file, line);
    }
}

/* Digits of v in base (10 or 16), written backwards from end; the first digit's address. */
static char *digits(uintmax_t v, unsigned base, char *end)
{
    *--end = '\0';
    do {
        *--end = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0u);
    return end;
}

/* Both forms, as cmocka prints them: an error code reads best in decimal.
 * By hand: newlib-nano's printf has no 64-bit conversions. */
static void print_value(LargestIntegralType v)
{
    char hex[24];
    char dec[24];
    intmax_t sv = (intmax_t)v;
    const char *d = digits(sv < 0 ? 0u - v : v, 10u, dec + sizeof dec);
    printf("0x%s (%s%s)", digits(v, 16u, hex + sizeof hex), sv < 0 ? "-" : "", d);
}

void tgt_check_int(LargestIntegralType a, LargestIntegralType b, int want_equal, const char *file, int line)
{
    if ((a == b) != (want_equal != 0)) {
        print_value(a);
        printf(want_equal ? " != " : " == ");
        print_value(b);
        printf("\n");
        failed(file, line);
    }
}

void tgt_check_range(LargestIntegralType v, LargestIntegralType lo, LargestIntegralType hi, int want_in,
                     const char *file, int line)
{
    int in = v >= lo && v <= hi;
    if (in != (want_in != 0)) {
        print_value(v);
        printf(want_in ? " is not within " : " is within ");
        print_value(lo);
        printf(" .. ");
        print_value(hi);
        printf("\n");
        failed(file, line);
    }
}

void tgt_check_ptr(const void *a, const void *b, int want_equal, const char *file, int line)
{
    if ((a == b) != (want_equal != 0)) {
        printf("%p %s %p\n", a, want_equal ? "!=" : "==", b);
        failed(file, line);
    }
}

void tgt_check_string(const char *a, const char *b, int want_equal, const char *file, int line)
{
    int same = a != NULL && b != NULL ? strcmp(a, b) == 0 : a == b;
    if (same != (want_equal != 0)) {
        printf("\"%s\" %s \"%s\"\n", a ? a : "(null)", want_equal ? "!=" : "==", b ? b : "(null)");
        failed(file, line);
    }
}

void tgt_check_memory(const void *a, const void *b, size_t n, int want_equal, const char *file, int line)
{
    const uint8_t *x = a;
    const uint8_t *y = b;
    size_t i = 0;
    while (i < n && x[i] == y[i]) {
        i++;
    }
    if ((i == n) != (want_equal != 0)) {
        if (want_equal) {
            printf("%zu bytes differ from byte %zu (0x%02x != 0x%02x)\n", n, i, x[i], y[i]);
        } else {
            printf("%zu bytes are the same\n", n);
        }
        failed(file, line);
    }
}

void tgt_fail(const char *file, int line)
{
    failed(file, line);
}

void tgt_fail_msg(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    failed(file, line);
}

void tgt_skip(const char *file, int line)
{
    (void)file;
    (void)line;
    end_test(SKIPPED);
}

/* The state the test's functions share: static, since a longjmp may come
 * back to run_one while a function holds its address. */
static void *test_state;

/* One test: setup, the test, then teardown when setup succeeded (also after
 * a failure or a skip, as cmocka does). */
static enum outcome run_one(const struct CMUnitTest *t, void *initial)
{
    jmp_buf here;
    volatile enum outcome how = PASSED;
    volatile int set_up = 0;
    test_state = initial;
    test_jump = &here;
    int jumped = setjmp(here);
    if (jumped == 0) {
        if (t->setup_func != NULL && t->setup_func(&test_state) != 0) {
            printf("setup failed\n");
            how = FAILED;
        } else {
            set_up = 1;
            t->test_func(&test_state);
        }
    } else {
        how = (enum outcome)(jumped - 1);
    }
    if (set_up && t->teardown_func != NULL) {
        jmp_buf down;
        test_jump = &down;
        if (setjmp(down) != 0 || t->teardown_func(&test_state) != 0) {
            printf("teardown failed\n");
            how = FAILED;
        }
    }
    test_jump = NULL;
    return how;
}

int tgt_run_group(const char *group, const struct CMUnitTest *tests, size_t count, CMFixtureFunction setup,
                  CMFixtureFunction teardown)
{
    unsigned passed = 0;
    unsigned failed_n = 0;
    unsigned skipped = 0;
    void *group_state = NULL;
    printf("[==========] %s: Running %u test(s).\n", group, (unsigned)count);
    if (setup != NULL && setup(&group_state) != 0) {
        printf("[  ERROR   ] group setup failed\n0 passed, %u failed\n", (unsigned)count);
        return 1;
    }
    for (size_t i = 0; i < count; i++) {
        const struct CMUnitTest *t = &tests[i];
        printf("[ RUN      ] %s\n", t->name);
        fflush(stdout);
        switch (run_one(t, t->initial_state != NULL ? t->initial_state : group_state)) {
        case PASSED:
            passed++;
            printf("[       OK ] %s\n", t->name);
            break;
        case SKIPPED:
            skipped++;
            printf("[  SKIPPED ] %s\n", t->name);
            break;
        default:
            failed_n++;
            printf("[  FAILED  ] %s\n", t->name);
            break;
        }
        fflush(stdout);
    }
    if (teardown != NULL) {
        (void)teardown(&group_state);
    }
    printf("[==========] %s: %u test(s) run.\n", group, (unsigned)count);
    printf("%u passed, %u failed", passed, failed_n);
    if (skipped != 0) {
        printf(", %u skipped", skipped);
    }
    printf("\n");
    fflush(stdout);
    return failed_n == 0 ? 0 : 1;
}

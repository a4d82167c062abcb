/*
 * The delta decoders (ota_delta.h), as a specification.
 *
 * Every patch is applied through callbacks over memory that record any
 * request outside the base, the patch or the output written so far, and
 * that refuse output past what the case allows: a decoder that reads or
 * writes out of bounds fails the case even when it reports an error.
 * Every case runs with work buffers of 1, 7, 256 and 4096 bytes.
 *
 * The real pairs of the delta-vectors folder (kept outside the repository,
 * SYSOTA_DELTA_VECTORS_DIR, with MANIFEST.tsv listing sizes and SHA-256)
 * must rebuild new.bin byte for byte from jdiff's and xdelta3's patches;
 * without the folder those cases are skipped, saying why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_host.h"
#include "ota_delta.h"
#include "ota_hex.h"

static const uint32_t work_sizes[] = { 1, 7, 256, 4096 };

/* What the current case is, for a failure's message. */
static char case_name[96];
#define NWORK (sizeof work_sizes / sizeof work_sizes[0])

/* ------------------------------------------------------------------------ */
/* Callbacks over memory that check every request.                          */
/* ------------------------------------------------------------------------ */

typedef struct mem {
    const uint8_t *base;
    const uint8_t *patch;
    uint8_t *out;
    uint32_t out_len;
    uint32_t out_limit;  /* out_write refuses to go past this */
    bool out_of_bounds;  /* a read outside base, patch or written output */
    bool over_limit;     /* out_write was asked to go past out_limit */
    bool empty_call;     /* a callback asked for 0 bytes */
    uint32_t writes;     /* out_write calls */
    uint32_t odd_writes; /* out_write calls of other than one full work buffer */
    uint32_t work_len;
    uint32_t calls;   /* callback calls so far */
    uint32_t fail_at; /* > 0: that callback call (1-based) fails with OTA_ERR_IO */
    ota_delta_io_t io;
} mem_t;

static int mem_base_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    mem_t *m = ctx;
    m->empty_call |= len == 0;
    if (++m->calls == m->fail_at) {
        return OTA_ERR_IO;
    }
    if (off > m->io.base_size || len > m->io.base_size - off) {
        m->out_of_bounds = true;
        return OTA_ERR_RANGE;
    }
    memcpy(buf, m->base + off, len);
    return OTA_OK;
}

static int mem_patch_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    mem_t *m = ctx;
    m->empty_call |= len == 0;
    if (++m->calls == m->fail_at) {
        return OTA_ERR_IO;
    }
    if (off > m->io.patch_size || len > m->io.patch_size - off) {
        m->out_of_bounds = true;
        return OTA_ERR_RANGE;
    }
    memcpy(buf, m->patch + off, len);
    return OTA_OK;
}

static int mem_out_write(void *ctx, const void *buf, uint32_t len)
{
    mem_t *m = ctx;
    m->writes++;
    m->empty_call |= len == 0;
    if (len != m->work_len) {
        m->odd_writes++;
    }
    if (++m->calls == m->fail_at) {
        return OTA_ERR_IO;
    }
    if (len > m->out_limit - m->out_len) {
        m->over_limit = true;
        return OTA_ERR_NO_SPACE;
    }
    memcpy(m->out + m->out_len, buf, len);
    m->out_len += len;
    return OTA_OK;
}

static int mem_out_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    mem_t *m = ctx;
    m->empty_call |= len == 0;
    if (++m->calls == m->fail_at) {
        return OTA_ERR_IO;
    }
    if (off > m->out_len || len > m->out_len - off) {
        m->out_of_bounds = true;
        return OTA_ERR_RANGE;
    }
    memcpy(buf, m->out + off, len);
    return OTA_OK;
}

/*
 * Apply patch to base with a work buffer of work_len bytes, allowing at most
 * out_limit bytes of output. Checks what every run must satisfy whatever the
 * result: nothing out of bounds, no empty request, at most one out_write per
 * step but the last, every out_write but the last one full buffer, and the
 * same result on a step after the end. Returns the final result; the output
 * is in m->out (m->out_len bytes), to be freed by the caller.
 */
static int apply_failing(mem_t *m, ota_delta_format_t format, const uint8_t *base, uint32_t base_size,
                         const uint8_t *patch, uint32_t patch_size, uint32_t work_len, uint32_t out_limit,
                         uint32_t fail_at)
{
    memset(m, 0, sizeof *m);
    m->fail_at = fail_at;
    m->base = base;
    m->patch = patch;
    m->out = malloc(out_limit > 0 ? out_limit : 1);
    assert_non_null(m->out);
    m->out_limit = out_limit;
    m->work_len = work_len;
    m->io = (ota_delta_io_t){ m, base_size, patch_size, mem_base_read, mem_patch_read, mem_out_write, mem_out_read };
    uint8_t *work = malloc(work_len);
    assert_non_null(work);
    ota_delta_t d;
    assert_int_equal(ota_delta_init(&d, format, work, work_len, &m->io), OTA_OK);

    /* A step passes on one full buffer, or decodes until the buffer is
     * full, the patch ends, or OTA_DELTA_OPS_PER_STEP operations were read
     * (each takes at least one patch byte): this many always suffice. */
    uint64_t max_steps = 2 * ((uint64_t)out_limit / work_len + 1) + patch_size / OTA_DELTA_OPS_PER_STEP + 2;
    uint64_t steps = 0;
    int err;
    do {
        uint32_t before = m->writes;
        err = ota_delta_step(&d);
        assert_true(m->writes - before <= (err == OTA_ERR_AGAIN ? 1u : 2u));
        assert_true(++steps <= max_steps);
    } while (err == OTA_ERR_AGAIN);
    assert_int_equal(ota_delta_step(&d), err);
    assert_false(m->out_of_bounds);
    assert_false(m->empty_call);
    assert_true(m->odd_writes <= 1);
    if (err == OTA_OK) {
        assert_int_equal(ota_delta_out_bytes(&d), m->out_len);
    }
    free(work);
    return err;
}

static int apply(mem_t *m, ota_delta_format_t format, const uint8_t *base, uint32_t base_size, const uint8_t *patch,
                 uint32_t patch_size, uint32_t work_len, uint32_t out_limit)
{
    return apply_failing(m, format, base, base_size, patch, patch_size, work_len, out_limit, 0);
}

/* Apply with every work buffer size: the same result and output each time. */
static void expect(ota_delta_format_t format, const uint8_t *base, uint32_t base_size, const void *patch,
                   uint32_t patch_size, int want, const void *want_out, uint32_t want_len)
{
    for (size_t w = 0; w < NWORK; w++) {
        mem_t m;
        int err = apply(&m, format, base, base_size, patch, patch_size, work_sizes[w], want_len);
        if (err != want) {
            fail_msg("%s: work buffer %u: %s, expected %s", case_name[0] ? case_name : "case", (unsigned)work_sizes[w],
                     ota_err_name(err), ota_err_name(want));
        }
        assert_false(m.over_limit);
        if (want == OTA_OK && (m.out_len != want_len || memcmp(m.out, want_out, want_len) != 0)) {
            fail_msg("%s: work buffer %u: %u bytes, not the %u expected", case_name[0] ? case_name : "case",
                     (unsigned)work_sizes[w], (unsigned)m.out_len, (unsigned)want_len);
        }
        free(m.out);
    }
    case_name[0] = '\0';
}

/* ------------------------------------------------------------------------ */
/* JojoDiff                                                                 */
/* ------------------------------------------------------------------------ */

static const uint8_t base16[16] = { 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P' };

#define JOJO(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })
#define OUT(s) (s), (uint32_t)(sizeof s - 1)

static void test_jojo_operations_build_the_image_from_the_base(void **state)
{
    (void)state;
    /* EQL 4, MOD "xy" (moves src by 2), EQL 2 -> ABCD xy GH */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA3, 3, 0xA7, 0xA6, 'x', 'y', 0xA7, 0xA3, 1), OTA_OK,
           OUT("ABCDxyGH"));
    /* INS does not move src */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA5, 'x', 'y', 0xA7, 0xA3, 1), OTA_OK, OUT("xyAB"));
    /* DEL skips, BKT goes back */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA4, 9, 0xA7, 0xA3, 1, 0xA7, 0xA2, 10, 0xA7, 0xA3, 2), OTA_OK,
           OUT("KLBCD"));
    /* an EQL that ends exactly at the base's end */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA4, 11, 0xA7, 0xA3, 3), OTA_OK, OUT("MNOP"));
    /* MOD data may run past the base's end (the image grows) */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA4, 14, 'x', 'y', 'z', 0xA7, 0xA2, 2, 0xA7, 0xA3, 0), OTA_OK,
           OUT("xyzP"));
    /* the empty patch: the empty image, whatever the base */
    expect(OTA_DELTA_JOJODIFF, base16, 16, NULL, 0, OTA_OK, "", 0);
}

static void test_jojo_085_mod_data_needs_no_opcode(void **state)
{
    (void)state;
    /* at the start, and after a length: "xy" are MOD data (they move src) */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO('x', 'y', 0xA7, 0xA3, 1), OTA_OK, OUT("xyCD"));
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA3, 0, 'x', 0xA7, 0xA3, 0), OTA_OK, OUT("AxC"));
    /* an A7 not followed by an opcode starts MOD data at that A7 */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 'x', 0xA7, 0xA3, 0), OTA_OK, OUT("\xA7xC"));
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA7, 0xA7, 0xA3, 0), OTA_OK,
           OUT("\xA7"
               "B"));
}

static void test_jojo_escapes_inside_data(void **state)
{
    (void)state;
    /* A7 A7 is one A7; A7 and another byte are both data; A7 at the end is data */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA5, 0xA7, 0xA7, 0xA3, 0xA7, 0x41, 0xA7), OTA_OK,
           OUT("\xA7\xA3\xA7"
               "A\xA7"));
    /* as jdiff writes an A7 followed by an opcode byte in data: A7 A7 then the byte */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA6, 0xA7, 0xA7, 0xA2, 0xA7, 0xA3, 0), OTA_OK,
           OUT("\xA7\xA2"
               "C"));
    /* data ending in an A7 is written A7 A7 before the next opcode */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA5, 'x', 0xA7, 0xA7, 0xA7, 0xA3, 0), OTA_OK,
           OUT("x\xA7"
               "A"));
}

static void test_jojo_lengths_in_every_width(void **state)
{
    static uint8_t big[70000];
    (void)state;
    for (size_t i = 0; i < sizeof big; i++) {
        big[i] = (uint8_t)(i * 7u + (i >> 8));
    }
    /* 252 + x: 253 + x; 253: 16 bits as they are; 254: 32 bits as they are */
    expect(OTA_DELTA_JOJODIFF, big, sizeof big, JOJO(0xA7, 0xA4, 252, 2, 0xA7, 0xA3, 0), OTA_OK, big + 255, 1);
    expect(OTA_DELTA_JOJODIFF, big, sizeof big, JOJO(0xA7, 0xA4, 253, 0x01, 0xFD, 0xA7, 0xA3, 0), OTA_OK, big + 509, 1);
    expect(OTA_DELTA_JOJODIFF, big, sizeof big, JOJO(0xA7, 0xA4, 254, 0, 1, 0x00, 0x01, 0xA7, 0xA3, 0), OTA_OK,
           big + 65537, 1);
    expect(OTA_DELTA_JOJODIFF, big, sizeof big, JOJO(0xA7, 0xA3, 253, 0x11, 0x70), OTA_OK, big, 0x1170);
    /* the largest length accepted, 2^31 - 1, as a DEL */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA4, 254, 0x7F, 0xFF, 0xFF, 0xFF), OTA_OK, "", 0);
}

static void test_jojo_refuses_what_would_leave_the_base(void **state)
{
    (void)state;
    /* an EQL past the base's end, also after a DEL */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA3, 16), OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA4, 12, 0xA7, 0xA3, 3), OTA_ERR_CORRUPT, NULL, 0);
    /* a BKT before the start: the 4 bytes before it are all that is written */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA3, 3, 0xA7, 0xA2, 4, 0xA7, 0xA3, 0), OTA_ERR_CORRUPT, NULL, 4);
    /* lengths of 2^31 and more, in 32 and 64 bits */
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA4, 254, 0x80, 0, 0, 0), OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA3, 254, 0xFF, 0xFF, 0xFF, 0xFF), OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA4, 255, 0, 0, 0, 0, 0, 0, 0, 1), OTA_ERR_CORRUPT, NULL, 0);
    /* a DEL that would carry src past 4 GiB */
    expect(OTA_DELTA_JOJODIFF, base16, 16,
           JOJO(0xA7, 0xA4, 254, 0x7F, 0xFF, 0xFF, 0xFF, 0xA7, 0xA4, 254, 0x7F, 0xFF, 0xFF, 0xFF, 0xA7, 0xA4, 1),
           OTA_ERR_CORRUPT, NULL, 0);
}

static void test_jojo_refuses_a_patch_cut_inside_a_length(void **state)
{
    (void)state;
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA3), OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA3, 252), OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA3, 253, 0), OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_JOJODIFF, base16, 16, JOJO(0xA7, 0xA4, 254, 0, 0, 0), OTA_ERR_CORRUPT, NULL, 0);
}

/* A patch of nothing but operations that write nothing still returns to
 * the caller every OTA_DELTA_OPS_PER_STEP operations. */
static void test_jojo_steps_are_bounded_without_output(void **state)
{
    enum { OPS = 1000 };
    static uint8_t patch[3 * OPS];
    (void)state;
    for (size_t i = 0; i < OPS; i++) {
        patch[3 * i] = 0xA7;
        patch[3 * i + 1] = i % 2 ? 0xA2 : 0xA4; /* DEL 1, BKT 1, ... */
        patch[3 * i + 2] = 0;
    }
    mem_t m;
    uint8_t work[16];
    memset(&m, 0, sizeof m);
    m.base = base16;
    m.patch = patch;
    m.io = (ota_delta_io_t){ &m, 16, sizeof patch, mem_base_read, mem_patch_read, mem_out_write, NULL };
    ota_delta_t d;
    assert_int_equal(ota_delta_init(&d, OTA_DELTA_JOJODIFF, work, sizeof work, &m.io), OTA_OK);
    unsigned steps = 1;
    while (ota_delta_step(&d) == OTA_ERR_AGAIN) {
        steps++;
    }
    assert_int_equal(ota_delta_step(&d), OTA_OK);
    assert_true(steps >= OPS / OTA_DELTA_OPS_PER_STEP);
    assert_int_equal(m.writes, 0);
}

/* ------------------------------------------------------------------------ */
/* VCDIFF, hand-made                                                        */
/* ------------------------------------------------------------------------ */

typedef struct bytes {
    uint8_t b[1024];
    uint32_t n;
} bytes_t;

static void put(bytes_t *o, const void *p, size_t n)
{
    assert_true(o->n + n <= sizeof o->b);
    memcpy(o->b + o->n, p, n);
    o->n += (uint32_t)n;
}

static void put_byte(bytes_t *o, uint8_t c)
{
    put(o, &c, 1);
}

/* An RFC 3284 integer. */
static void put_int(bytes_t *o, uint32_t v)
{
    uint8_t tmp[5];
    int k = 4;
    tmp[k] = (uint8_t)(v & 0x7F);
    while ((v >>= 7) != 0) {
        tmp[--k] = (uint8_t)(0x80 | (v & 0x7F));
    }
    put(o, tmp + k, (size_t)(5 - k));
}

/* D6 C3 C4 00, the header indicator 0. */
static void vcd_header(bytes_t *o)
{
    put(o, "\xD6\xC3\xC4\x00\x00", 5);
}

/* A window: indicator, source segment (when ind has SOURCE or TARGET),
 * target length, sections; the Adler-32 when ind has 0x04. */
static void vcd_window(bytes_t *o, uint8_t ind, uint32_t src_len, uint32_t src_pos, uint32_t tgt_len,
                       const bytes_t *data, const bytes_t *inst, const bytes_t *addr, uint32_t adler)
{
    bytes_t enc = { .n = 0 };
    put_int(&enc, tgt_len);
    put_byte(&enc, 0);
    put_int(&enc, data->n);
    put_int(&enc, inst->n);
    put_int(&enc, addr->n);
    if (ind & 4) {
        uint8_t a[4] = { (uint8_t)(adler >> 24), (uint8_t)(adler >> 16), (uint8_t)(adler >> 8), (uint8_t)adler };
        put(&enc, a, 4);
    }
    put(&enc, data->b, data->n);
    put(&enc, inst->b, inst->n);
    put(&enc, addr->b, addr->n);
    put_byte(o, ind);
    if (ind & 3) {
        put_int(o, src_len);
        put_int(o, src_pos);
    }
    put_int(o, enc.n);
    put(o, enc.b, enc.n);
}

/* Instruction codes of the default table. */
#define ADD(n) ((uint8_t)((n) + 1))                       /* n 1..17 */
#define COPY(mode, n) ((uint8_t)(19 + (mode)*16 + (n)-3)) /* n 4..18 */
#define COPY0(mode) ((uint8_t)(19 + (mode)*16))           /* size follows */
#define RUN0 0                                            /* size follows */

#define B(...) (&(const bytes_t){ .b = { __VA_ARGS__ }, .n = sizeof((const uint8_t[]){ __VA_ARGS__ }) })
#define NONE (&(const bytes_t){ .n = 0 })

static void test_vcdiff_add_run_and_copy(void **state)
{
    bytes_t p = { .n = 0 };
    (void)state;
    vcd_header(&p);
    /* ADD "xy"; COPY 6 from the target's start (HERE 2 back): the copy
     * overlaps what it writes; COPY 4 from base offset 3 (SELF); RUN 3 of 'z';
     * COPY 4 from base offset 14 (SELF), which runs on into the target */
    vcd_window(&p, 1, 16, 0, 2 + 6 + 4 + 3 + 4, B('x', 'y', 'z'),
               B(ADD(2), COPY(1, 6), COPY(0, 4), RUN0, 3, COPY(0, 4)), B(2, 3, 14), 0);
    expect(OTA_DELTA_VCDIFF, base16, 16, p.b, p.n, OTA_OK, OUT("xyxyxyxyDEFGzzzOPxy"));
}

/* A second window reads its source segment from the output of the first
 * (VCD_TARGET), and copies by the near and same caches. */
static void test_vcdiff_target_source_and_address_caches(void **state)
{
    static uint8_t base[2000];
    uint8_t want[16 + 8];
    bytes_t p = { .n = 0 };
    (void)state;
    for (size_t i = 0; i < sizeof base; i++) {
        base[i] = (uint8_t)(i * 13u + 5u);
    }
    vcd_header(&p);
    /* window 1 (source: base[0..2000)): COPY 4 @1000 (SELF), COPY 4 @1000 by
     * the same cache (mode 6, slot 1000 % 768 = 232), COPY 4 @1003 by the near
     * cache (mode 2: near[0] + 3), COPY 4 @1000 by the near cache slot 1 */
    vcd_window(&p, 1, 2000, 0, 16, NONE, B(COPY(0, 4), COPY(6, 4), COPY(2, 4), COPY(3, 4)), B(0x87, 0x68, 232, 3, 0),
               0);
    memcpy(want, base + 1000, 4);
    memcpy(want + 4, base + 1000, 4);
    memcpy(want + 8, base + 1003, 4);
    memcpy(want + 12, base + 1000, 4);
    /* window 2 (source: output[2..8)): ADD "ab", COPY 6 @0 of the segment */
    vcd_window(&p, 2, 6, 2, 8, B('a', 'b'), B(ADD(2), COPY(0, 6)), B(0), 0);
    memcpy(want + 16, "ab", 2);
    memcpy(want + 18, want + 2, 6);
    expect(OTA_DELTA_VCDIFF, base, sizeof base, p.b, p.n, OTA_OK, want, sizeof want);
}

/* One entry of the default code table: two (type, size, mode), type 0 none,
 * 1 ADD, 2 RUN, 3 COPY. */
typedef struct code {
    uint8_t type[2], size[2], mode[2];
} code_t;

/* The default code table as the RFC lists it, row by row. */
static void rfc_code_table(code_t t[256])
{
    int i = 0;
    memset(t, 0, 256 * sizeof *t);
    t[i++] = (code_t){ { 2, 0 }, { 0, 0 }, { 0, 0 } }; /* RUN 0 */
    for (int size = 0; size <= 17; size++) {
        t[i++] = (code_t){ { 1, 0 }, { (uint8_t)size, 0 }, { 0, 0 } };
    }
    for (int mode = 0; mode <= 8; mode++) {
        for (int size = 0; size <= 18; size = size == 0 ? 4 : size + 1) {
            t[i++] = (code_t){ { 3, 0 }, { (uint8_t)size, 0 }, { (uint8_t)mode, 0 } };
        }
    }
    for (int mode = 0; mode <= 5; mode++) {
        for (int add = 1; add <= 4; add++) {
            for (int copy = 4; copy <= 6; copy++) {
                t[i++] = (code_t){ { 1, 3 }, { (uint8_t)add, (uint8_t)copy }, { 0, (uint8_t)mode } };
            }
        }
    }
    for (int mode = 6; mode <= 8; mode++) {
        for (int add = 1; add <= 4; add++) {
            t[i++] = (code_t){ { 1, 3 }, { (uint8_t)add, 4 }, { 0, (uint8_t)mode } };
        }
    }
    for (int mode = 0; mode <= 8; mode++) {
        t[i++] = (code_t){ { 3, 1 }, { 4, 1 }, { (uint8_t)mode, 0 } };
    }
    assert_int_equal(i, 256);
}

/*
 * Every instruction code, each in a window of its own that first fills the
 * near cache with 10, 300, 600, 20 (and the same cache with them) by four
 * COPY 4 at those addresses. A COPY under test then takes, by its mode:
 * SELF 7, HERE 7, near slot k its address + 1, same 6/7/8 the cached 10,
 * 300 and 600. A wrong size, type or mode gives other bytes or an error.
 */
static void test_vcdiff_every_code_of_the_default_table(void **state)
{
    static uint8_t base[1024];
    static const uint32_t cached[4] = { 10, 300, 600, 20 };
    code_t table[256];
    (void)state;
    for (size_t i = 0; i < sizeof base; i++) {
        base[i] = (uint8_t)(i * 37u + i / 256u + 11u);
    }
    rfc_code_table(table);
    for (unsigned op = 0; op < 256; op++) {
        bytes_t data = { .n = 0 }, inst = { .n = 0 }, addr = { .n = 0 }, p = { .n = 0 };
        uint8_t want[64];
        uint32_t n = 0;
        for (int k = 0; k < 4; k++) {
            put_byte(&inst, COPY(0, 4));
            put_int(&addr, cached[k]);
            memcpy(want + n, base + cached[k], 4);
            n += 4;
        }
        put_byte(&inst, (uint8_t)op);
        for (int h = 0; h < 2; h++) {
            if (table[op].type[h] != 0 && table[op].size[h] == 0) {
                put_int(&inst, table[op].type[h] == 3 ? 20 : 5); /* sizes not in the table */
            }
        }
        for (int h = 0; h < 2; h++) {
            uint32_t size = table[op].size[h] != 0 ? table[op].size[h] : table[op].type[h] == 3 ? 20 : 5;
            uint32_t here = sizeof base + n, a = 0;
            switch (table[op].type[h]) {
            case 1:
                for (uint32_t i = 0; i < size; i++) {
                    put_byte(&data, (uint8_t)('a' + op % 7 + i));
                    want[n++] = (uint8_t)('a' + op % 7 + i);
                }
                break;
            case 2:
                put_byte(&data, (uint8_t)op);
                memset(want + n, (int)op, size);
                n += size;
                break;
            case 3: {
                unsigned m = table[op].mode[h];
                if (m <= 1) {
                    a = 7;
                    put_int(&addr, m == 0 ? a : here - a);
                } else if (m <= 5) {
                    a = cached[m - 2] + 1;
                    put_int(&addr, 1);
                } else {
                    a = cached[m - 6];
                    put_byte(&addr, (uint8_t)(a - (m - 6) * 256));
                }
                memcpy(want + n, base + a, size);
                n += size;
                break;
            }
            default:
                break;
            }
        }
        vcd_header(&p);
        vcd_window(&p, 1, sizeof base, 0, n, &data, &inst, &addr, 0);
        snprintf(case_name, sizeof case_name, "code %u", op);
        expect(OTA_DELTA_VCDIFF, base, sizeof base, p.b, p.n, OTA_OK, want, n);
    }
}

/* xdelta3's per-window Adler-32 is read past: the image's SHA-256, which
 * the caller checks, is what catches a wrong image. */
static void test_vcdiff_reads_past_the_adler32_of_xdelta3(void **state)
{
    (void)state;
    for (uint32_t adler = 0x11E60398; adler <= 0x11E60399; adler++) { /* right for "Wikipedia", and wrong */
        bytes_t p = { .n = 0 };
        vcd_header(&p);
        vcd_window(&p, 4, 0, 0, 9, B('W', 'i', 'k', 'i', 'p', 'e', 'd', 'i', 'a'), B(ADD(9)), NONE, adler);
        expect(OTA_DELTA_VCDIFF, base16, 16, p.b, p.n, OTA_OK, OUT("Wikipedia"));
    }
}

static void test_vcdiff_refuses_what_it_does_not_support(void **state)
{
    (void)state;
    /* a secondary compressor (header bit 0x01 and its id), a code table (0x02) */
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 1, 2), OTA_ERR_NOT_SUPPORTED, NULL, 0);
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 2, 0), OTA_ERR_NOT_SUPPORTED, NULL, 0);
    /* a later version */
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 1, 0), OTA_ERR_NOT_SUPPORTED, NULL, 0);
    /* compressed sections in a window (delta indicator 0x01) */
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 0, 0, 5, 0, 1, 0, 0, 0), OTA_ERR_NOT_SUPPORTED, NULL,
           0);
    /* a window whose source and target exceed what the same cache can hold */
    bytes_t p = { .n = 0 };
    vcd_header(&p);
    vcd_window(&p, 0, 0, 0, OTA_DELTA_VCDIFF_SPAN_MAX + 1, NONE, NONE, NONE, 0);
    expect(OTA_DELTA_VCDIFF, base16, 16, p.b, p.n, OTA_ERR_NOT_SUPPORTED, NULL, 0);
}

static void test_vcdiff_refuses_a_malformed_header(void **state)
{
    (void)state;
    expect(OTA_DELTA_VCDIFF, base16, 16, NULL, 0, OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC5, 0, 0), OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0), OTA_ERR_CORRUPT, NULL, 0);
    /* an unknown header bit; an application header longer than the patch */
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 8), OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 4, 3, 'a', 'b'), OTA_ERR_CORRUPT, NULL, 0);
    /* the header alone is the empty image, also with an application header */
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 4, 2, 'a', 'b'), OTA_OK, "", 0);
}

static void test_vcdiff_refuses_malformed_windows(void **state)
{
    struct {
        const char *what;
        uint8_t ind;
        uint32_t src_len, src_pos, tgt_len;
        const bytes_t *data, *inst, *addr;
        uint32_t out_max; /* output the window may pass before the error shows */
    } bad[] = {
        { "source segment past the base's end", 1, 10, 7, 4, NONE, B(COPY(0, 4)), B(0), 0 },
        { "source segment longer than the base", 1, 17, 0, 4, NONE, B(COPY(0, 4)), B(0), 0 },
        { "target segment past the output so far", 2, 1, 0, 4, NONE, B(COPY(0, 4)), B(0), 0 },
        { "copy address at here (SELF)", 1, 4, 0, 4, NONE, B(COPY(0, 4)), B(4), 0 },
        { "copy address past here (HERE)", 1, 4, 0, 4, NONE, B(COPY(1, 4)), B(5), 0 },
        { "copy address by a near slot past here", 1, 4, 0, 8, NONE, B(COPY(0, 4), COPY(2, 4)), B(0, 8), 4 },
        { "instructions beyond the target length", 0, 0, 0, 3, B('a', 'b', 'c', 'd'), B(ADD(4)), NONE, 0 },
        { "instructions short of the target length", 0, 0, 0, 5, B('a', 'b', 'c', 'd'), B(ADD(4)), NONE, 4 },
        { "ADD past the data section", 0, 0, 0, 4, B('a', 'b', 'c'), B(ADD(4)), NONE, 3 },
        { "RUN with no data byte", 0, 0, 0, 4, NONE, B(RUN0, 4), NONE, 0 },
        { "data left over", 0, 0, 0, 2, B('a', 'b', 'c'), B(ADD(2)), NONE, 2 },
        { "addresses left over", 1, 4, 0, 4, NONE, B(COPY(0, 4)), B(0, 0), 4 },
        { "an instruction size cut off", 0, 0, 0, 4, B('a', 'b', 'c', 'd'), B(1), NONE, 0 },
        { "an instruction size of 6 bytes", 0, 0, 0, 4, B('a'), B(1, 0x80, 0x80, 0x80, 0x80, 0x80, 1), NONE, 0 },
        { "an address past 2^32", 1, 4, 0, 4, NONE, B(COPY(0, 4)), B(0x90, 0x80, 0x80, 0x80, 0), 0 },
        { "an address cut off", 1, 4, 0, 4, NONE, B(COPY(0, 4)), B(0x81), 0 },
        { "a same-cache slot with no address", 1, 4, 0, 4, NONE, B(COPY(6, 4)), NONE, 0 },
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bytes_t p = { .n = 0 };
        vcd_header(&p);
        vcd_window(&p, bad[i].ind, bad[i].src_len, bad[i].src_pos, bad[i].tgt_len, bad[i].data, bad[i].inst,
                   bad[i].addr, 0);
        snprintf(case_name, sizeof case_name, "%s", bad[i].what);
        expect(OTA_DELTA_VCDIFF, base16, 16, p.b, p.n, OTA_ERR_CORRUPT, NULL, bad[i].out_max);
    }
}

static void test_vcdiff_refuses_window_framing_errors(void **state)
{
    (void)state;
    /* unknown window bit; both SOURCE and TARGET */
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 0, 8, 5, 0, 0, 0, 0, 0), OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 0, 3, 0, 0, 5, 0, 0, 0, 0, 0), OTA_ERR_CORRUPT, NULL,
           0);
    /* a delta length past the patch's end; one shorter than its own lengths */
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 0, 0, 6, 0, 0, 0, 0, 0), OTA_ERR_CORRUPT, NULL, 0);
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 0, 0, 3, 0, 0, 0, 0, 0), OTA_ERR_CORRUPT, NULL, 0);
    /* sections that add up to more, or less, than the delta length */
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 0, 0, 6, 1, 0, 2, 0, 0, 'a'), OTA_ERR_CORRUPT, NULL,
           0);
    expect(OTA_DELTA_VCDIFF, base16, 16, JOJO(0xD6, 0xC3, 0xC4, 0, 0, 0, 7, 1, 0, 0, 1, 0, ADD(1), 'a'),
           OTA_ERR_CORRUPT, NULL, 0);
}

/* A patch cut anywhere but between two windows is refused; cut between
 * windows it is a shorter image (the target digest catches that). Trailing
 * bytes that are not a whole window are refused too. */
static void test_vcdiff_refuses_a_truncated_patch_and_trailing_bytes(void **state)
{
    bytes_t p = { .n = 0 };
    uint32_t ends[3];
    (void)state;
    vcd_header(&p);
    ends[0] = p.n;
    vcd_window(&p, 1, 16, 0, 8, B('x', 'y', 'z', 'w'), B(ADD(4), COPY(0, 4)), B(2), 0);
    ends[1] = p.n;
    vcd_window(&p, 0, 0, 0, 3, B('q'), B(RUN0, 3), NONE, 0);
    ends[2] = p.n;
    for (uint32_t cut = 0; cut <= p.n; cut++) {
        int want = OTA_ERR_CORRUPT;
        uint32_t len = 8; /* what the first window writes before a cut in the second shows */
        snprintf(case_name, sizeof case_name, "cut after %u bytes", (unsigned)cut);
        if (cut == ends[0] || cut == ends[1] || cut == ends[2]) {
            want = OTA_OK;
            len = cut == ends[0] ? 0 : cut == ends[1] ? 8 : 11;
        }
        expect(OTA_DELTA_VCDIFF, base16, 16, p.b, cut, want, "xyzwCDEFqqq", len);
    }
    put_byte(&p, 0);
    expect(OTA_DELTA_VCDIFF, base16, 16, p.b, p.n, OTA_ERR_CORRUPT, NULL, 11);
}

/* ------------------------------------------------------------------------ */
/* Both                                                                     */
/* ------------------------------------------------------------------------ */

/* A callback that fails, at any call: its error comes back, and stays. */
static void test_errors_of_the_callbacks_come_back_and_stick(void **state)
{
    static const uint8_t jojo[] = { 'x', 0xA7, 0xA3, 3, 'y', 'z' };
    bytes_t vcd = { .n = 0 };
    (void)state;
    vcd_header(&vcd);
    vcd_window(&vcd, 1, 16, 0, 12, B('x', 'y'), B(ADD(2), COPY(0, 4), COPY(1, 6)), B(2, 6), 0);
    vcd_window(&vcd, 2, 4, 1, 4, NONE, B(COPY(0, 4)), B(0), 0);
    for (int k = 0; k < 2; k++) {
        ota_delta_format_t format = k == 0 ? OTA_DELTA_JOJODIFF : OTA_DELTA_VCDIFF;
        const uint8_t *patch = k == 0 ? jojo : vcd.b;
        uint32_t len = k == 0 ? (uint32_t)sizeof jojo : vcd.n;
        mem_t m;
        assert_int_equal(apply(&m, format, base16, 16, patch, len, 1, 64), OTA_OK);
        free(m.out);
        uint32_t calls = m.calls;
        assert_true(calls > 5);
        for (uint32_t at = 1; at <= calls; at++) {
            assert_int_equal(apply_failing(&m, format, base16, 16, patch, len, 1, 64, at), OTA_ERR_IO);
            free(m.out);
        }
    }
}

static void test_init_refuses_missing_pieces(void **state)
{
    mem_t m;
    uint8_t work[4];
    ota_delta_t d;
    (void)state;
    memset(&m, 0, sizeof m);
    m.io = (ota_delta_io_t){ &m, 0, 0, mem_base_read, mem_patch_read, mem_out_write, NULL };
    assert_int_equal(ota_delta_init(&d, OTA_DELTA_VCDIFF, work, 4, &m.io), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_delta_init(&d, OTA_DELTA_JOJODIFF, work, 0, &m.io), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_delta_init(&d, OTA_DELTA_JOJODIFF, NULL, 4, &m.io), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_delta_init(&d, (ota_delta_format_t)2, work, 4, &m.io), OTA_ERR_INVALID_ARG);
    m.io.out_read = mem_out_read;
    m.io.base_read = NULL;
    assert_int_equal(ota_delta_init(&d, OTA_DELTA_VCDIFF, work, 4, &m.io), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_delta_step(NULL), OTA_ERR_INVALID_ARG);
}

/* ------------------------------------------------------------------------ */
/* The real pairs                                                           */
/* ------------------------------------------------------------------------ */

static const char *vectors_dir = SYSOTA_DELTA_VECTORS_DIR;

static uint8_t *load(const char *dir, const char *pair, const char *file, uint32_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", dir, pair, file);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("%s: cannot open", path);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (uint32_t)n;
    return p;
}

static void sha256(const uint8_t *p, uint32_t n, uint8_t out[OTA_SHA256_LEN])
{
    ota_crypto_t c;
    ota_sha256_t s;
    assert_int_equal(posix_crypto_default(&c), OTA_OK);
    assert_int_equal(c.sha256_start(c.ctx, &s), OTA_OK);
    assert_int_equal(c.sha256_update(c.ctx, &s, p, n), OTA_OK);
    assert_int_equal(c.sha256_finish(c.ctx, &s, out), OTA_OK);
}

/* The rows of MANIFEST.tsv, or NULL (the reason printed) when there is no folder. */
static FILE *open_manifest(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/MANIFEST.tsv", vectors_dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        print_message("skipped: no delta vectors at %s (configure with -DSYSOTA_DELTA_VECTORS_DIR=...)\n", vectors_dir);
        return NULL;
    }
    char header[512];
    assert_non_null(fgets(header, sizeof header, f));
    return f;
}

typedef struct pair_row {
    char name[128];
    uint32_t old_size, new_size;
    uint8_t new_digest[OTA_SHA256_LEN];
} pair_row_t;

static bool next_row(FILE *f, pair_row_t *r)
{
    char line[2048], old_hex[80], new_hex[80];
    unsigned long old_size, new_size;
    if (fgets(line, sizeof line, f) == NULL) {
        return false;
    }
    assert_int_equal(
        sscanf(line, "%127[^\t]\t%lu\t%lu\t%79[^\t]\t%79[^\t]", r->name, &old_size, &new_size, old_hex, new_hex), 5);
    r->old_size = (uint32_t)old_size;
    r->new_size = (uint32_t)new_size;
    assert_int_equal(ota_hex_decode(new_hex, strlen(new_hex), r->new_digest, OTA_SHA256_LEN), OTA_OK);
    return true;
}

static void test_real_pairs_rebuild_byte_for_byte(void **state)
{
    (void)state;
    FILE *f = open_manifest();
    if (f == NULL) {
        skip();
    }
    pair_row_t r;
    unsigned pairs = 0;
    while (next_row(f, &r)) {
        uint32_t old_len, new_len, jojo_len, vcd_len, vcd_sec_len;
        uint8_t *old = load(vectors_dir, r.name, "old.bin", &old_len);
        uint8_t *want = load(vectors_dir, r.name, "new.bin", &new_len);
        uint8_t *jojo = load(vectors_dir, r.name, "jojo.patch", &jojo_len);
        uint8_t *vcd = load(vectors_dir, r.name, "vcdiff-nosec.vcdiff", &vcd_len);
        uint8_t *vcd_sec = load(vectors_dir, r.name, "vcdiff-default.vcdiff", &vcd_sec_len);
        assert_int_equal(old_len, r.old_size);
        assert_int_equal(new_len, r.new_size);
        for (size_t w = 0; w < NWORK; w++) {
            const struct {
                ota_delta_format_t format;
                const uint8_t *patch;
                uint32_t len;
                int want;
            } runs[] = {
                { OTA_DELTA_JOJODIFF, jojo, jojo_len, OTA_OK },
                { OTA_DELTA_VCDIFF, vcd, vcd_len, OTA_OK },
                { OTA_DELTA_VCDIFF, vcd_sec, vcd_sec_len, OTA_ERR_NOT_SUPPORTED },
            };
            for (size_t k = 0; k < 3; k++) {
                mem_t m;
                int err = apply(&m, runs[k].format, old, old_len, runs[k].patch, runs[k].len, work_sizes[w], new_len);
                if (err != runs[k].want) {
                    fail_msg("%s, patch %zu, work buffer %u: %s", r.name, k, (unsigned)work_sizes[w],
                             ota_err_name(err));
                }
                if (err == OTA_OK) {
                    uint8_t digest[OTA_SHA256_LEN];
                    assert_int_equal(m.out_len, new_len);
                    assert_memory_equal(m.out, want, new_len);
                    sha256(m.out, m.out_len, digest);
                    assert_memory_equal(digest, r.new_digest, OTA_SHA256_LEN);
                } else {
                    assert_int_equal(m.out_len, 0);
                }
                free(m.out);
            }
        }
        print_message("%s: %u bytes from a %u-byte JojoDiff and a %u-byte VCDIFF patch\n", r.name, (unsigned)new_len,
                      (unsigned)jojo_len, (unsigned)vcd_len);
        free(old);
        free(want);
        free(jojo);
        free(vcd);
        free(vcd_sec);
        pairs++;
    }
    fclose(f);
    assert_true(pairs >= 12);
}

/* Any one byte of a real patch changed: an error or some image, never a
 * read out of bounds (apply() checks that). The output is capped at twice
 * the image: a change may make a longer image, which the caller's limit on
 * the output (the entry's size) stops. */
static void test_real_patches_with_a_byte_changed_stay_in_bounds(void **state)
{
    (void)state;
    FILE *f = open_manifest();
    if (f == NULL) {
        skip();
    }
    pair_row_t r;
    while (next_row(f, &r)) {
        if (strcmp(r.name, "optiboot_328_to_644p") != 0) {
            continue; /* a small real pair keeps this quick */
        }
        uint32_t old_len, jojo_len, vcd_len;
        uint8_t *old = load(vectors_dir, r.name, "old.bin", &old_len);
        uint8_t *jojo = load(vectors_dir, r.name, "jojo.patch", &jojo_len);
        uint8_t *vcd = load(vectors_dir, r.name, "vcdiff-nosec.vcdiff", &vcd_len);
        for (int k = 0; k < 2; k++) {
            uint8_t *p = k == 0 ? jojo : vcd;
            uint32_t n = k == 0 ? jojo_len : vcd_len;
            for (uint32_t i = 0; i < n; i++) {
                for (int flip = 0; flip < 2; flip++) {
                    uint8_t saved = p[i];
                    p[i] = flip ? (uint8_t)(saved ^ 0x80) : (uint8_t)(saved + 1);
                    mem_t m;
                    int err = apply(&m, k == 0 ? OTA_DELTA_JOJODIFF : OTA_DELTA_VCDIFF, old, old_len, p, n, 7,
                                    2 * r.new_size + 64);
                    assert_true(err == OTA_OK || err == OTA_ERR_CORRUPT || err == OTA_ERR_NOT_SUPPORTED ||
                                (err == OTA_ERR_NO_SPACE && m.over_limit));
                    free(m.out);
                    p[i] = saved;
                }
            }
        }
        free(old);
        free(jojo);
        free(vcd);
    }
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jojo_operations_build_the_image_from_the_base),
        cmocka_unit_test(test_jojo_085_mod_data_needs_no_opcode),
        cmocka_unit_test(test_jojo_escapes_inside_data),
        cmocka_unit_test(test_jojo_lengths_in_every_width),
        cmocka_unit_test(test_jojo_refuses_what_would_leave_the_base),
        cmocka_unit_test(test_jojo_refuses_a_patch_cut_inside_a_length),
        cmocka_unit_test(test_jojo_steps_are_bounded_without_output),
        cmocka_unit_test(test_vcdiff_add_run_and_copy),
        cmocka_unit_test(test_vcdiff_target_source_and_address_caches),
        cmocka_unit_test(test_vcdiff_every_code_of_the_default_table),
        cmocka_unit_test(test_vcdiff_reads_past_the_adler32_of_xdelta3),
        cmocka_unit_test(test_vcdiff_refuses_what_it_does_not_support),
        cmocka_unit_test(test_vcdiff_refuses_a_malformed_header),
        cmocka_unit_test(test_vcdiff_refuses_malformed_windows),
        cmocka_unit_test(test_vcdiff_refuses_window_framing_errors),
        cmocka_unit_test(test_vcdiff_refuses_a_truncated_patch_and_trailing_bytes),
        cmocka_unit_test(test_errors_of_the_callbacks_come_back_and_stick),
        cmocka_unit_test(test_init_refuses_missing_pieces),
        cmocka_unit_test(test_real_pairs_rebuild_byte_for_byte),
        cmocka_unit_test(test_real_patches_with_a_byte_changed_stay_in_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The port-conformance cases (see conformance.h). Each case returns NULL
 * when the port keeps the rule, else why not.
 */
#include "conformance.h"

#include <stddef.h>
#include <string.h>

#define PAT_MAX 512u /* the largest write unit the flash cases handle */

typedef struct cf {
    const conformance_config_t *cfg;
    conformance_result_t *res;
    char why[160];
    uint32_t sector0; /* size of the scratch area's first sector */
} cf_t;

/* ---- reporting ----------------------------------------------------------- */

static size_t cat(char *buf, size_t cap, size_t at, const char *s)
{
    while (*s != '\0' && at + 1 < cap) {
        buf[at++] = *s++;
    }
    buf[at] = '\0';
    return at;
}

static void report(cf_t *c, const char *verdict, const char *name, const char *why)
{
    if (c->cfg->print == NULL) {
        return;
    }
    char line[320];
    size_t at = cat(line, sizeof line, 0, verdict);
    at = cat(line, sizeof line, at, " - ");
    at = cat(line, sizeof line, at, name);
    if (why != NULL) {
        at = cat(line, sizeof line, at, ": ");
        (void)cat(line, sizeof line, at, why);
    }
    c->cfg->print(c->cfg->print_arg, line);
}

static void run_case(cf_t *c, const char *name, const char *(*fn)(cf_t *))
{
    c->why[0] = '\0';
    const char *why = fn(c);
    if (why == NULL) {
        c->res->passed++;
        report(c, "ok", name, NULL);
    } else {
        c->res->failed++;
        report(c, "FAIL", name, why);
    }
}

static void skip_case(cf_t *c, const char *name, const char *why)
{
    c->res->skipped++;
    report(c, "skip", name, why);
}

/* "what: got X, want Y" in c->why. */
static const char *wrong(cf_t *c, const char *what, int got, int want)
{
    size_t at = cat(c->why, sizeof c->why, 0, what);
    at = cat(c->why, sizeof c->why, at, ": got ");
    at = cat(c->why, sizeof c->why, at, ota_err_name(got));
    at = cat(c->why, sizeof c->why, at, ", want ");
    (void)cat(c->why, sizeof c->why, at, ota_err_name(want));
    return c->why;
}

#define EXPECT(c, what, got, want)                   \
    do {                                             \
        int got_ = (got);                            \
        if (got_ != (want)) {                        \
            return wrong((c), (what), got_, (want)); \
        }                                            \
    } while (0)

/* ---- flash ------------------------------------------------------------------ */

static uint8_t pat[PAT_MAX];
static uint8_t back[PAT_MAX];

/* The sector holding addr, from sector() or the uniform sector_size. */
static int sector_of(const ota_flash_t *f, uint32_t addr, uint32_t *start, uint32_t *size)
{
    if (f->sector != NULL) {
        return f->sector(f->ctx, addr, start, size);
    }
    if (addr >= f->size || f->sector_size == 0) {
        return OTA_ERR_RANGE;
    }
    *start = addr - addr % f->sector_size;
    *size = f->sector_size;
    return OTA_OK;
}

static bool pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static const char *flash_sectors_tile_the_device(cf_t *c)
{
    const ota_flash_t *f = c->cfg->flash;
    if (!pow2(f->write_unit)) {
        return "write_unit is not a power of two";
    }
    if (f->sector == NULL && (!pow2(f->sector_size) || f->size % f->sector_size != 0)) {
        return "uniform sector_size is not a power of two dividing size";
    }
    uint64_t addr = 0;
    while (addr < f->size) {
        uint32_t start = 0;
        uint32_t size = 0;
        EXPECT(c, "sector() inside the device", sector_of(f, (uint32_t)addr, &start, &size), OTA_OK);
        if (start != addr || size == 0 || size % f->write_unit != 0) {
            return "a sector does not start where the previous one ended, or is not whole write units";
        }
        /* Any address inside names the same sector. */
        uint32_t s2 = 0;
        uint32_t z2 = 0;
        EXPECT(c, "sector() of a sector's last byte", sector_of(f, (uint32_t)(addr + size - 1u), &s2, &z2), OTA_OK);
        if (s2 != start || z2 != size) {
            return "the last byte of a sector is reported in another sector";
        }
        addr += size;
    }
    if (addr != f->size) {
        return "the sectors do not add up to size";
    }
    if (f->sector != NULL) {
        uint32_t s;
        uint32_t z;
        EXPECT(c, "sector(size)", f->sector(f->ctx, f->size, &s, &z), OTA_ERR_RANGE);
    }
    return NULL;
}

static const char *read_all(cf_t *c, uint32_t addr, uint32_t len, uint8_t want)
{
    const ota_flash_t *f = c->cfg->flash;
    for (uint32_t off = 0; off < len;) {
        uint32_t n = len - off < PAT_MAX ? len - off : PAT_MAX;
        EXPECT(c, "read", f->read(f->ctx, addr + off, back, n), OTA_OK);
        for (uint32_t i = 0; i < n; i++) {
            if (back[i] != want) {
                return want == OTA_FLASH_ERASED ? "a byte is not OTA_FLASH_ERASED after erase"
                                                : "a byte changed that no call should have touched";
            }
        }
        off += n;
    }
    return NULL;
}

static const char *flash_erase_sets_every_byte_of_its_sector(cf_t *c)
{
    const ota_flash_t *f = c->cfg->flash;
    uint32_t a = c->cfg->flash_scratch_addr;
    uint32_t size = c->sector0;
    memset(pat, 0x00, f->write_unit);
    EXPECT(c, "erase", f->erase(f->ctx, a), OTA_OK);
    EXPECT(c, "program", f->program(f->ctx, a, pat, f->write_unit), OTA_OK);
    EXPECT(c, "program the sector's last unit", f->program(f->ctx, a + size - f->write_unit, pat, f->write_unit),
           OTA_OK);
    EXPECT(c, "erase", f->erase(f->ctx, a), OTA_OK);
    return read_all(c, a, size, OTA_FLASH_ERASED);
}

static const char *flash_erase_stays_in_its_sector(cf_t *c)
{
    const ota_flash_t *f = c->cfg->flash;
    uint32_t a = c->cfg->flash_scratch_addr;
    uint32_t size = c->sector0;
    uint32_t next = a + size;
    EXPECT(c, "erase the next sector", f->erase(f->ctx, next), OTA_OK);
    memset(pat, 0x00, f->write_unit);
    EXPECT(c, "program the next sector's first unit", f->program(f->ctx, next, pat, f->write_unit), OTA_OK);
    EXPECT(c, "program the sector's last unit", f->program(f->ctx, next - f->write_unit, pat, f->write_unit), OTA_OK);
    EXPECT(c, "erase", f->erase(f->ctx, a), OTA_OK);
    const char *why = read_all(c, next, f->write_unit, 0x00);
    if (why != NULL) {
        return "erasing one sector changed the next one";
    }
    EXPECT(c, "erase the next sector", f->erase(f->ctx, next), OTA_OK);
    return read_all(c, a, size, OTA_FLASH_ERASED);
}

static uint8_t pattern_byte(uint32_t i)
{
    return (uint8_t)(i * 37u + 11u);
}

static const char *flash_program_reads_back_at_any_alignment(cf_t *c)
{
    const ota_flash_t *f = c->cfg->flash;
    uint32_t a = c->cfg->flash_scratch_addr;
    uint32_t size = c->sector0;
    uint32_t len = size < PAT_MAX ? size : PAT_MAX;
    len -= len % f->write_unit;
    EXPECT(c, "erase", f->erase(f->ctx, a), OTA_OK);
    for (uint32_t i = 0; i < len; i++) {
        pat[i] = pattern_byte(i);
    }
    /* One unit per call, then the rest in one call. */
    EXPECT(c, "program one unit", f->program(f->ctx, a, pat, f->write_unit), OTA_OK);
    EXPECT(c, "program the rest", f->program(f->ctx, a + f->write_unit, pat + f->write_unit, len - f->write_unit),
           OTA_OK);
    for (uint32_t off = 0; off < len;) {
        uint32_t n = off % 7u + 1u;
        n = n < len - off ? n : len - off;
        EXPECT(c, "read an odd piece", f->read(f->ctx, a + off, back, n), OTA_OK);
        for (uint32_t i = 0; i < n; i++) {
            if (back[i] != pattern_byte(off + i)) {
                return "a byte read back differs from the byte programmed";
            }
        }
        off += n;
    }
    /* Bytes past what was programmed stay erased. */
    if (len < size) {
        return read_all(c, a + len, size - len < PAT_MAX ? size - len : PAT_MAX, OTA_FLASH_ERASED);
    }
    return NULL;
}

static const char *flash_a_zero_bit_is_never_programmed_back(cf_t *c)
{
    const ota_flash_t *f = c->cfg->flash;
    uint32_t a = c->cfg->flash_scratch_addr;
    EXPECT(c, "erase", f->erase(f->ctx, a), OTA_OK);
    memset(pat, 0x0F, f->write_unit);
    EXPECT(c, "program 0x0F", f->program(f->ctx, a, pat, f->write_unit), OTA_OK);
    memset(pat, 0xF0, f->write_unit);
    EXPECT(c, "program 0xF0 over 0x0F", f->program(f->ctx, a, pat, f->write_unit), OTA_ERR_FLASH_BITS);
    EXPECT(c, "read", f->read(f->ctx, a, back, f->write_unit), OTA_OK);
    for (uint32_t i = 0; i < f->write_unit; i++) {
        if ((back[i] & 0xF0u) != 0) {
            return "a refused program turned a 0 bit back into 1";
        }
    }
    return NULL;
}

static const char *flash_misaligned_calls_are_refused(cf_t *c)
{
    const ota_flash_t *f = c->cfg->flash;
    uint32_t a = c->cfg->flash_scratch_addr;
    uint32_t size = c->sector0;
    EXPECT(c, "erase", f->erase(f->ctx, a), OTA_OK);
    memset(pat, 0x00, sizeof pat);
    if (f->write_unit > 1) {
        EXPECT(c, "program at a misaligned address", f->program(f->ctx, a + 1, pat, f->write_unit), OTA_ERR_ALIGN);
        EXPECT(c, "program a length that is not whole units", f->program(f->ctx, a, pat, f->write_unit + 1),
               OTA_ERR_ALIGN);
    }
    if (size > f->write_unit) {
        EXPECT(c, "erase inside a sector", f->erase(f->ctx, a + f->write_unit), OTA_ERR_ALIGN);
    }
    return read_all(c, a, f->write_unit * 2u <= size ? f->write_unit * 2u : size, OTA_FLASH_ERASED);
}

static const char *flash_outside_the_device_is_refused(cf_t *c)
{
    const ota_flash_t *f = c->cfg->flash;
    memset(pat, 0x00, f->write_unit);
    EXPECT(c, "read across the end", f->read(f->ctx, f->size - 1u, back, 2), OTA_ERR_RANGE);
    EXPECT(c, "read far past the end", f->read(f->ctx, 0xFFFFFFFFu, back, 2), OTA_ERR_RANGE);
    EXPECT(c, "program at the end", f->program(f->ctx, f->size, pat, f->write_unit), OTA_ERR_RANGE);
    EXPECT(c, "program across the end", f->program(f->ctx, f->size - f->write_unit, pat, 2u * f->write_unit),
           OTA_ERR_RANGE);
    EXPECT(c, "erase at the end", f->erase(f->ctx, f->size), OTA_ERR_RANGE);
    return NULL;
}

void conformance_flash(const conformance_config_t *cfg, conformance_result_t *res)
{
    cf_t c = { cfg, res, { 0 }, 0 };
    const ota_flash_t *f = cfg->flash;
    if (f == NULL) {
        skip_case(&c, "flash", "no flash port given");
        return;
    }
    run_case(&c, "flash: the sectors tile the device as sector()/sector_size say", flash_sectors_tile_the_device);
    uint32_t start = 0;
    uint32_t size = 0;
    if (f->write_unit > PAT_MAX || cfg->flash_scratch_size == 0 ||
        sector_of(f, cfg->flash_scratch_addr, &start, &size) != OTA_OK || start != cfg->flash_scratch_addr ||
        size > cfg->flash_scratch_size || cfg->flash_scratch_size > f->size - cfg->flash_scratch_addr) {
        skip_case(&c, "flash: erase and program", "no scratch area of whole sectors (or a write unit above 512)");
        return;
    }
    c.sector0 = size;
    run_case(&c, "flash: erase sets every byte of its sector to OTA_FLASH_ERASED",
             flash_erase_sets_every_byte_of_its_sector);
    if (size < cfg->flash_scratch_size) {
        run_case(&c, "flash: an erase changes no other sector", flash_erase_stays_in_its_sector);
    } else {
        skip_case(&c, "flash: an erase changes no other sector", "the scratch area is one sector");
    }
    run_case(&c, "flash: programmed bytes read back, at any alignment", flash_program_reads_back_at_any_alignment);
    run_case(&c, "flash: a 0 bit programmed back to 1 is OTA_ERR_FLASH_BITS",
             flash_a_zero_bit_is_never_programmed_back);
    run_case(&c, "flash: misaligned program and erase are OTA_ERR_ALIGN", flash_misaligned_calls_are_refused);
    run_case(&c, "flash: calls outside the device are OTA_ERR_RANGE", flash_outside_the_device_is_refused);
    /* Leave the scratch area erased. */
    for (uint32_t a = cfg->flash_scratch_addr; a < cfg->flash_scratch_addr + cfg->flash_scratch_size; a += size) {
        if (sector_of(f, a, &start, &size) != OTA_OK || f->erase(f->ctx, start) != OTA_OK) {
            break;
        }
    }
}

/* ---- store ---------------------------------------------------------------------- */

static uint8_t sbuf[4096];
static uint8_t sback[4096];

/* Create (or truncate) name with len bytes, synced and closed. */
static int put(const ota_store_t *s, const char *name, const void *data, uint32_t len)
{
    int fh = s->open(s->ctx, name, OTA_STORE_WRITE);
    if (fh < 0) {
        return fh;
    }
    int err = len > 0 ? s->write(s->ctx, fh, data, len) : OTA_OK;
    if (err == OTA_OK) {
        err = s->sync(s->ctx, fh);
    }
    int cerr = s->close(s->ctx, fh);
    return err != OTA_OK ? err : cerr;
}

/* Read name whole (in odd pieces) into buf; its length in *len. */
static int get(const ota_store_t *s, const char *name, uint8_t *buf, uint32_t cap, uint32_t *len)
{
    int fh = s->open(s->ctx, name, OTA_STORE_READ);
    if (fh < 0) {
        return fh;
    }
    int err = OTA_OK;
    *len = 0;
    for (;;) {
        uint32_t want = cap - *len < 333u ? cap - *len : 333u;
        int n = s->read(s->ctx, fh, buf + *len, want);
        if (n < 0) {
            err = n;
            break;
        }
        if (n == 0 || want == 0) {
            break;
        }
        *len += (uint32_t)n;
    }
    int cerr = s->close(s->ctx, fh);
    return err != OTA_OK ? err : cerr;
}

static const char *store_missing_files_are_not_found(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    uint32_t size;
    (void)s->remove(s->ctx, "cfmissing");
    EXPECT(c, "open READ", s->open(s->ctx, "cfmissing", OTA_STORE_READ), OTA_ERR_NOT_FOUND);
    EXPECT(c, "stat", s->stat(s->ctx, "cfmissing", &size), OTA_ERR_NOT_FOUND);
    EXPECT(c, "remove", s->remove(s->ctx, "cfmissing"), OTA_ERR_NOT_FOUND);
    EXPECT(c, "rename", s->rename(s->ctx, "cfmissing", "cfother"), OTA_ERR_NOT_FOUND);
    return NULL;
}

static const char *store_written_data_reads_back_after_reopen(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    const uint32_t len = 3000;
    for (uint32_t i = 0; i < len; i++) {
        sbuf[i] = pattern_byte(i);
    }
    int fh = s->open(s->ctx, "cfdata", OTA_STORE_WRITE);
    if (fh < 0) {
        return wrong(c, "open WRITE", fh, OTA_OK);
    }
    for (uint32_t off = 0; off < len; off += 700) {
        uint32_t n = len - off < 700 ? len - off : 700;
        EXPECT(c, "write", s->write(s->ctx, fh, sbuf + off, n), OTA_OK);
    }
    EXPECT(c, "sync", s->sync(s->ctx, fh), OTA_OK);
    EXPECT(c, "close", s->close(s->ctx, fh), OTA_OK);
    uint32_t got = 0;
    EXPECT(c, "read back", get(s, "cfdata", sback, sizeof sback, &got), OTA_OK);
    if (got != len || memcmp(sback, sbuf, len) != 0) {
        return "the bytes read back differ from the bytes written";
    }
    uint32_t size = 0;
    EXPECT(c, "stat", s->stat(s->ctx, "cfdata", &size), OTA_OK);
    if (size != len) {
        return "stat reports another size than was written";
    }
    return NULL;
}

static const char *store_read_returns_0_at_the_end(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    EXPECT(c, "put", put(s, "cfend", "xyz", 3), OTA_OK);
    int fh = s->open(s->ctx, "cfend", OTA_STORE_READ);
    if (fh < 0) {
        return wrong(c, "open READ", fh, OTA_OK);
    }
    int n = s->read(s->ctx, fh, sback, 16);
    int end1 = s->read(s->ctx, fh, sback, 16);
    int end2 = s->read(s->ctx, fh, sback, 16);
    (void)s->close(s->ctx, fh);
    EXPECT(c, "read of a 3-byte file", n, 3);
    EXPECT(c, "read at the end", end1, 0);
    EXPECT(c, "read at the end again", end2, 0);
    return NULL;
}

static const char *store_write_truncates(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    memset(sbuf, 'w', 100);
    EXPECT(c, "put", put(s, "cftrunc", sbuf, 100), OTA_OK);
    int fh = s->open(s->ctx, "cftrunc", OTA_STORE_WRITE);
    if (fh < 0) {
        return wrong(c, "open WRITE", fh, OTA_OK);
    }
    EXPECT(c, "close", s->close(s->ctx, fh), OTA_OK);
    uint32_t size = 1;
    EXPECT(c, "stat", s->stat(s->ctx, "cftrunc", &size), OTA_OK);
    return size == 0 ? NULL : "opening an existing file for WRITE did not truncate it";
}

static const char *append(const ota_store_t *s, const char *name, const char *text)
{
    int fh = s->open(s->ctx, name, OTA_STORE_APPEND);
    if (fh < 0) {
        return "open APPEND failed";
    }
    int err = s->write(s->ctx, fh, text, (uint32_t)strlen(text));
    if (err == OTA_OK) {
        err = s->sync(s->ctx, fh);
    }
    int cerr = s->close(s->ctx, fh);
    return err == OTA_OK && cerr == OTA_OK ? NULL : "write, sync or close of an APPEND handle failed";
}

static const char *store_append_creates_and_adds_at_the_end(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    (void)s->remove(s->ctx, "cfappend");
    const char *why = append(s, "cfappend", "12");
    if (why == NULL) {
        why = append(s, "cfappend", "34");
    }
    if (why != NULL) {
        return why;
    }
    uint32_t got = 0;
    EXPECT(c, "read back", get(s, "cfappend", sback, sizeof sback, &got), OTA_OK);
    return got == 4 && memcmp(sback, "1234", 4) == 0 ? NULL : "APPEND did not create the file or write at its end";
}

/* What the service needs to apply a delta patch: positioned reads (seek,
 * backwards too), and a reader that sees a writer's unsynced bytes. */
static const char *store_seek_and_a_reader_beside_a_writer(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    char b[4];
    EXPECT(c, "put", put(s, "cfseek", "0123456789", 10), OTA_OK);
    int fh = s->open(s->ctx, "cfseek", OTA_STORE_READ);
    if (fh < 0) {
        return wrong(c, "open READ", fh, OTA_OK);
    }
    int r1 = s->seek(s->ctx, fh, 7);
    int n1 = s->read(s->ctx, fh, b, 3);
    bool ok1 = n1 == 3 && memcmp(b, "789", 3) == 0;
    int r2 = s->seek(s->ctx, fh, 2); /* backwards, as a JojoDiff patch moves in its base */
    int n2 = s->read(s->ctx, fh, b, 2);
    bool ok2 = n2 == 2 && memcmp(b, "23", 2) == 0;
    int r3 = s->seek(s->ctx, fh, 10);
    int n3 = s->read(s->ctx, fh, b, 1);
    int r4 = s->seek(s->ctx, fh, 11);
    (void)s->close(s->ctx, fh);
    EXPECT(c, "seek", r1, OTA_OK);
    EXPECT(c, "seek backwards", r2, OTA_OK);
    EXPECT(c, "seek to the end", r3, OTA_OK);
    EXPECT(c, "read at the end", n3, 0);
    EXPECT(c, "seek past the end", r4, OTA_ERR_INVALID_ARG);
    if (!ok1 || !ok2) {
        return "a read after seek did not start at the offset asked";
    }
    int w = s->open(s->ctx, "cfseek", OTA_STORE_WRITE);
    if (w < 0) {
        return wrong(c, "open WRITE", w, OTA_OK);
    }
    int err = s->write(s->ctx, w, "abcd", 4);
    int rd = err == OTA_OK ? s->open(s->ctx, "cfseek", OTA_STORE_READ) : err;
    int n4 = rd >= 0 ? s->seek(s->ctx, rd, 1) : rd;
    if (n4 == OTA_OK) {
        n4 = s->read(s->ctx, rd, b, 3);
    }
    if (rd >= 0) {
        (void)s->close(s->ctx, rd);
    }
    (void)s->close(s->ctx, w);
    EXPECT(c, "write", err, OTA_OK);
    EXPECT(c, "a READ handle while a writer is open", rd >= 0 ? OTA_OK : rd, OTA_OK);
    EXPECT(c, "remove", s->remove(s->ctx, "cfseek"), OTA_OK);
    return n4 == 3 && memcmp(b, "bcd", 3) == 0 ? NULL : "a reader does not see the writer's unsynced bytes";
}

static const char *store_rename_replaces_the_target(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    EXPECT(c, "put the source", put(s, "cfnew", "new", 3), OTA_OK);
    EXPECT(c, "put the target", put(s, "cfold", "old-old", 7), OTA_OK);
    EXPECT(c, "rename over an existing file", s->rename(s->ctx, "cfnew", "cfold"), OTA_OK);
    uint32_t got = 0;
    EXPECT(c, "read the target", get(s, "cfold", sback, sizeof sback, &got), OTA_OK);
    if (got != 3 || memcmp(sback, "new", 3) != 0) {
        return "the target does not hold the source's bytes";
    }
    uint32_t size;
    EXPECT(c, "stat the source", s->stat(s->ctx, "cfnew", &size), OTA_ERR_NOT_FOUND);
    EXPECT(c, "remove the target", s->remove(s->ctx, "cfold"), OTA_OK);
    EXPECT(c, "stat a removed file", s->stat(s->ctx, "cfold", &size), OTA_ERR_NOT_FOUND);
    return NULL;
}

typedef struct seen {
    unsigned calls;
    unsigned mine[3];
    bool sizes_ok;
} seen_t;

/* Never calls the store: the core never does from a list() callback. */
static int collect(void *arg, const char *name, uint32_t size)
{
    seen_t *seen = arg;
    seen->calls++;
    if (name[0] == 'c' && name[1] == 'f' && name[2] == 'l' && name[3] >= '1' && name[3] <= '3' && name[4] == '\0') {
        unsigned i = (unsigned)(name[3] - '1');
        seen->mine[i]++;
        seen->sizes_ok = seen->sizes_ok && size == i + 1u;
    }
    return 0;
}

static int stop_at_first(void *arg, const char *name, uint32_t size)
{
    (void)name;
    (void)size;
    ((seen_t *)arg)->calls++;
    return 1;
}

static const char *store_list_sees_every_file_and_stops_when_asked(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    EXPECT(c, "put", put(s, "cfl1", "1", 1), OTA_OK);
    EXPECT(c, "put", put(s, "cfl2", "22", 2), OTA_OK);
    EXPECT(c, "put", put(s, "cfl3", "333", 3), OTA_OK);
    seen_t seen = { 0, { 0, 0, 0 }, true };
    EXPECT(c, "list", s->list(s->ctx, collect, &seen), OTA_OK);
    if (seen.mine[0] != 1 || seen.mine[1] != 1 || seen.mine[2] != 1) {
        return "list did not report each file exactly once";
    }
    if (!seen.sizes_ok) {
        return "list reported a wrong size";
    }
    seen_t first = { 0, { 0, 0, 0 }, true };
    EXPECT(c, "list", s->list(s->ctx, stop_at_first, &first), OTA_OK);
    if (first.calls != 1) {
        return "list went on after the callback returned non-zero";
    }
    for (int i = 1; i <= 3; i++) {
        char name[5] = { 'c', 'f', 'l', (char)('0' + i), '\0' };
        EXPECT(c, "remove", s->remove(s->ctx, name), OTA_OK);
    }
    return NULL;
}

static const char *store_a_name_of_the_longest_length_works(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    char name[OTA_STORE_NAME_MAX + 1];
    name[0] = 'c';
    name[1] = 'f';
    for (int i = 2; i < OTA_STORE_NAME_MAX; i++) {
        name[i] = "abcXYZ0189._+~-"[i % 15];
    }
    name[OTA_STORE_NAME_MAX - 1] = 'z';
    name[OTA_STORE_NAME_MAX] = '\0';
    EXPECT(c, "put", put(s, name, "long", 4), OTA_OK);
    uint32_t size = 0;
    EXPECT(c, "stat", s->stat(s->ctx, name, &size), OTA_OK);
    EXPECT(c, "remove", s->remove(s->ctx, name), OTA_OK);
    return size == 4 ? NULL : "stat reports another size than was written";
}

static const char *store_names_the_rule_refuses_are_refused(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    static const char *const bad[] = {
        "",
        ".",
        "..",
        "cf/x",
        "cf\\x",
        "cf x",
        "cf.",
        "cf~1",
        "cf%",
        "cf,x",
        "cf\x01",
        "cf\xc3\xa9",
        "cf3456789012345678901234567890123", /* OTA_STORE_NAME_MAX + 1 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t size;
        int fh = s->open(s->ctx, bad[i], OTA_STORE_WRITE);
        if (fh >= 0) {
            (void)s->close(s->ctx, fh);
            (void)s->remove(s->ctx, bad[i]);
        }
        EXPECT(c, bad[i][0] != '\0' ? bad[i] : "(empty name)", fh, OTA_ERR_NAME);
        EXPECT(c, "stat of a refused name", s->stat(s->ctx, bad[i], &size), OTA_ERR_NAME);
    }
    return NULL;
}

static const char *store_a_full_store_is_no_space(cf_t *c)
{
    const ota_store_t *s = c->cfg->store;
    uint64_t limit = c->cfg->store_capacity + sizeof sbuf;
    memset(sbuf, 'f', sizeof sbuf);
    int fh = s->open(s->ctx, "cffill", OTA_STORE_WRITE);
    if (fh < 0) {
        return wrong(c, "open WRITE", fh, OTA_OK);
    }
    int err = OTA_OK;
    for (uint64_t done = 0; err == OTA_OK && done <= limit; done += 1024u) {
        err = s->write(s->ctx, fh, sbuf, 1024u);
    }
    (void)s->close(s->ctx, fh);
    EXPECT(c, "remove the filler", s->remove(s->ctx, "cffill"), OTA_OK);
    EXPECT(c, "writing past the capacity", err, OTA_ERR_NO_SPACE);
    EXPECT(c, "a write once the space is back", put(s, "cffill", sbuf, 1024u), OTA_OK);
    EXPECT(c, "remove", s->remove(s->ctx, "cffill"), OTA_OK);
    return NULL;
}

void conformance_store(const conformance_config_t *cfg, conformance_result_t *res)
{
    cf_t c = { cfg, res, { 0 }, 0 };
    const ota_store_t *s = cfg->store;
    if (s == NULL) {
        skip_case(&c, "store", "no store port given");
        return;
    }
    run_case(&c, "store: a missing file is OTA_ERR_NOT_FOUND to READ, stat, remove, rename",
             store_missing_files_are_not_found);
    run_case(&c, "store: written, synced, closed and reopened, a file reads back",
             store_written_data_reads_back_after_reopen);
    run_case(&c, "store: read returns 0 at the end of a file", store_read_returns_0_at_the_end);
    run_case(&c, "store: WRITE truncates an existing file", store_write_truncates);
    run_case(&c, "store: APPEND creates a missing file and writes at its end",
             store_append_creates_and_adds_at_the_end);
    run_case(&c, "store: rename replaces the target; remove removes", store_rename_replaces_the_target);
    if (s->seek != NULL) {
        run_case(&c, "store: seek moves a reader, backwards too; a reader sees a writer's bytes (delta patches)",
                 store_seek_and_a_reader_beside_a_writer);
    } else {
        skip_case(&c, "store: seek (delta patches)", "the port has no seek: the service takes full images only");
    }
    run_case(&c, "store: list reports every file once and stops when the callback says so",
             store_list_sees_every_file_and_stops_when_asked);
    run_case(&c, "store: a name of OTA_STORE_NAME_MAX bytes works", store_a_name_of_the_longest_length_works);
    if (cfg->store_names_loose) {
        skip_case(&c, "store: names the store name rule refuses are OTA_ERR_NAME",
                  "the port accepts more names (the core never passes them)");
    } else {
        run_case(&c, "store: names the store name rule refuses are OTA_ERR_NAME",
                 store_names_the_rule_refuses_are_refused);
    }
    if (cfg->store_capacity > 0) {
        run_case(&c, "store: writing past the capacity is OTA_ERR_NO_SPACE", store_a_full_store_is_no_space);
    } else {
        skip_case(&c, "store: writing past the capacity is OTA_ERR_NO_SPACE", "no capacity given");
    }
    static const char *const mine[] = { "cfdata", "cfend", "cftrunc", "cfappend" };
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) {
        (void)s->remove(s->ctx, mine[i]);
    }
}

/* ---- crypto ------------------------------------------------------------------------ */

typedef struct vector {
    const char *name;
    const char *hex;
} vector_t;

static int hexval(char h)
{
    return h <= '9' ? h - '0' : h - 'a' + 10;
}

static bool digest_is(const uint8_t d[OTA_SHA256_LEN], const char *hex)
{
    for (int i = 0; i < OTA_SHA256_LEN; i++) {
        if (d[i] != (uint8_t)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]))) {
            return false;
        }
    }
    return true;
}

/* SHA-256 of len bytes of data fed in pieces of piece bytes (0: one call),
 * repeated times times. */
static const char *sha(cf_t *c, const void *data, size_t len, size_t piece, unsigned times, const char *hex)
{
    const ota_crypto_t *k = c->cfg->crypto;
    ota_sha256_t h;
    uint8_t d[OTA_SHA256_LEN];
    EXPECT(c, "sha256_start", k->sha256_start(k->ctx, &h), OTA_OK);
    int err = OTA_OK;
    for (unsigned t = 0; t < times && err == OTA_OK; t++) {
        for (size_t off = 0; off < len && err == OTA_OK;) {
            size_t n = piece == 0 || len - off < piece ? len - off : piece;
            err = k->sha256_update(k->ctx, &h, (const uint8_t *)data + off, n);
            off += n;
        }
    }
    int fin = k->sha256_finish(k->ctx, &h, d);
    EXPECT(c, "sha256_update", err, OTA_OK);
    EXPECT(c, "sha256_finish", fin, OTA_OK);
    return digest_is(d, hex) ? NULL : "the digest differs from the known one";
}

static const char *crypto_known_vectors(cf_t *c)
{
    const char *why = sha(c, "", 0, 0, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    if (why == NULL) {
        why = sha(c, "abc", 3, 0, 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
    if (why == NULL) {
        memset(sbuf, 'a', 1000);
        why = sha(c, sbuf, 1000, 0, 1000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
    return why;
}

static const char *crypto_pieces(cf_t *c)
{
    static const char msg[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    static const char hex[] = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
    for (size_t piece = 1; piece <= 8; piece++) {
        const char *why = sha(c, msg, sizeof msg - 1, piece, 1, hex);
        if (why != NULL) {
            return why;
        }
    }
    /* 1 MB of 'a' in pieces that straddle the 64-byte blocks. */
    memset(sbuf, 'a', 1000);
    return sha(c, sbuf, 1000, 37, 1000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

void conformance_crypto(const conformance_config_t *cfg, conformance_result_t *res)
{
    cf_t c = { cfg, res, { 0 }, 0 };
    if (cfg->crypto == NULL) {
        skip_case(&c, "crypto", "no crypto port given");
        return;
    }
    run_case(&c, "crypto: SHA-256 of \"\", \"abc\" and 1 MB of 'a' are the known digests", crypto_known_vectors);
    run_case(&c, "crypto: SHA-256 fed in pieces of any size is the same digest", crypto_pieces);
}

/* ---- system ------------------------------------------------------------------------- */

static const char *system_clock_never_goes_back(cf_t *c)
{
    const ota_system_t *y = c->cfg->sys;
    uint32_t prev = y->now_ms(y->ctx);
    for (int i = 0; i < 10000; i++) {
        uint32_t now = y->now_ms(y->ctx);
        /* Modulo 2^32: a step "back" is a difference of 2^31 or more. */
        if ((uint32_t)(now - prev) >= 0x80000000u) {
            return "now_ms went backwards";
        }
        prev = now;
    }
    return NULL;
}

static const char *system_random_is_not_constant(cf_t *c)
{
    const ota_system_t *y = c->cfg->sys;
    uint32_t first = y->random(y->ctx);
    for (int i = 0; i < 64; i++) {
        if (y->random(y->ctx) != first) {
            return NULL;
        }
    }
    return "65 calls of random() returned the same number";
}

static const char *system_optional_calls_work(cf_t *c)
{
    const ota_system_t *y = c->cfg->sys;
    if (y->network_up != NULL) {
        (void)y->network_up(y->ctx);
    }
    if (y->log != NULL) {
        y->log(y->ctx, OTA_LOG_DEBUG, "conformance: a log line", 0);
    }
    return y->now_ms != NULL && y->random != NULL && y->reset != NULL ? NULL : "now_ms, random and reset are required";
}

void conformance_system(const conformance_config_t *cfg, conformance_result_t *res)
{
    cf_t c = { cfg, res, { 0 }, 0 };
    if (cfg->sys == NULL) {
        skip_case(&c, "system", "no system port given");
        return;
    }
    run_case(&c, "system: now_ms, random and reset are set; network_up and log may be NULL",
             system_optional_calls_work);
    if (cfg->sys->now_ms == NULL || cfg->sys->random == NULL) {
        return;
    }
    run_case(&c, "system: now_ms never goes back (modulo 2^32)", system_clock_never_goes_back);
    run_case(&c, "system: random is not constant", system_random_is_not_constant);
}

int conformance_run(const conformance_config_t *cfg, conformance_result_t *res)
{
    memset(res, 0, sizeof *res);
    conformance_flash(cfg, res);
    conformance_store(cfg, res);
    conformance_crypto(cfg, res);
    conformance_system(cfg, res);
    cf_t c = { cfg, res, { 0 }, 0 };
    skip_case(&c, "transport", "needs a server: not part of this suite");
    return (int)res->failed;
}

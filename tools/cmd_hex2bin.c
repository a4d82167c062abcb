/*
 * `sysota hex2bin`: the build's Intel HEX to the .bin a server hands out,
 * with the SHA-256 the manifest needs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tool_cliarg.h"
#include "tool_filedigest.h"
#include "tool_hostfile.h"
#include "tool_ihex.h"
#include "tool_memmap.h"
#include "sysota_cmd.h"

/* A default window (lowest..highest address) larger than this is almost
 * always two memories in one file: PIC32MZ boot flash at 0x1FC00000 with
 * program flash at 0x9D000000 (2 GiB apart) or at 0x10000000 on a W1
 * (252 MiB apart), nRF52 flash with its UICR at 0x10001000 (256 MiB). A
 * .bin that is mostly 0xFF is never what was meant; no single flash comes
 * near 64 MiB. */
#define DEFAULT_WINDOW_MAX ((uint64_t)64 << 20)

static void usage(FILE *out)
{
    fprintf(out, "usage: sysota hex2bin IN.hex -o OUT.bin [--start ADDR] [--size N] [--pad]\n"
                 "\n"
                 "Convert Intel HEX (record types 00-05, every checksum verified) to a binary\n"
                 "image of the address window [ADDR, ADDR+N) and print its SHA-256.\n"
                 "\n"
                 "  -o, --output OUT.bin  the binary to write (atomically: temp file + rename)\n"
                 "  --start ADDR          first address of the window (default: lowest address\n"
                 "                        in the file); 0x1234 is hex, 1234 decimal\n"
                 "  --size N              window size in bytes, K and M suffixes allowed\n"
                 "                        (default: up to the highest address in the file)\n"
                 "  --pad                 write exactly N bytes; without it the output ends\n"
                 "                        at the highest byte present inside the window\n"
                 "  -h, --help            this text\n"
                 "\n"
                 "Gaps are filled with 0xFF. Data outside the window is dropped with a warning.\n"
                 "A window that holds no data is an error: nothing is written, and the message\n"
                 "lists the address ranges the file holds.\n"
                 "Exit status: 0 ok, 1 bad input, 2 usage.\n");
}

struct out_sink {
    tool_hostfile_out_t *file;
    tool_filedigest_t *digest;
    uint64_t written;
};

static int out_write(void *arg, const uint8_t *data, size_t len)
{
    struct out_sink *s = arg;
    int err = tool_hostfile_write(s->file, data, len);
    if (err == OTA_OK) {
        err = tool_filedigest_update(s->digest, data, len);
    }
    s->written += len;
    return err;
}

struct drop_report {
    const char *in;
};

static int report_dropped(void *arg, uint32_t lo, uint64_t end)
{
    const struct drop_report *d = arg;
    fprintf(stderr, "sysota hex2bin: warning: %s: data outside the window dropped: 0x%08X-0x%08llX (%llu bytes)\n",
            d->in, (unsigned)lo, (unsigned long long)(end - 1), (unsigned long long)(end - lo));
    return 0;
}

static int list_range(void *arg, uint32_t lo, uint64_t end)
{
    (void)arg;
    fprintf(stderr, "  0x%08X-0x%08llX (%llu bytes)\n", (unsigned)lo, (unsigned long long)(end - 1),
            (unsigned long long)(end - lo));
    return 0;
}

/* At most this many ranges in the "the file holds" list of an empty window:
 * a sparse file can have thousands, and the first few say where it lives. */
#define HELD_SHOWN 8

struct held_list {
    long shown;
};

static int list_held(void *arg, uint32_t lo, uint64_t end)
{
    struct held_list *h = arg;
    if (h->shown < HELD_SHOWN) {
        fprintf(stderr, "%s0x%08X-0x%08llX", h->shown > 0 ? ", " : "", (unsigned)lo, (unsigned long long)(end - 1));
    }
    h->shown++;
    return 0;
}

/* "IN: no data in window ...; the file holds A-B, C-D": the usual cause is a
 * window given in another address view (kseg0 0x9D000000 for a file at the
 * physical 0x1D000000), which the ranges make plain. */
static void report_empty_window(const tool_memmap_t *map, const char *in, uint64_t start, uint64_t end, bool empty)
{
    if (empty) {
        fprintf(stderr, "sysota hex2bin: %s: the file holds no data\n", in);
        return;
    }
    if (end > start) {
        fprintf(stderr, "sysota hex2bin: %s: no data in window 0x%08llX-0x%08llX; the file holds ", in,
                (unsigned long long)start, (unsigned long long)(end - 1));
    } else {
        fprintf(stderr, "sysota hex2bin: %s: no data at or above 0x%08llX; the file holds ", in,
                (unsigned long long)start);
    }
    struct held_list h = { 0 };
    long total = tool_memmap_outside(map, 0, 0, list_held, &h);
    if (total > HELD_SHOWN) {
        fprintf(stderr, ", ... (%ld ranges in all)", total);
    }
    fputc('\n', stderr);
}

/* Parse one numeric option value; prints the usage error itself. */
static bool number_arg(const char *opt, const char *value, uint64_t max, uint64_t *out)
{
    if (value == NULL) {
        fprintf(stderr, "sysota hex2bin: %s needs a value\n", opt);
        return false;
    }
    int err = tool_cliarg_number(value, max, out);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota hex2bin: %s '%s': %s\n", opt, value,
                err == OTA_ERR_RANGE ? "too large" : "not a number (use 0x.. for hex, K/M suffixes)");
        return false;
    }
    return true;
}

int sysota_cmd_hex2bin(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    uint64_t start = 0, size = 0;
    bool has_start = false, has_size = false, pad = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return SYSOTA_EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sysota hex2bin: %s needs a file name\n", a);
                return SYSOTA_EXIT_USAGE;
            }
            out = argv[++i];
        } else if (strcmp(a, "--start") == 0) {
            if (!number_arg(a, i + 1 < argc ? argv[i + 1] : NULL, 0xFFFFFFFFu, &start)) {
                return SYSOTA_EXIT_USAGE;
            }
            i++;
            has_start = true;
        } else if (strcmp(a, "--size") == 0) {
            if (!number_arg(a, i + 1 < argc ? argv[i + 1] : NULL, TOOL_MEMMAP_END, &size)) {
                return SYSOTA_EXIT_USAGE;
            }
            if (size == 0) {
                fprintf(stderr, "sysota hex2bin: --size 0: the window would be empty\n");
                return SYSOTA_EXIT_USAGE;
            }
            i++;
            has_size = true;
        } else if (strcmp(a, "--pad") == 0) {
            pad = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "sysota hex2bin: unknown option '%s'\n", a);
            usage(stderr);
            return SYSOTA_EXIT_USAGE;
        } else if (in == NULL) {
            in = a;
        } else {
            fprintf(stderr, "sysota hex2bin: one input file only ('%s' and '%s')\n", in, a);
            return SYSOTA_EXIT_USAGE;
        }
    }
    if (in == NULL || out == NULL) {
        fprintf(stderr, "sysota hex2bin: %s\n", in == NULL ? "no input file" : "no output file (-o OUT.bin)");
        usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    if (has_start && has_size && start + size > TOOL_MEMMAP_END) {
        fprintf(stderr, "sysota hex2bin: window 0x%08llX + 0x%llX passes the 4 GiB address space\n",
                (unsigned long long)start, (unsigned long long)size);
        return SYSOTA_EXIT_USAGE;
    }

    tool_memmap_t map;
    tool_memmap_init(&map);
    tool_ihex_result_t res;
    int err = tool_ihex_load(in, &map, &res);
    if (err != OTA_OK) {
        if (res.line > 0) {
            fprintf(stderr, "sysota hex2bin: %s:%lu: %s\n", in, res.line, res.msg);
        } else {
            fprintf(stderr, "sysota hex2bin: %s: %s\n", in, res.msg);
        }
        tool_memmap_free(&map);
        return SYSOTA_EXIT_INPUT;
    }
    if (res.start_differs > 0) {
        fprintf(stderr, "sysota hex2bin: warning: %s: %lu start records disagree with the first (ignored)\n", in,
                res.start_differs);
    }

    uint32_t lo = 0;
    uint64_t hi = 0;
    bool empty = tool_memmap_bounds(&map, &lo, &hi) != OTA_OK;
    if (!has_start) {
        start = empty ? 0 : lo;
    }
    uint64_t end;
    if (has_size) {
        end = start + size;
    } else {
        end = (empty || hi < start) ? start : hi;
        if (end - start > DEFAULT_WINDOW_MAX) {
            fprintf(stderr,
                    "sysota hex2bin: %s: the data spans 0x%08llX-0x%08llX (%llu MiB); give --start and --size "
                    "to choose a window. Data present:\n",
                    in, (unsigned long long)start, (unsigned long long)(end - 1),
                    (unsigned long long)((end - start) >> 20));
            tool_memmap_outside(&map, 0, 0, list_range, NULL);
            tool_memmap_free(&map);
            return SYSOTA_EXIT_INPUT;
        }
    }
    if (end > TOOL_MEMMAP_END) {
        fprintf(stderr, "sysota hex2bin: the window passes the 4 GiB address space\n");
        tool_memmap_free(&map);
        return SYSOTA_EXIT_USAGE;
    }

    /* Checked before the output file exists: a window without data leaves
     * nothing behind, not an empty (or all-0xFF) image to publish. */
    uint64_t last;
    if (empty || tool_memmap_last_in(&map, (uint32_t)start, end, &last) != OTA_OK) {
        report_empty_window(&map, in, start, end, empty);
        tool_memmap_free(&map);
        return SYSOTA_EXIT_INPUT;
    }
    struct drop_report drop = { in };
    tool_memmap_outside(&map, (uint32_t)start, end, report_dropped, &drop);
    uint64_t out_end = pad ? end : last;

    tool_hostfile_out_t file;
    tool_filedigest_t digest = { NULL };
    err = tool_hostfile_begin(&file, out);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota hex2bin: %s: cannot create: %s\n", out, strerror(errno));
        tool_memmap_free(&map);
        return SYSOTA_EXIT_INPUT;
    }
    err = tool_filedigest_start(&digest);
    struct out_sink sink = { &file, &digest, 0 };
    if (err == OTA_OK) {
        err = tool_memmap_emit(&map, (uint32_t)start, out_end, 0xFF, out_write, &sink);
    }
    uint8_t sha[TOOL_FILEDIGEST_LEN];
    if (err == OTA_OK) {
        err = tool_filedigest_finish(&digest, sha);
    }
    tool_memmap_free(&map);
    if (err != OTA_OK) {
        tool_filedigest_abort(&digest);
        tool_hostfile_abort(&file);
        fprintf(stderr, "sysota hex2bin: %s: write failed: %s\n", out, ota_err_describe(err));
        return SYSOTA_EXIT_INPUT;
    }
    if (tool_hostfile_commit(&file) != OTA_OK) {
        fprintf(stderr, "sysota hex2bin: %s: cannot write: %s\n", out, strerror(errno));
        return SYSOTA_EXIT_INPUT;
    }
    char hex[TOOL_FILEDIGEST_HEX_SIZE];
    tool_filedigest_hex(sha, hex);
    printf("Window: 0x%08llX-0x%08llX\n", (unsigned long long)start, (unsigned long long)(out_end - 1));
    printf("Size: %llu bytes\n", (unsigned long long)sink.written);
    printf("Digest: %s\n", hex);
    return SYSOTA_EXIT_OK;
}

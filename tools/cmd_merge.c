/*
 * `sysota merge`: bootloader + application HEX files into one factory HEX
 * (the job Hexmate does in Microchip's build), refusing to paper over a
 * "data conflict": two files that want different bytes at one address.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_cliarg.h"
#include "tool_hostfile.h"
#include "tool_ihex.h"
#include "tool_memmap.h"
#include "sysota_cmd.h"

/* Ranges listed in the summary before "...". */
#define SUMMARY_RANGES 16

static void usage(FILE *out)
{
    fprintf(out, "usage: sysota merge -o OUT.hex [--record-size N] IN1.hex IN2.hex...\n"
                 "\n"
                 "Write the union of the input Intel HEX files as one Intel HEX file\n"
                 "(extended linear address records where needed, an end-of-file record).\n"
                 "The same bytes at the same address in two inputs are fine; different bytes\n"
                 "at one address are a data conflict: nothing is written and the address\n"
                 "range and both files are named.\n"
                 "\n"
                 "  -o, --output OUT.hex  the merged file (written atomically)\n"
                 "  --record-size N       data bytes per record, 1-255 (default 16; 32 is common)\n"
                 "  -h, --help            this text\n"
                 "\n"
                 "A start address record (03/05) is kept when the inputs that have one agree.\n"
                 "Exit status: 0 ok, 1 bad input or conflict, 2 usage.\n");
}

static int write_text(void *arg, const char *text, size_t len)
{
    return tool_hostfile_write(arg, text, len);
}

struct input {
    const char *path;
    tool_memmap_t map;
    tool_ihex_result_t res;
};

static void free_inputs(struct input *inputs, int n)
{
    for (int k = 0; k < n; k++) {
        tool_memmap_free(&inputs[k].map);
    }
    free(inputs);
}

/* The earlier input that holds addr: the other party of a conflict. */
static int holder_of(const struct input *inputs, int before, uint32_t addr)
{
    for (int k = 0; k < before; k++) {
        if (tool_memmap_find(&inputs[k].map, addr) >= 0) {
            return k;
        }
    }
    return -1;
}

int sysota_cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    uint64_t record_size = TOOL_IHEX_RECORD_SIZE;
    struct input *inputs = calloc((size_t)argc, sizeof *inputs);
    int n = 0;
    if (inputs == NULL) {
        fprintf(stderr, "sysota merge: out of memory\n");
        return SYSOTA_EXIT_INPUT;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free(inputs);
            return SYSOTA_EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sysota merge: %s needs a file name\n", a);
                free(inputs);
                return SYSOTA_EXIT_USAGE;
            }
            out = argv[++i];
        } else if (strcmp(a, "--record-size") == 0) {
            if (i + 1 >= argc || tool_cliarg_number(argv[i + 1], TOOL_IHEX_RECORD_SIZE_MAX, &record_size) != OTA_OK ||
                record_size == 0) {
                fprintf(stderr, "sysota merge: --record-size needs a number from 1 to %d\n", TOOL_IHEX_RECORD_SIZE_MAX);
                free(inputs);
                return SYSOTA_EXIT_USAGE;
            }
            i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "sysota merge: unknown option '%s'\n", a);
            usage(stderr);
            free(inputs);
            return SYSOTA_EXIT_USAGE;
        } else {
            inputs[n].path = a;
            tool_memmap_init(&inputs[n].map);
            n++;
        }
    }
    if (out == NULL || n == 0) {
        fprintf(stderr, "sysota merge: %s\n", out == NULL ? "no output file (-o OUT.hex)" : "no input files");
        usage(stderr);
        free(inputs);
        return SYSOTA_EXIT_USAGE;
    }

    tool_memmap_t merged;
    tool_memmap_init(&merged);
    int status = SYSOTA_EXIT_OK;
    for (int k = 0; k < n && status == SYSOTA_EXIT_OK; k++) {
        struct input *in = &inputs[k];
        int err = tool_ihex_load(in->path, &in->map, &in->res);
        if (err != OTA_OK) {
            if (in->res.line > 0) {
                fprintf(stderr, "sysota merge: %s:%lu: %s\n", in->path, in->res.line, in->res.msg);
            } else {
                fprintf(stderr, "sysota merge: %s: %s\n", in->path, in->res.msg);
            }
            status = SYSOTA_EXIT_INPUT;
            break;
        }
        tool_memmap_conflict_t c;
        err = tool_memmap_merge(&merged, &in->map, &c);
        if (err == OTA_ERR_EXISTS) {
            int other = holder_of(inputs, k, c.first);
            const char *other_path = other >= 0 ? inputs[other].path : "an earlier input";
            char range[32];
            if (c.first == c.last) {
                snprintf(range, sizeof range, "0x%08X", (unsigned)c.first);
            } else {
                snprintf(range, sizeof range, "0x%08X-0x%08X", (unsigned)c.first, (unsigned)c.last);
            }
            fprintf(stderr,
                    "sysota merge: data conflict at %s (%llu byte%s differ%s) between %s and %s: "
                    "0x%08X is 0x%02X in %s, 0x%02X in %s\n",
                    range, (unsigned long long)c.count, c.count == 1 ? "" : "s", c.count == 1 ? "s" : "", other_path,
                    in->path, (unsigned)c.first, c.old_byte, other_path, c.new_byte, in->path);
            status = SYSOTA_EXIT_INPUT;
        } else if (err != OTA_OK) {
            fprintf(stderr, "sysota merge: %s: %s\n", in->path, ota_err_describe(err));
            status = SYSOTA_EXIT_INPUT;
        }
    }

    tool_ihex_write_opts_t opts = { .record_size = (unsigned)record_size };
    int start_from = -1;
    for (int k = 0; k < n && status == SYSOTA_EXIT_OK; k++) {
        const tool_ihex_result_t *r = &inputs[k].res;
        if (!r->has_start) {
            continue;
        }
        if (start_from < 0) {
            start_from = k;
            opts.has_start = true;
            opts.start_type = r->start_type;
            opts.start_value = r->start_value;
        } else if (r->start_type != opts.start_type || r->start_value != opts.start_value) {
            fprintf(stderr,
                    "sysota merge: warning: start addresses differ (%s: type %02X 0x%08X, %s: type %02X 0x%08X); "
                    "none written\n",
                    inputs[start_from].path, opts.start_type, (unsigned)opts.start_value, inputs[k].path, r->start_type,
                    (unsigned)r->start_value);
            opts.has_start = false;
            break;
        }
    }

    if (status == SYSOTA_EXIT_OK) {
        tool_hostfile_out_t file;
        int err = tool_hostfile_begin(&file, out);
        if (err != OTA_OK) {
            fprintf(stderr, "sysota merge: %s: cannot create: %s\n", out, strerror(errno));
            status = SYSOTA_EXIT_INPUT;
        } else if ((err = tool_ihex_write(&merged, &opts, write_text, &file)) != OTA_OK) {
            tool_hostfile_abort(&file);
            fprintf(stderr, "sysota merge: %s: write failed: %s\n", out, ota_err_describe(err));
            status = SYSOTA_EXIT_INPUT;
        } else if (tool_hostfile_commit(&file) != OTA_OK) {
            fprintf(stderr, "sysota merge: %s: cannot write: %s\n", out, strerror(errno));
            status = SYSOTA_EXIT_INPUT;
        }
    }

    if (status == SYSOTA_EXIT_OK) {
        printf("Merged %d file%s into %s: %llu bytes in %zu range%s\n", n, n == 1 ? "" : "s", out,
               (unsigned long long)tool_memmap_size(&merged), merged.count, merged.count == 1 ? "" : "s");
        for (size_t k = 0; k < merged.count && k < SUMMARY_RANGES; k++) {
            const tool_memrun_t *r = &merged.runs[k];
            printf("  0x%08X-0x%08llX (%llu bytes)\n", (unsigned)r->addr, (unsigned long long)(r->addr + r->len - 1),
                   (unsigned long long)r->len);
        }
        if (merged.count > SUMMARY_RANGES) {
            printf("  ... and %zu more\n", merged.count - SUMMARY_RANGES);
        }
    }
    tool_memmap_free(&merged);
    free_inputs(inputs, n);
    return status;
}

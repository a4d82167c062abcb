/*
 * `sysota delta make|apply`: make a delta patch between two images, and
 * apply one through the device's own decoders to check it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsign.h"
#include "tool_filedigest.h"
#include "tool_hostdelta.h"
#include "tool_hostfile.h"
#include "sysota_cmd.h"

/* The work buffer of `delta apply`: one flash page, as a device would lend. */
#define APPLY_WORK 4096u

static void usage(FILE *out)
{
    fprintf(out, "usage: sysota delta make OLD NEW -o PATCH [--format vcdiff|jojodiff]\n"
                 "       sysota delta apply OLD PATCH -o NEW [--format vcdiff|jojodiff]\n"
                 "\n"
                 "make   write a patch that rebuilds NEW from OLD: VCDIFF (RFC 3284) made by\n"
                 "       Debian's xdelta3 (xdelta3 -e -9 -S none: no secondary compressor, which\n"
                 "       devices do not decode). The patch is then applied with the device's\n"
                 "       decoder and must rebuild NEW exactly, or nothing is written.\n"
                 "       --format jojodiff is refused: no JojoDiff encoder is packaged; make\n"
                 "       such patches with JojoDiff's own jdiff 0.8.5 (jojodiff.sourceforge.net).\n"
                 "apply  rebuild NEW from OLD and PATCH with the device's decoder (a 4 KiB work\n"
                 "       buffer) and print its size and SHA-256. The format is VCDIFF when the\n"
                 "       patch starts with VCDIFF's magic (D6 C3 C4), else JojoDiff, unless\n"
                 "       --format says.\n"
                 "\n"
                 "Files are written atomically (temporary file, then rename).\n"
                 "Exit status: 0 ok, 1 bad input, 2 usage (and --format jojodiff for make).\n");
}

const char *sysota_delta_format_name(ota_delta_format_t format)
{
    return format == OTA_DELTA_VCDIFF ? "vcdiff" : "jojodiff";
}

/* The arguments of one action: two files, -o, --format. */
struct args {
    const char *in[2];
    const char *out;
    const char *format;
};

#define PARSED_HELP (-1)

static int parse(int argc, char **argv, const char *cmd, struct args *a)
{
    int nin = 0;
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            usage(stdout);
            return PARSED_HELP;
        }
        if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0 || strcmp(s, "--format") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: %s needs a value\n", cmd, s);
                return SYSOTA_EXIT_USAGE;
            }
            *(strcmp(s, "--format") == 0 ? &a->format : &a->out) = argv[++i];
        } else if (s[0] == '-' && s[1] != '\0') {
            fprintf(stderr, "%s: unknown option '%s'\n", cmd, s);
            usage(stderr);
            return SYSOTA_EXIT_USAGE;
        } else if (nin < 2) {
            a->in[nin++] = s;
        } else {
            fprintf(stderr, "%s: too many files ('%s')\n", cmd, s);
            return SYSOTA_EXIT_USAGE;
        }
    }
    if (nin < 2 || a->out == NULL) {
        fprintf(stderr, "%s: needs two files and -o\n", cmd);
        usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    if (a->format != NULL && strcmp(a->format, "vcdiff") != 0 && strcmp(a->format, "jojodiff") != 0) {
        fprintf(stderr, "%s: --format '%s': vcdiff or jojodiff\n", cmd, a->format);
        return SYSOTA_EXIT_USAGE;
    }
    return SYSOTA_EXIT_OK;
}

static int load(const char *cmd, const char *path, char **data, size_t *len)
{
    int err = tool_hostfile_read(path, data, len);
    if (err != OTA_OK) {
        fprintf(stderr, "%s: %s: %s\n", cmd, path, err == OTA_ERR_NOT_FOUND ? "no such file" : strerror(errno));
        return SYSOTA_EXIT_INPUT;
    }
    return SYSOTA_EXIT_OK;
}

/* What a decoder's error means to the one who made the patch. */
static const char *apply_error_text(ota_delta_format_t f, int err)
{
    switch (err) {
    case OTA_ERR_NOT_SUPPORTED:
        return f == OTA_DELTA_VCDIFF ? "the patch uses a VCDIFF feature devices do not decode: a secondary "
                                       "compressor (xdelta3's default), a code table or a later version; "
                                       "make it with xdelta3 -S none or `sysota delta make`"
                                     : ota_err_describe(err);
    case OTA_ERR_CORRUPT:
        return "not a valid patch of this format for this base (it reads past the base, or is malformed or "
               "cut short)";
    case OTA_ERR_TOO_LARGE:
        return "the image would pass 4 GiB";
    default:
        return ota_err_describe(err);
    }
}

static void print_digest(const char *label, const void *data, size_t len)
{
    uint8_t sha[OTA_SHA256_LEN];
    char hex[TOOL_FILEDIGEST_HEX_SIZE];
    if (tool_sign_sha256(data, len, sha) == OTA_OK) {
        tool_filedigest_hex(sha, hex);
        printf("%s: %s\n", label, hex);
    }
}

int sysota_delta_check(const char *cmd, ota_delta_format_t format, const uint8_t *base, size_t base_len,
                       const uint8_t *patch, size_t patch_len, const uint8_t *image, size_t image_len)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    int err =
        tool_hostdelta_apply(format, base, base_len, patch, patch_len, APPLY_WORK, UINT32_MAX, &out, &out_len, NULL);
    if (err != OTA_OK) {
        fprintf(stderr, "%s: the %s patch does not apply: %s (%s)\n", cmd, sysota_delta_format_name(format),
                apply_error_text(format, err), ota_err_name(err));
        return SYSOTA_EXIT_INPUT;
    }
    bool same = out_len == image_len && memcmp(out, image, image_len) == 0;
    free(out);
    if (!same) {
        fprintf(stderr,
                "%s: the %s patch applied by the device's decoder does not rebuild the image "
                "(%zu bytes, not %zu, or other bytes)\n",
                cmd, sysota_delta_format_name(format), out_len, image_len);
        return SYSOTA_EXIT_INPUT;
    }
    return SYSOTA_EXIT_OK;
}

static int delta_make(int argc, char **argv)
{
    const char *cmd = "sysota delta make";
    struct args a;
    int status = parse(argc, argv, cmd, &a);
    if (status != SYSOTA_EXIT_OK) {
        return status == PARSED_HELP ? SYSOTA_EXIT_OK : status;
    }
    if (a.format != NULL && strcmp(a.format, "jojodiff") == 0) {
        fprintf(stderr, "%s: --format jojodiff: %s\n", cmd, SYSOTA_NO_JOJO_ENCODER);
        return SYSOTA_EXIT_USAGE;
    }
    char *old = NULL, *new = NULL;
    uint8_t *patch = NULL;
    size_t old_len = 0, new_len = 0, patch_len = 0;
    status = load(cmd, a.in[0], &old, &old_len);
    if (status == SYSOTA_EXIT_OK) {
        status = load(cmd, a.in[1], &new, &new_len);
    }
    if (status == SYSOTA_EXIT_OK) {
        int err = tool_hostdelta_xdelta3(a.in[0], a.in[1], &patch, &patch_len);
        if (err == OTA_ERR_NOT_FOUND) {
            fprintf(stderr, "%s: %s is not installed (Debian package xdelta3; scripts/setup.sh installs it)\n", cmd,
                    TOOL_HOSTDELTA_XDELTA3);
        } else if (err != OTA_OK) {
            fprintf(stderr, "%s: %s failed: %s\n", cmd, TOOL_HOSTDELTA_XDELTA3, ota_err_describe(err));
        }
        status = err == OTA_OK ? SYSOTA_EXIT_OK : SYSOTA_EXIT_INPUT;
    }
    if (status == SYSOTA_EXIT_OK) {
        status = sysota_delta_check(cmd, OTA_DELTA_VCDIFF, (const uint8_t *)old, old_len, patch, patch_len,
                                    (const uint8_t *)new, new_len);
    }
    if (status == SYSOTA_EXIT_OK && tool_hostfile_save(a.out, patch, patch_len) != OTA_OK) {
        fprintf(stderr, "%s: %s: cannot write: %s\n", cmd, a.out, strerror(errno));
        status = SYSOTA_EXIT_INPUT;
    }
    if (status == SYSOTA_EXIT_OK) {
        printf("Format: vcdiff (xdelta3 -e -9 -S none)\n");
        printf("Patch: %zu bytes, %.1f%% of the %zu-byte image\n", patch_len,
               new_len > 0 ? 100.0 * (double)patch_len / (double)new_len : 0.0, new_len);
        print_digest("BaseVerDigest", old, old_len);
        print_digest("PatchDigest", patch, patch_len);
        print_digest("TargetDigest", new, new_len);
        if (patch_len >= new_len) {
            fprintf(stderr, "%s: warning: the patch is no smaller than the image: serve the image itself\n", cmd);
        }
    }
    free(old);
    free(new);
    free(patch);
    return status;
}

static int delta_apply(int argc, char **argv)
{
    const char *cmd = "sysota delta apply";
    struct args a;
    int status = parse(argc, argv, cmd, &a);
    if (status != SYSOTA_EXIT_OK) {
        return status == PARSED_HELP ? SYSOTA_EXIT_OK : status;
    }
    char *old = NULL, *patch = NULL;
    uint8_t *out = NULL;
    size_t old_len = 0, patch_len = 0, out_len = 0;
    status = load(cmd, a.in[0], &old, &old_len);
    if (status == SYSOTA_EXIT_OK) {
        status = load(cmd, a.in[1], &patch, &patch_len);
    }
    ota_delta_format_t format = OTA_DELTA_JOJODIFF;
    if (status == SYSOTA_EXIT_OK) {
        format = a.format != NULL ? (strcmp(a.format, "vcdiff") == 0 ? OTA_DELTA_VCDIFF : OTA_DELTA_JOJODIFF)
                                  : tool_hostdelta_detect((const uint8_t *)patch, patch_len);
        int err = tool_hostdelta_apply(format, (const uint8_t *)old, old_len, (const uint8_t *)patch, patch_len,
                                       APPLY_WORK, UINT32_MAX, &out, &out_len, NULL);
        if (err != OTA_OK) {
            fprintf(stderr, "%s: %s: %s (%s)\n", cmd, a.in[1], apply_error_text(format, err), ota_err_name(err));
            status = SYSOTA_EXIT_INPUT;
        }
    }
    if (status == SYSOTA_EXIT_OK && tool_hostfile_save(a.out, out, out_len) != OTA_OK) {
        fprintf(stderr, "%s: %s: cannot write: %s\n", cmd, a.out, strerror(errno));
        status = SYSOTA_EXIT_INPUT;
    }
    if (status == SYSOTA_EXIT_OK) {
        printf("Format: %s%s\n", sysota_delta_format_name(format),
               a.format != NULL ? "" : " (from the patch's first bytes)");
        printf("Size: %zu bytes\n", out_len);
        print_digest("Digest", out, out_len);
    }
    free(old);
    free(patch);
    free(out);
    return status;
}

int sysota_cmd_delta(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? SYSOTA_EXIT_USAGE : SYSOTA_EXIT_OK;
    }
    if (strcmp(argv[1], "make") == 0) {
        return delta_make(argc, argv);
    }
    if (strcmp(argv[1], "apply") == 0) {
        return delta_apply(argc, argv);
    }
    fprintf(stderr, "sysota delta: unknown action '%s' (make or apply)\n", argv[1]);
    usage(stderr);
    return SYSOTA_EXIT_USAGE;
}

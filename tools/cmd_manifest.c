/*
 * `sysota manifest add|sign|check`: write the server's manifest from image
 * files, sign it, and validate one with the very parser the device runs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostsign.h"
#include "tool_cliarg.h"
#include "ota_codec.h"
#include "tool_filedigest.h"
#include "tool_hostdelta.h"
#include "tool_hostfile.h"
#include "tool_mfdoc.h"
#include "ota_manifest.h"
#include "ota_trust.h"
#include "sysota_cmd.h"

/* Room to format a document before checking it against the device's limit,
 * so that "too large" can say by how much. */
#define FORMAT_CAP (64 * 1024)

/* The detached signature's name: the manifest's with this appended. */
#define SIG_SUFFIX ".sig"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sysota manifest add MANIFEST.json --image FILE --version N --url URL\n"
            "                           [--floor N] [--golden] [--sign-image KEY.pem] [--rollout PCT]\n"
            "                           [--patch-from OLD.bin --patch-url URL [--base-version N]\n"
            "                            [--format jojodiff|vcdiff] [--patch PATCHFILE]]\n"
            "       sysota manifest add MANIFEST.json --version N --erase [--image FILE --url URL]\n"
            "       sysota manifest sign MANIFEST.json --key KEY.pem [--hardware-id ID] [--expires TIME]\n"
            "       sysota manifest check MANIFEST.json [--pubkey KEY.pub.pem]... [--images DIR]\n"
            "\n"
            "add    create MANIFEST.json if missing, compute the SHA-256 and size of FILE, and\n"
            "       add the entry for version N (replacing any entry with that version).\n"
            "       Written atomically, one entry a line, keys in a fixed order: Version,\n"
            "       URL, Digest, Size, Floor, Golden, EraseVer, Signature, Patch.\n"
            "       --floor N: once this image is confirmed, the device refuses anything\n"
            "       below version N. --golden: the image replaces the device's golden copy.\n"
            "       --rollout PCT: only PCT %% of the fleet takes it (a stable hash of each\n"
            "       device's id and the version); add the entry again with a higher PCT to\n"
            "       widen the same cohort (and sign the manifest again).\n"
            "       --sign-image: Signature, by KEY.pem over the image's SHA-256.\n"
            "       --patch-from: also a Patch record, so that a device holding OLD.bin\n"
            "       downloads only the patch at --patch-url: BaseVersion (--base-version, or\n"
            "       the version of the entry whose Digest is OLD.bin's), BaseVerDigest,\n"
            "       PatchURL, PatchDigest, TargetDigest, Format (written for vcdiff only;\n"
            "       jojodiff is the default) and PatchSize. --patch: the patch file, its\n"
            "       format from --format or its first bytes; without it a VCDIFF patch is\n"
            "       made with xdelta3 and written beside FILE under PatchURL's file name.\n"
            "       The patch must rebuild FILE through the device's decoder. Records for\n"
            "       other bases are kept while FILE stays the same image.\n"
            "       With --erase the entry asks devices to erase version N from their\n"
            "       store; --image and --url are then optional.\n"
            "sign   set the next Sequence (1 when there is none), rewrite MANIFEST.json, and\n"
            "       write its signature by KEY.pem to MANIFEST.json.sig (80 bytes). Both\n"
            "       are written atomically. --hardware-id: only devices of that hardware\n"
            "       take the manifest; --expires (RFC 3339, e.g. 2027-01-31T00:00:00Z):\n"
            "       devices refuse it after that time. Both are kept until given again.\n"
            "check  validate MANIFEST.json with the device's parser and list every problem\n"
            "       with its entry index; with --images, also compare each entry's Digest\n"
            "       and Size with the file in DIR named by the last segment of its URL\n"
            "       (and each Patch record's PatchDigest and PatchSize likewise). A Patch\n"
            "       record's TargetDigest must be its entry's Digest.\n"
            "       With --pubkey (up to %d keys, as a device holds), check as a device with\n"
            "       those keys: MANIFEST.json.sig by one of them and valid, a Sequence, and\n"
            "       every image entry's Signature valid under one of them.\n"
            "\n"
            "Exit status: 0 ok, 1 bad input or a problem found, 2 usage.\n",
            OTA_KEYS_MAX);
}

/* ------------------------------------------------------------------------ */
/* Options.                                                                 */
/* ------------------------------------------------------------------------ */

/* One option of an action: a flag, a value, or a value given up to max times. */
struct opt {
    const char *name;
    bool *flag;
    const char **value;
    int *count; /* repeatable: value[] holds up to max of them */
    int max;
};

#define PARSED_HELP (-1)

/* Parse argv[2..] into opts and the one manifest path. SYSOTA_EXIT_OK,
 * PARSED_HELP (usage printed), or SYSOTA_EXIT_USAGE (said why). */
static int parse_opts(int argc, char **argv, const char *cmd, const struct opt *opts, const char **path)
{
    *path = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const struct opt *o = NULL;
        for (const struct opt *k = opts; k->name != NULL; k++) {
            if (strcmp(a, k->name) == 0) {
                o = k;
            }
        }
        if (o != NULL && o->flag != NULL) {
            *o->flag = true;
            continue;
        }
        if (o != NULL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: %s needs a value\n", cmd, a);
                return SYSOTA_EXIT_USAGE;
            }
            if (o->count == NULL) {
                *o->value = argv[++i];
            } else if (*o->count < o->max) {
                o->value[(*o->count)++] = argv[++i];
            } else {
                fprintf(stderr, "%s: %s at most %d times\n", cmd, a, o->max);
                return SYSOTA_EXIT_USAGE;
            }
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return PARSED_HELP;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "%s: unknown option '%s'\n", cmd, a);
            usage(stderr);
            return SYSOTA_EXIT_USAGE;
        } else if (*path == NULL) {
            *path = a;
        } else {
            fprintf(stderr, "%s: one manifest only ('%s' and '%s')\n", cmd, *path, a);
            return SYSOTA_EXIT_USAGE;
        }
    }
    return SYSOTA_EXIT_OK;
}

/* A version (1..2^32-1) given on the command line. */
static bool version_arg(const char *cmd, const char *opt, const char *s, uint32_t *out)
{
    uint64_t v;
    if (tool_cliarg_number(s, UINT32_MAX, &v) != OTA_OK || v == 0) {
        fprintf(stderr, "%s: %s '%s': not a version in 1..4294967295\n", cmd, opt, s);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Shared steps.                                                            */
/* ------------------------------------------------------------------------ */

static const char *parse_error_text(int err)
{
    switch (err) {
    case OTA_ERR_TOO_LARGE:
        return "larger than the device accepts (OTA_MANIFEST_MAX_SIZE bytes, or nested too deep)";
    case OTA_ERR_JSON:
        return "not well-formed JSON";
    case OTA_ERR_MANIFEST:
        return "no \"ota\" array, or a bad Sequence, HardwareId or Expires";
    default:
        return ota_err_describe(err);
    }
}

struct problems {
    const char *path;
    unsigned count;
};

static void report_problem(void *arg, unsigned index, int err, const char *what)
{
    struct problems *p = arg;
    fprintf(stderr, "%s: ota[%u]: %s (%s)\n", p->path, index, what, ota_err_name(err));
    p->count++;
}

/*
 * The manifest at path, read as a device reads it, for an edit. Entries the
 * device rejects would silently vanish on rewrite, so they stop the edit.
 * A missing file is an empty document when missing_ok.
 */
static int load_for_edit(const char *cmd, const char *path, bool missing_ok, tool_mfdoc_t *doc)
{
    char *old = NULL;
    size_t old_len = 0;
    int err = tool_hostfile_read(path, &old, &old_len);
    if (err == OTA_ERR_NOT_FOUND && missing_ok) {
        return SYSOTA_EXIT_OK;
    }
    if (err != OTA_OK) {
        fprintf(stderr, "%s: %s: %s\n", cmd, path, err == OTA_ERR_NOT_FOUND ? "no such file" : strerror(errno));
        return SYSOTA_EXIT_INPUT;
    }
    struct problems p = { path, 0 };
    err = tool_mfdoc_load(doc, old, old_len, report_problem, &p, NULL);
    free(old);
    if (err != OTA_OK || p.count > 0) {
        if (err != OTA_OK) {
            fprintf(stderr, "%s: %s\n", path, parse_error_text(err));
        }
        fprintf(stderr, "%s: %s is not a manifest devices fully accept; fix it first (see `sysota manifest check`)\n",
                cmd, path);
        return SYSOTA_EXIT_INPUT;
    }
    return SYSOTA_EXIT_OK;
}

/*
 * doc as the text to write (*text, malloc'ed, *len bytes), refused when a
 * device would not take all of it. What we write must read back, entry for
 * entry, on a device.
 */
static int format_for_devices(const char *cmd, const char *path, const tool_mfdoc_t *doc, char **text, int *len)
{
    *text = malloc(FORMAT_CAP);
    *len = *text == NULL ? OTA_ERR_NO_SPACE : tool_mfdoc_format(doc, *text, FORMAT_CAP);
    if (*len < 0) {
        fprintf(stderr, "%s: %s\n", cmd, ota_err_describe(*len));
        return SYSOTA_EXIT_INPUT;
    }
    if (doc->count > OTA_MANIFEST_MAX_ENTRIES) {
        fprintf(stderr, "%s: %s would hold %zu entries; devices consider at most %d\n", cmd, path, doc->count,
                OTA_MANIFEST_MAX_ENTRIES);
        return SYSOTA_EXIT_INPUT;
    }
    if (*len > OTA_MANIFEST_MAX_SIZE) {
        fprintf(stderr, "%s: %s would be %d bytes; devices accept at most %d\n", cmd, path, *len,
                OTA_MANIFEST_MAX_SIZE);
        return SYSOTA_EXIT_INPUT;
    }
    tool_mfdoc_t check;
    tool_mfdoc_init(&check);
    unsigned rejected = 0;
    int err = tool_mfdoc_load(&check, *text, (size_t)*len, NULL, NULL, &rejected);
    if (err == OTA_ERR_TOO_LARGE) {
        tool_mfdoc_free(&check);
        fprintf(stderr, "%s: %s would be more than devices parse (%zu entries): %s\n", cmd, path, doc->count,
                ota_err_describe(err));
        return SYSOTA_EXIT_INPUT;
    }
    bool same = err == OTA_OK && rejected == 0 && check.count == doc->count &&
                check.header.has_sequence == doc->header.has_sequence &&
                check.header.sequence == doc->header.sequence &&
                check.header.has_hardware_id == doc->header.has_hardware_id &&
                check.header.has_expires == doc->header.has_expires && check.header.expires == doc->header.expires;
    tool_mfdoc_free(&check);
    if (!same) {
        fprintf(stderr, "%s: internal error: the written manifest does not read back\n", cmd);
        return SYSOTA_EXIT_INPUT;
    }
    return SYSOTA_EXIT_OK;
}

static int save(const char *cmd, const char *path, const void *data, size_t len)
{
    if (tool_hostfile_save(path, data, len) != OTA_OK) {
        fprintf(stderr, "%s: %s: cannot write: %s\n", cmd, path, strerror(errno));
        return SYSOTA_EXIT_INPUT;
    }
    return SYSOTA_EXIT_OK;
}

/* path + ".sig", malloc'ed. */
static char *sig_path(const char *path)
{
    size_t n = strlen(path) + sizeof SIG_SUFFIX;
    char *s = malloc(n);
    if (s != NULL) {
        snprintf(s, n, "%s%s", path, SIG_SUFFIX);
    }
    return s;
}

static bool file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        fclose(f);
    }
    return f != NULL;
}

/* A private key for signing, with its id. */
static int load_signing_key(const char *cmd, const char *path, tool_key_t *key, tool_key_info_t *info)
{
    int err = tool_key_load_private(key, path);
    if (err != OTA_OK) {
        fprintf(stderr, "%s: %s: %s%s\n", cmd, path, tool_key_load_error_text(err),
                err == OTA_ERR_INVALID_ARG ? " (a private key, as `sysota key gen` writes, is needed)" : "");
        return SYSOTA_EXIT_INPUT;
    }
    if (tool_key_info(key, info) != OTA_OK) {
        fprintf(stderr, "%s: %s: libcrypto could not give its public point\n", cmd, path);
        tool_key_free(key);
        return SYSOTA_EXIT_INPUT;
    }
    return SYSOTA_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* add                                                                      */
/* ------------------------------------------------------------------------ */

/* A URL given as option opt, refused when devices would refuse it; the
 * store name it gives into name. */
static int check_url(const char *cmd, const char *opt, const char *url, char name[OTA_STORE_NAME_MAX + 1])
{
    int err;
    if (strlen(url) > OTA_URL_MAX) {
        fprintf(stderr, "%s: %s is %zu bytes; devices accept at most %d\n", cmd, opt, strlen(url), OTA_URL_MAX);
        return SYSOTA_EXIT_INPUT;
    }
    if ((err = ota_url_file_name(url, name, OTA_STORE_NAME_MAX + 1)) != OTA_OK) {
        fprintf(stderr, "%s: %s '%s': devices would refuse it: %s (%s)\n", cmd, opt, url, ota_err_describe(err),
                ota_err_name(err));
        return SYSOTA_EXIT_INPUT;
    }
    return SYSOTA_EXIT_OK;
}

/* The entry's URL, refused when devices would refuse it. */
static int add_url(const char *cmd, ota_manifest_entry_t *e, const char *url, const char *image)
{
    char name[OTA_STORE_NAME_MAX + 1];
    int status = check_url(cmd, "--url", url, name);
    if (status != SYSOTA_EXIT_OK) {
        return status;
    }
    memcpy(e->url, url, strlen(url) + 1);
    const char *base = image != NULL ? strrchr(image, '/') : NULL;
    base = base != NULL ? base + 1 : image;
    if (base != NULL && strcmp(base, name) != 0) {
        fprintf(stderr, "%s: warning: the URL names '%s' but the image is '%s'\n", cmd, name, base);
    }
    return SYSOTA_EXIT_OK;
}

/* Digest and Size of the image file, and its Signature when a key is given. */
static int add_image(const char *cmd, ota_manifest_entry_t *e, const char *image, const char *sign_key,
                     tool_key_info_t *signer)
{
    uint64_t size = 0;
    int err = tool_filedigest_file(image, e->digest, &size);
    if (err != OTA_OK) {
        fprintf(stderr, "%s: %s: %s\n", cmd, image, err == OTA_ERR_NOT_FOUND ? "no such file" : strerror(errno));
        return SYSOTA_EXIT_INPUT;
    }
    if (size == 0 || size > UINT32_MAX) {
        fprintf(stderr, "%s: %s: %llu bytes; an image is 1 byte to 4 GiB - 1\n", cmd, image, (unsigned long long)size);
        return SYSOTA_EXIT_INPUT;
    }
    e->has_digest = true;
    e->size = (uint32_t)size;
    if (sign_key == NULL) {
        return SYSOTA_EXIT_OK;
    }
    tool_key_t key;
    int status = load_signing_key(cmd, sign_key, &key, signer);
    if (status != SYSOTA_EXIT_OK) {
        return status;
    }
    if (tool_sign_digest(&key, e->digest, e->signature) != OTA_OK) {
        fprintf(stderr, "%s: %s: libcrypto could not sign\n", cmd, sign_key);
        status = SYSOTA_EXIT_INPUT;
    }
    e->has_signature = status == SYSOTA_EXIT_OK;
    tool_key_free(&key);
    return status;
}

/* What --patch-from and its companions say. */
struct patch_opts {
    const char *from;   /* --patch-from OLD.bin */
    const char *url;    /* --patch-url */
    const char *base;   /* --base-version */
    const char *format; /* --format */
    const char *file;   /* --patch */
};

/* path's folder + "/" + name (malloc'ed), or name alone for a bare path. */
static char *beside(const char *path, const char *name)
{
    const char *slash = strrchr(path, '/');
    size_t dir = slash != NULL ? (size_t)(slash - path) + 1 : 0;
    char *s = malloc(dir + strlen(name) + 1);
    if (s != NULL) {
        memcpy(s, path, dir);
        strcpy(s + dir, name);
    }
    return s;
}

/* The patch: read from --patch, or made by xdelta3 and saved beside the image. */
static int patch_bytes(const char *cmd, const struct patch_opts *po, const char *image, const char *name,
                       ota_delta_format_t *format, char **patch, size_t *len)
{
    if (po->file != NULL) {
        int err = tool_hostfile_read(po->file, patch, len);
        if (err != OTA_OK) {
            fprintf(stderr, "%s: %s: %s\n", cmd, po->file, err == OTA_ERR_NOT_FOUND ? "no such file" : strerror(errno));
            return SYSOTA_EXIT_INPUT;
        }
        *format = po->format != NULL ? (strcmp(po->format, "vcdiff") == 0 ? OTA_DELTA_VCDIFF : OTA_DELTA_JOJODIFF)
                                     : tool_hostdelta_detect((const uint8_t *)*patch, *len);
        return SYSOTA_EXIT_OK;
    }
    if (po->format != NULL && strcmp(po->format, "jojodiff") == 0) {
        fprintf(stderr, "%s: --format jojodiff without --patch: %s\n", cmd, SYSOTA_NO_JOJO_ENCODER);
        return SYSOTA_EXIT_USAGE;
    }
    *format = OTA_DELTA_VCDIFF;
    int err = tool_hostdelta_xdelta3(po->from, image, (uint8_t **)patch, len);
    if (err != OTA_OK) {
        fprintf(stderr, "%s: %s\n", cmd,
                err == OTA_ERR_NOT_FOUND ? "xdelta3 is not installed (Debian package xdelta3; scripts/setup.sh "
                                           "installs it), or give the patch with --patch"
                                         : "xdelta3 failed to make the patch");
        return SYSOTA_EXIT_INPUT;
    }
    char *out = beside(image, name);
    if (out == NULL || tool_hostfile_save(out, *patch, *len) != OTA_OK) {
        fprintf(stderr, "%s: %s: cannot write: %s\n", cmd, out != NULL ? out : name, strerror(errno));
        free(out);
        return SYSOTA_EXIT_INPUT;
    }
    printf("Patch file: %s (made by xdelta3 -e -9 -S none)\n", out);
    free(out);
    return SYSOTA_EXIT_OK;
}

/*
 * The Patch record of --patch-from for entry e (its image at image): every
 * digest computed here, and the patch applied with the device's decoder,
 * which must rebuild the image exactly. doc gives BaseVersion when
 * --base-version does not.
 */
static int make_patch_record(const char *cmd, const struct patch_opts *po, const tool_mfdoc_t *doc,
                             const ota_manifest_entry_t *e, const char *image, tool_mfdoc_patch_t *rec)
{
    char name[OTA_STORE_NAME_MAX + 1];
    char *old = NULL, *img = NULL, *patch = NULL;
    size_t old_len = 0, img_len = 0, patch_len = 0;
    ota_delta_format_t format = OTA_DELTA_JOJODIFF;

    memset(rec, 0, sizeof *rec);
    int status = check_url(cmd, "--patch-url", po->url, name);
    if (status == SYSOTA_EXIT_OK && po->base != NULL &&
        !version_arg(cmd, "--base-version", po->base, &rec->base_version)) {
        status = SYSOTA_EXIT_USAGE;
    }
    int err = OTA_OK;
    if (status == SYSOTA_EXIT_OK && ((err = tool_hostfile_read(po->from, &old, &old_len)) != OTA_OK ||
                                     (err = tool_hostfile_read(image, &img, &img_len)) != OTA_OK)) {
        fprintf(stderr, "%s: %s: %s\n", cmd, old == NULL ? po->from : image,
                err == OTA_ERR_NOT_FOUND ? "no such file" : strerror(errno));
        status = SYSOTA_EXIT_INPUT;
    }
    if (status == SYSOTA_EXIT_OK && (tool_sign_sha256(old, old_len, rec->base_digest) != OTA_OK ||
                                     tool_sign_sha256(img, img_len, rec->target_digest) != OTA_OK)) {
        fprintf(stderr, "%s: libcrypto could not hash\n", cmd);
        status = SYSOTA_EXIT_INPUT;
    }
    for (size_t i = 0; status == SYSOTA_EXIT_OK && po->base == NULL && i < doc->count; i++) {
        const ota_manifest_entry_t *b = &doc->entries[i];
        if (!b->erase && b->has_digest && memcmp(b->digest, rec->base_digest, OTA_SHA256_LEN) == 0) {
            rec->base_version = b->version;
        }
    }
    if (status == SYSOTA_EXIT_OK && rec->base_version == 0) {
        fprintf(stderr, "%s: no entry of %s has the Digest of %s: give its version with --base-version N\n", cmd,
                "the manifest", po->from);
        status = SYSOTA_EXIT_INPUT;
    }
    if (status == SYSOTA_EXIT_OK && rec->base_version == e->version) {
        fprintf(stderr, "%s: --patch-from is version %lu itself: a patch needs an older image\n", cmd,
                (unsigned long)e->version);
        status = SYSOTA_EXIT_USAGE;
    }
    if (status == SYSOTA_EXIT_OK) {
        status = patch_bytes(cmd, po, image, name, &format, &patch, &patch_len);
    }
    if (status == SYSOTA_EXIT_OK && (patch_len == 0 || patch_len > UINT32_MAX)) {
        fprintf(stderr, "%s: the patch is %zu bytes; PatchSize is 1 byte to 4 GiB - 1\n", cmd, patch_len);
        status = SYSOTA_EXIT_INPUT;
    }
    if (status == SYSOTA_EXIT_OK) {
        status = sysota_delta_check(cmd, format, (const uint8_t *)old, old_len, (const uint8_t *)patch, patch_len,
                                    (const uint8_t *)img, img_len);
    }
    if (status == SYSOTA_EXIT_OK && tool_sign_sha256(patch, patch_len, rec->patch_digest) != OTA_OK) {
        fprintf(stderr, "%s: libcrypto could not hash\n", cmd);
        status = SYSOTA_EXIT_INPUT;
    }
    if (status == SYSOTA_EXIT_OK) {
        memcpy(rec->url, po->url, strlen(po->url) + 1);
        rec->size = (uint32_t)patch_len;
        rec->format = (uint8_t)format;
        if (patch_len >= img_len) {
            fprintf(stderr, "%s: warning: the patch (%zu bytes) is no smaller than the image (%zu bytes)\n", cmd,
                    patch_len, img_len);
        }
    }
    free(old);
    free(img);
    free(patch);
    return status;
}

static int manifest_add(int argc, char **argv)
{
    const char *cmd = "sysota manifest add";
    const char *path, *image = NULL, *url = NULL, *version_s = NULL, *floor_s = NULL, *sign_key = NULL;
    const char *rollout_s = NULL;
    bool erase = false, golden = false;
    struct patch_opts po = { NULL, NULL, NULL, NULL, NULL };
    const struct opt opts[] = {
        { "--image", NULL, &image, NULL, 0 },         { "--url", NULL, &url, NULL, 0 },
        { "--version", NULL, &version_s, NULL, 0 },   { "--erase", &erase, NULL, NULL, 0 },
        { "--floor", NULL, &floor_s, NULL, 0 },       { "--golden", &golden, NULL, NULL, 0 },
        { "--sign-image", NULL, &sign_key, NULL, 0 }, { "--patch-from", NULL, &po.from, NULL, 0 },
        { "--patch-url", NULL, &po.url, NULL, 0 },    { "--base-version", NULL, &po.base, NULL, 0 },
        { "--format", NULL, &po.format, NULL, 0 },    { "--patch", NULL, &po.file, NULL, 0 },
        { "--rollout", NULL, &rollout_s, NULL, 0 },   { NULL, NULL, NULL, NULL, 0 },
    };
    int status = parse_opts(argc, argv, cmd, opts, &path);
    if (status != SYSOTA_EXIT_OK) {
        return status == PARSED_HELP ? SYSOTA_EXIT_OK : status;
    }
    if (path == NULL || version_s == NULL || (!erase && (image == NULL || url == NULL))) {
        fprintf(stderr, "%s: needs MANIFEST.json, --version%s\n", cmd,
                erase ? "" : ", --image and --url (only --erase entries may omit them)");
        usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    if (erase && (golden || floor_s != NULL || sign_key != NULL || po.from != NULL || rollout_s != NULL)) {
        fprintf(stderr,
                "%s: --golden, --floor, --sign-image, --patch-from and --rollout describe an image to "
                "install, not --erase\n",
                cmd);
        return SYSOTA_EXIT_USAGE;
    }
    if (po.from == NULL ? (po.url != NULL || po.base != NULL || po.format != NULL || po.file != NULL)
                        : po.url == NULL) {
        fprintf(stderr,
                "%s: --patch-from OLD.bin and --patch-url URL go together; --base-version, --format and "
                "--patch only with them\n",
                cmd);
        return SYSOTA_EXIT_USAGE;
    }
    if (po.format != NULL && strcmp(po.format, "vcdiff") != 0 && strcmp(po.format, "jojodiff") != 0) {
        fprintf(stderr, "%s: --format '%s': jojodiff or vcdiff\n", cmd, po.format);
        return SYSOTA_EXIT_USAGE;
    }
    ota_manifest_entry_t e;
    memset(&e, 0, sizeof e);
    e.erase = erase;
    e.golden = golden;
    if (!version_arg(cmd, "--version", version_s, &e.version) ||
        (floor_s != NULL && !version_arg(cmd, "--floor", floor_s, &e.floor))) {
        return SYSOTA_EXIT_USAGE;
    }
    if (rollout_s != NULL) {
        uint64_t pct;
        if (tool_cliarg_number(rollout_s, 100, &pct) != OTA_OK) {
            fprintf(stderr, "%s: --rollout '%s': a percentage of the fleet, 0..100\n", cmd, rollout_s);
            return SYSOTA_EXIT_USAGE;
        }
        e.has_rollout = true;
        e.rollout = (uint8_t)pct;
    }
    if (e.floor > e.version) {
        fprintf(stderr, "%s: --floor %lu is above --version %lu: a device could not keep the image it confirms\n", cmd,
                (unsigned long)e.floor, (unsigned long)e.version);
        return SYSOTA_EXIT_USAGE;
    }
    tool_key_info_t signer;
    if ((url != NULL && (status = add_url(cmd, &e, url, image)) != SYSOTA_EXIT_OK) ||
        (image != NULL && (status = add_image(cmd, &e, image, sign_key, &signer)) != SYSOTA_EXIT_OK)) {
        return status;
    }

    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    char *text = NULL;
    int len = 0;
    int replaced = 0;
    tool_mfdoc_patch_t rec;
    status = load_for_edit(cmd, path, true, &doc);
    if (status == SYSOTA_EXIT_OK && po.from != NULL) {
        status = make_patch_record(cmd, &po, &doc, &e, image, &rec);
    }
    if (status == SYSOTA_EXIT_OK && (replaced = tool_mfdoc_set(&doc, &e)) < 0) {
        fprintf(stderr, "%s: %s\n", cmd, ota_err_describe(replaced));
        status = SYSOTA_EXIT_INPUT;
    }
    int err = OTA_OK;
    if (status == SYSOTA_EXIT_OK && po.from != NULL && (err = tool_mfdoc_add_patch(&doc, e.version, &rec)) < 0) {
        fprintf(stderr, "%s: %s\n", cmd,
                err == OTA_ERR_FULL ? "the entry has patch records for as many bases as the tool keeps"
                                    : ota_err_describe(err));
        status = SYSOTA_EXIT_INPUT;
    }
    if (status == SYSOTA_EXIT_OK) {
        status = format_for_devices(cmd, path, &doc, &text, &len);
    }
    if (status == SYSOTA_EXIT_OK) {
        status = save(cmd, path, text, (size_t)len);
    }
    if (status == SYSOTA_EXIT_OK) {
        char digest_hex[TOOL_FILEDIGEST_HEX_SIZE];
        printf("%s version %lu%s in %s (%zu entr%s, %d bytes)\n", replaced ? "Replaced" : "Added",
               (unsigned long)e.version, erase ? " (erase request)" : "", path, doc.count, doc.count == 1 ? "y" : "ies",
               len);
        if (e.has_digest) {
            tool_filedigest_hex(e.digest, digest_hex);
            printf("Digest: %s\nSize: %lu bytes\n", digest_hex, (unsigned long)e.size);
        }
        if (e.has_signature) {
            printf("Signature: by key %s\n", signer.id_hex);
        }
        if (po.from != NULL) {
            char hex[TOOL_FILEDIGEST_HEX_SIZE];
            tool_filedigest_hex(rec.patch_digest, hex);
            printf("Patch: from version %lu (%s), %lu bytes, %.1f%% of the image\nPatchDigest: %s\n",
                   (unsigned long)rec.base_version, sysota_delta_format_name((ota_delta_format_t)rec.format),
                   (unsigned long)rec.size, 100.0 * (double)rec.size / (double)e.size, hex);
        }
        /* A signed manifest's .sig covers the old bytes: devices with keys
         * refuse the pair until it is signed again. */
        char *sig = sig_path(path);
        if (sig != NULL && file_exists(sig)) {
            fprintf(stderr, "%s: warning: %s was for the previous contents; run `sysota manifest sign` again\n", cmd,
                    sig);
        }
        free(sig);
    }
    free(text);
    tool_mfdoc_free(&doc);
    return status;
}

/* ------------------------------------------------------------------------ */
/* sign                                                                     */
/* ------------------------------------------------------------------------ */

/* --hardware-id and --expires into the document's own keys. */
static int sign_header(const char *cmd, ota_manifest_header_t *h, const char *hardware_id, const char *expires)
{
    if (hardware_id != NULL) {
        size_t n = strlen(hardware_id);
        if (n == 0 || n > OTA_HARDWARE_ID_MAX) {
            fprintf(stderr, "%s: --hardware-id '%s': devices take 1 to %d bytes\n", cmd, hardware_id,
                    OTA_HARDWARE_ID_MAX);
            return SYSOTA_EXIT_USAGE;
        }
        memcpy(h->hardware_id, hardware_id, n + 1);
        h->has_hardware_id = true;
    }
    if (expires != NULL) {
        uint64_t when = 0;
        if (ota_rfc3339_parse(expires, strlen(expires), &when) != OTA_OK) {
            fprintf(stderr, "%s: --expires '%s': not an RFC 3339 date-time such as 2027-01-31T00:00:00Z\n", cmd,
                    expires);
            return SYSOTA_EXIT_USAGE;
        }
        /* The tool's own clock: a manifest already past would be refused by every device. */
        if (when <= (uint64_t)time(NULL)) {
            fprintf(stderr, "%s: --expires %s is already past: devices would refuse the manifest\n", cmd, expires);
            return SYSOTA_EXIT_INPUT;
        }
        h->expires = when;
        h->has_expires = true;
    } else if (h->has_expires && h->expires <= (uint64_t)time(NULL)) {
        char when[TOOL_MFDOC_TIME_SIZE];
        (void)tool_mfdoc_time_text(h->expires, when);
        fprintf(stderr, "%s: the manifest's Expires %s is past: give a new --expires\n", cmd, when);
        return SYSOTA_EXIT_INPUT;
    }
    if (h->has_sequence && h->sequence == UINT32_MAX) {
        fprintf(stderr, "%s: Sequence is 4294967295, the highest there is: devices can take no newer manifest\n", cmd);
        return SYSOTA_EXIT_INPUT;
    }
    h->sequence = h->has_sequence ? h->sequence + 1 : 1;
    h->has_sequence = true;
    return SYSOTA_EXIT_OK;
}

/*
 * Power cut or crash between the two writes: the new manifest is served
 * with the old .sig, which does not verify over it; devices with keys
 * refuse the pair and keep what they run until `sign` is run again. Never
 * a half-written file: each of the two is replaced atomically.
 */
static int manifest_sign(int argc, char **argv)
{
    const char *cmd = "sysota manifest sign";
    const char *path, *key_path = NULL, *hardware_id = NULL, *expires = NULL;
    const struct opt opts[] = {
        { "--key", NULL, &key_path, NULL, 0 },
        { "--hardware-id", NULL, &hardware_id, NULL, 0 },
        { "--expires", NULL, &expires, NULL, 0 },
        { NULL, NULL, NULL, NULL, 0 },
    };
    int status = parse_opts(argc, argv, cmd, opts, &path);
    if (status != SYSOTA_EXIT_OK) {
        return status == PARSED_HELP ? SYSOTA_EXIT_OK : status;
    }
    if (path == NULL || key_path == NULL) {
        fprintf(stderr, "%s: needs MANIFEST.json and --key KEY.pem\n", cmd);
        usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    tool_key_t key = { NULL };
    tool_key_info_t info;
    char *text = NULL, *sig_name = NULL;
    int len = 0;
    status = load_for_edit(cmd, path, false, &doc);
    if (status == SYSOTA_EXIT_OK) {
        status = sign_header(cmd, &doc.header, hardware_id, expires);
    }
    if (status == SYSOTA_EXIT_OK) {
        status = load_signing_key(cmd, key_path, &key, &info);
    }
    if (status == SYSOTA_EXIT_OK) {
        status = format_for_devices(cmd, path, &doc, &text, &len);
    }
    uint8_t digest[OTA_SHA256_LEN], sig[OTA_SIG_LEN], sigfile[OTA_SIGFILE_LEN];
    if (status == SYSOTA_EXIT_OK &&
        (tool_sign_sha256(text, (size_t)len, digest) != OTA_OK || tool_sign_digest(&key, digest, sig) != OTA_OK)) {
        fprintf(stderr, "%s: libcrypto could not sign\n", cmd);
        status = SYSOTA_EXIT_INPUT;
    }
    if (status == SYSOTA_EXIT_OK && (sig_name = sig_path(path)) == NULL) {
        fprintf(stderr, "%s: out of memory\n", cmd);
        status = SYSOTA_EXIT_INPUT;
    }
    if (status == SYSOTA_EXIT_OK) {
        ota_sigfile_t sf;
        memcpy(sf.key_id, info.id, OTA_KEY_ID_LEN);
        memcpy(sf.sig, sig, OTA_SIG_LEN);
        ota_sigfile_encode(&sf, sigfile);
        status = save(cmd, path, text, (size_t)len);
    }
    if (status == SYSOTA_EXIT_OK) {
        status = save(cmd, sig_name, sigfile, sizeof sigfile);
    }
    if (status == SYSOTA_EXIT_OK) {
        printf("Signed %s (%d bytes): Sequence %lu, key %s\n", path, len, (unsigned long)doc.header.sequence,
               info.id_hex);
        printf("Signature file: %s (%d bytes)\n", sig_name, OTA_SIGFILE_LEN);
        for (size_t i = 0; i < doc.count; i++) {
            if (!doc.entries[i].erase && !doc.entries[i].has_signature) {
                fprintf(stderr, "%s: warning: ota[%zu] (version %lu) has no Signature: devices with keys refuse it\n",
                        cmd, i, (unsigned long)doc.entries[i].version);
            }
        }
    }
    free(sig_name);
    free(text);
    tool_key_free(&key);
    tool_mfdoc_free(&doc);
    return status;
}

/* ------------------------------------------------------------------------ */
/* check                                                                    */
/* ------------------------------------------------------------------------ */

/* Entry-level checks beyond the parser's: what a device would do oddly. */
static void check_versions(const tool_mfdoc_t *doc, struct problems *p)
{
    for (size_t i = 0; i < doc->count; i++) {
        for (size_t j = 0; j < i; j++) {
            const ota_manifest_entry_t *a = &doc->entries[j], *b = &doc->entries[i];
            if (a->version != b->version) {
                continue;
            }
            if (a->erase != b->erase) {
                fprintf(stderr, "%s: ota[%u]: Version %lu is both an update and an erase request (ota[%u])\n", p->path,
                        doc->index[i], (unsigned long)b->version, doc->index[j]);
            } else {
                fprintf(stderr, "%s: ota[%u]: Version %lu repeats ota[%u]\n", p->path, doc->index[i],
                        (unsigned long)b->version, doc->index[j]);
            }
            p->count++;
            break;
        }
    }
}

/* What a file served beside the manifest must be: an entry's image or a patch. */
struct served {
    const char *kind;       /* "image" or "Patch[k]" */
    const char *digest_key; /* "Digest" or "PatchDigest" */
    const char *size_key;   /* "Size" or "PatchSize" */
    const uint8_t *digest;
    uint32_t size; /* 0: not given */
};

static void check_file(const struct served *w, unsigned index, struct problems *p, const char *file)
{
    uint8_t digest[TOOL_FILEDIGEST_LEN];
    uint64_t size = 0;
    int err = tool_filedigest_file(file, digest, &size);
    if (err == OTA_ERR_NOT_FOUND) {
        fprintf(stderr, "%s: ota[%u]: %s %s: no such file\n", p->path, index, w->kind, file);
        p->count++;
        return;
    }
    if (err != OTA_OK) {
        fprintf(stderr, "%s: ota[%u]: %s %s: cannot read: %s\n", p->path, index, w->kind, file, strerror(errno));
        p->count++;
        return;
    }
    if (memcmp(digest, w->digest, sizeof digest) != 0) {
        char have[TOOL_FILEDIGEST_HEX_SIZE], want[TOOL_FILEDIGEST_HEX_SIZE];
        tool_filedigest_hex(digest, have);
        tool_filedigest_hex(w->digest, want);
        fprintf(stderr, "%s: ota[%u]: %s %s does not match %s %s (sha256 %s)\n", p->path, index, w->digest_key, want,
                w->kind, file, have);
        p->count++;
    }
    if (w->size != 0 && size != w->size) {
        fprintf(stderr, "%s: ota[%u]: %s %lu does not match %s %s (%llu bytes)\n", p->path, index, w->size_key,
                (unsigned long)w->size, w->kind, file, (unsigned long long)size);
        p->count++;
    }
}

/* The file named by url's last segment in dir, checked against w. */
static void check_served(const struct served *w, const char *url, unsigned index, struct problems *p, const char *dir)
{
    char name[OTA_STORE_NAME_MAX + 1];
    if (ota_url_file_name(url, name, sizeof name) != OTA_OK) {
        return; /* the parser has refused such a URL already */
    }
    size_t n = strlen(dir) + strlen(name) + 2;
    char *file = malloc(n);
    if (file == NULL) {
        fprintf(stderr, "sysota manifest check: out of memory\n");
        p->count++;
        return;
    }
    snprintf(file, n, "%s/%s", dir, name);
    check_file(w, index, p, file);
    free(file);
}

static void check_images(const tool_mfdoc_t *doc, struct problems *p, const char *dir)
{
    for (size_t i = 0; i < doc->count; i++) {
        const ota_manifest_entry_t *e = &doc->entries[i];
        if (!e->has_digest || e->url[0] == '\0') {
            continue; /* an erase entry without an image */
        }
        struct served image = { "image", "Digest", "Size", e->digest, e->size };
        check_served(&image, e->url, doc->index[i], p, dir);
        for (unsigned k = 0; k < doc->patches[i].count; k++) {
            const tool_mfdoc_patch_t *r = &doc->patches[i].p[k];
            char kind[32];
            snprintf(kind, sizeof kind, "Patch[%u]", k);
            struct served patch = { kind, "PatchDigest", "PatchSize", r->patch_digest, r->size };
            check_served(&patch, r->url, doc->index[i], p, dir);
        }
    }
}

/* A patch record rebuilds its entry's image, so its TargetDigest is the
 * entry's Digest: a device would fetch the patch, rebuild, and throw the
 * result away. */
static void check_patch_targets(const tool_mfdoc_t *doc, struct problems *p)
{
    for (size_t i = 0; i < doc->count; i++) {
        for (unsigned k = 0; k < doc->patches[i].count; k++) {
            const tool_mfdoc_patch_t *r = &doc->patches[i].p[k];
            if (!doc->entries[i].has_digest || memcmp(r->target_digest, doc->entries[i].digest, OTA_SHA256_LEN) != 0) {
                fprintf(stderr, "%s: ota[%u]: Patch[%u]: TargetDigest is not the entry's Digest\n", p->path,
                        doc->index[i], k);
                p->count++;
            }
        }
    }
}

/* The keys a device would hold. */
struct trusted {
    int count;
    const char *path[OTA_KEYS_MAX];
    tool_key_info_t info[OTA_KEYS_MAX];
};

static int load_trusted(const char *const *paths, int count, struct trusted *t)
{
    t->count = 0;
    for (int k = 0; k < count; k++) {
        tool_key_t key;
        int err = tool_key_load_public(&key, paths[k]);
        if (err != OTA_OK) {
            fprintf(stderr, "sysota manifest check: --pubkey %s: %s\n", paths[k], tool_key_load_error_text(err));
            return SYSOTA_EXIT_INPUT;
        }
        err = tool_key_info(&key, &t->info[t->count]);
        tool_key_free(&key);
        if (err != OTA_OK) {
            fprintf(stderr, "sysota manifest check: --pubkey %s: libcrypto could not give its point\n", paths[k]);
            return SYSOTA_EXIT_INPUT;
        }
        t->path[t->count++] = paths[k];
    }
    return SYSOTA_EXIT_OK;
}

/* Which trusted key verifies sig over digest: its index, or -1. */
static int verifying_key(const struct trusted *t, const uint8_t digest[OTA_SHA256_LEN], const uint8_t sig[OTA_SIG_LEN])
{
    for (int k = 0; k < t->count; k++) {
        if (tool_sign_verify(t->info[k].point, digest, sig) == OTA_OK) {
            return k;
        }
    }
    return -1;
}

/* The detached signature over the manifest's bytes exactly as read. */
static void check_sigfile(const char *text, size_t len, const struct trusted *t, struct problems *p)
{
    char *name = sig_path(p->path);
    char *raw = NULL;
    size_t raw_len = 0;
    uint8_t id[OTA_KEY_ID_LEN], sig[OTA_SIG_LEN], digest[OTA_SHA256_LEN];
    ota_sigfile_t sf;
    const char *what = NULL;
    int k = 0;

    if (name == NULL) {
        fprintf(stderr, "sysota manifest check: out of memory\n");
        p->count++;
        return;
    }
    p->count++; /* taken back when every step passes */
    int err = tool_hostfile_read(name, &raw, &raw_len);
    if (err == OTA_ERR_NOT_FOUND) {
        fprintf(stderr, "%s: no such file: devices with keys refuse an unsigned manifest (`sysota manifest sign`)\n",
                name);
    } else if (err != OTA_OK) {
        fprintf(stderr, "%s: cannot read: %s\n", name, strerror(errno));
    } else if (ota_sigfile_parse((const uint8_t *)raw, raw_len, &sf, &what) != OTA_OK) {
        fprintf(stderr, "%s: not a manifest signature file: %s\n", name, what);
    } else {
        memcpy(id, sf.key_id, OTA_KEY_ID_LEN);
        memcpy(sig, sf.sig, OTA_SIG_LEN);
        while (k < t->count && memcmp(id, t->info[k].id, OTA_KEY_ID_LEN) != 0) {
            k++;
        }
        char id_hex[TOOL_KEY_ID_HEX_SIZE];
        tool_key_id_hex(id, id_hex);
        if (k == t->count) {
            fprintf(stderr, "%s: signed by key %s, not one of the given keys (", name, id_hex);
            for (int j = 0; j < t->count; j++) {
                fprintf(stderr, "%s%s", j > 0 ? ", " : "", t->info[j].id_hex);
            }
            fprintf(stderr, ")\n");
        } else if (tool_sign_sha256(text, len, digest) != OTA_OK ||
                   tool_sign_verify(t->info[k].point, digest, sig) != OTA_OK) {
            fprintf(stderr,
                    "%s: the signature by key %s does not verify over %s: the manifest changed after it was "
                    "signed, or the signature is another manifest's\n",
                    name, id_hex, p->path);
        } else {
            printf("Manifest signature: valid, key %s (%s)\n", id_hex, t->path[k]);
            p->count--;
        }
    }
    free(raw);
    free(name);
}

/* What a device with keys requires besides the .sig. */
static void check_signatures(const tool_mfdoc_t *doc, const struct trusted *t, struct problems *p)
{
    if (!doc->header.has_sequence) {
        fprintf(stderr, "%s: no Sequence: devices with keys refuse the manifest (`sysota manifest sign` sets it)\n",
                p->path);
        p->count++;
    }
    for (size_t i = 0; i < doc->count; i++) {
        const ota_manifest_entry_t *e = &doc->entries[i];
        if (e->erase) {
            continue; /* nothing is installed from an erase request */
        }
        if (!e->has_signature) {
            fprintf(stderr,
                    "%s: ota[%u]: no Signature: devices with keys refuse the entry (`manifest add --sign-image`)\n",
                    p->path, doc->index[i]);
            p->count++;
        } else if (verifying_key(t, e->digest, e->signature) < 0) {
            char hex[TOOL_FILEDIGEST_HEX_SIZE];
            tool_filedigest_hex(e->digest, hex);
            fprintf(stderr, "%s: ota[%u]: Signature does not verify over Digest %s with any given key\n", p->path,
                    doc->index[i], hex);
            p->count++;
        }
    }
}

/* The manifest's own keys: what they tell a device. */
static void check_header(const tool_mfdoc_t *doc, struct problems *p)
{
    const ota_manifest_header_t *h = &doc->header;
    if (h->has_sequence) {
        printf("Sequence: %lu\n", (unsigned long)h->sequence);
    }
    if (h->has_hardware_id) {
        printf("HardwareId: %s\n", h->hardware_id);
    }
    if (h->has_expires) {
        char when[TOOL_MFDOC_TIME_SIZE];
        (void)tool_mfdoc_time_text(h->expires, when);
        if (h->expires <= (uint64_t)time(NULL)) {
            fprintf(stderr, "%s: Expires %s is past: devices refuse the manifest\n", p->path, when);
            p->count++;
        } else {
            printf("Expires: %s\n", when);
        }
    }
}

static int manifest_check(int argc, char **argv)
{
    const char *cmd = "sysota manifest check";
    const char *path, *images = NULL;
    const char *pubkeys[OTA_KEYS_MAX];
    int npubkeys = 0;
    const struct opt opts[] = {
        { "--images", NULL, &images, NULL, 0 },
        { "--pubkey", NULL, pubkeys, &npubkeys, OTA_KEYS_MAX },
        { NULL, NULL, NULL, NULL, 0 },
    };
    int status = parse_opts(argc, argv, cmd, opts, &path);
    if (status != SYSOTA_EXIT_OK) {
        return status == PARSED_HELP ? SYSOTA_EXIT_OK : status;
    }
    if (path == NULL) {
        fprintf(stderr, "%s: no manifest given\n", cmd);
        usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    struct trusted trusted;
    if (load_trusted(pubkeys, npubkeys, &trusted) != SYSOTA_EXIT_OK) {
        return SYSOTA_EXIT_INPUT;
    }
    char *text = NULL;
    size_t len = 0;
    int err = tool_hostfile_read(path, &text, &len);
    if (err != OTA_OK) {
        fprintf(stderr, "%s: %s: %s\n", cmd, path, err == OTA_ERR_NOT_FOUND ? "no such file" : strerror(errno));
        return SYSOTA_EXIT_INPUT;
    }

    struct problems p = { path, 0 };
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    err = tool_mfdoc_load(&doc, text, len, report_problem, &p, NULL);
    if (err != OTA_OK) {
        if (err == OTA_ERR_TOO_LARGE && len > OTA_MANIFEST_MAX_SIZE) {
            fprintf(stderr, "%s: %zu bytes; devices accept at most %d\n", path, len, OTA_MANIFEST_MAX_SIZE);
        } else {
            fprintf(stderr, "%s: %s\n", path, parse_error_text(err));
        }
        free(text);
        tool_mfdoc_free(&doc);
        return SYSOTA_EXIT_INPUT;
    }
    /* What a device would make of it, from the same code the device runs. */
    ota_manifest_choice_t choice;
    ota_manifest_policy_t policy = { 0 };
    policy.need_signature = trusted.count > 0;
    bool chosen = ota_manifest_choose(text, len, &policy, &choice) == OTA_OK;
    if (chosen) {
        printf("%s: %u entr%s accepted, %u rejected\n", path, choice.accepted, choice.accepted == 1 ? "y" : "ies",
               choice.rejected);
    }
    check_versions(&doc, &p);
    check_patch_targets(&doc, &p);
    if (images != NULL) {
        check_images(&doc, &p, images);
    }
    check_header(&doc, &p);
    if (trusted.count > 0) {
        check_sigfile(text, len, &trusted, &p);
        check_signatures(&doc, &trusted, &p);
    }
    if (chosen && choice.has_update) {
        printf("%s: version %lu from %s\n", choice.update.golden ? "Golden image replacement" : "Newest update",
               (unsigned long)choice.update.version, choice.update.url);
    }
    for (unsigned k = 0; chosen && k < choice.erase_count; k++) {
        printf("Erase request: version %lu\n", (unsigned long)choice.erase[k]);
    }
    free(text);
    tool_mfdoc_free(&doc);
    if (p.count > 0) {
        fprintf(stderr, "%s: %u problem%s\n", path, p.count, p.count == 1 ? "" : "s");
        return SYSOTA_EXIT_INPUT;
    }
    printf("OK\n");
    return SYSOTA_EXIT_OK;
}

int sysota_cmd_manifest(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? SYSOTA_EXIT_USAGE : SYSOTA_EXIT_OK;
    }
    if (strcmp(argv[1], "add") == 0) {
        return manifest_add(argc, argv);
    }
    if (strcmp(argv[1], "sign") == 0) {
        return manifest_sign(argc, argv);
    }
    if (strcmp(argv[1], "check") == 0) {
        return manifest_check(argc, argv);
    }
    fprintf(stderr, "sysota manifest: unknown action '%s' (add, sign or check)\n", argv[1]);
    usage(stderr);
    return SYSOTA_EXIT_USAGE;
}

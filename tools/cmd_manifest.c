/*
 * `sysota manifest add|check`: write the server's manifest from image files,
 * and validate one with the very parser the device runs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_cliarg.h"
#include "ota_filedigest.h"
#include "ota_hostfile.h"
#include "ota_mfdoc.h"
#include "ota_manifest.h"
#include "sysota_cmd.h"

/* Room to format a document before checking it against the device's limit,
 * so that "too large" can say by how much. */
#define FORMAT_CAP (64 * 1024)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sysota manifest add MANIFEST.json --image FILE --version N --url URL [--erase]\n"
            "       sysota manifest check MANIFEST.json [--images DIR]\n"
            "\n"
            "add    create MANIFEST.json if missing, compute the SHA-256 of FILE, and add the\n"
            "       entry for version N (replacing any entry with that version). Written\n"
            "       atomically, keys in a fixed order: Version, URL, Digest, EraseVer.\n"
            "       With --erase the entry asks devices to erase version N from their\n"
            "       store; --image and --url are then optional.\n"
            "check  validate MANIFEST.json with the device's parser and list every problem\n"
            "       with its entry index; with --images, also compare each entry's Digest\n"
            "       with the file in DIR named by the last segment of its URL.\n"
            "\n"
            "Exit status: 0 ok, 1 bad input or a problem found, 2 usage.\n");
}

static const char *parse_error_text(int err)
{
    switch (err) {
    case OTA_ERR_TOO_LARGE: return "larger than the device accepts (OTA_MANIFEST_MAX_SIZE bytes or tokens)";
    case OTA_ERR_JSON: return "not well-formed JSON";
    case OTA_ERR_MANIFEST: return "no \"ota\" array";
    default: return ota_err_describe(err);
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

/* ------------------------------------------------------------------------ */

static int manifest_add(int argc, char **argv)
{
    const char *path = NULL, *image = NULL, *url = NULL, *version_s = NULL;
    bool erase = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **value = NULL;
        if (strcmp(a, "--image") == 0) {
            value = &image;
        } else if (strcmp(a, "--url") == 0) {
            value = &url;
        } else if (strcmp(a, "--version") == 0) {
            value = &version_s;
        } else if (strcmp(a, "--erase") == 0) {
            erase = true;
            continue;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return SYSOTA_EXIT_OK;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "sysota manifest add: unknown option '%s'\n", a);
            usage(stderr);
            return SYSOTA_EXIT_USAGE;
        } else if (path == NULL) {
            path = a;
            continue;
        } else {
            fprintf(stderr, "sysota manifest add: one manifest only ('%s' and '%s')\n", path, a);
            return SYSOTA_EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "sysota manifest add: %s needs a value\n", a);
            return SYSOTA_EXIT_USAGE;
        }
        *value = argv[++i];
    }
    if (path == NULL || version_s == NULL || (!erase && (image == NULL || url == NULL))) {
        fprintf(stderr, "sysota manifest add: needs MANIFEST.json, --version%s\n",
                erase ? "" : ", --image and --url (only --erase entries may omit them)");
        usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    uint64_t version;
    if (ota_cliarg_number(version_s, UINT32_MAX, &version) != OTA_OK || version == 0) {
        fprintf(stderr, "sysota manifest add: --version '%s': not a version in 1..4294967295\n", version_s);
        return SYSOTA_EXIT_USAGE;
    }

    ota_manifest_entry_t e;
    memset(&e, 0, sizeof e);
    e.version = (uint32_t)version;
    e.erase = erase;
    if (url != NULL) {
        char name[OTA_STORE_NAME_MAX + 1];
        int err;
        if (strlen(url) > OTA_URL_MAX) {
            fprintf(stderr, "sysota manifest add: --url is %zu bytes; devices accept at most %d\n", strlen(url),
                    OTA_URL_MAX);
            return SYSOTA_EXIT_INPUT;
        }
        if ((err = ota_url_file_name(url, name, sizeof name)) != OTA_OK) {
            fprintf(stderr, "sysota manifest add: --url '%s': devices would refuse it: %s (%s)\n", url,
                    ota_err_describe(err), ota_err_name(err));
            return SYSOTA_EXIT_INPUT;
        }
        memcpy(e.url, url, strlen(url) + 1);
        const char *base = image != NULL ? strrchr(image, '/') : NULL;
        base = base != NULL ? base + 1 : image;
        if (base != NULL && strcmp(base, name) != 0) {
            fprintf(stderr, "sysota manifest add: warning: the URL names '%s' but the image is '%s'\n", name, base);
        }
    }
    char digest_hex[OTA_FILEDIGEST_HEX_SIZE] = "";
    if (image != NULL) {
        uint64_t size = 0;
        int err = ota_filedigest_file(image, e.digest, &size);
        if (err != OTA_OK) {
            fprintf(stderr, "sysota manifest add: %s: %s\n", image,
                    err == OTA_ERR_NOT_FOUND ? "no such file" : strerror(errno));
            return SYSOTA_EXIT_INPUT;
        }
        e.has_digest = true;
        ota_filedigest_hex(e.digest, digest_hex);
    }

    /* The existing manifest, read as a device reads it. Entries the device
     * rejects would silently vanish on rewrite, so they stop the edit. */
    ota_mfdoc_t doc;
    ota_mfdoc_init(&doc);
    char *old = NULL;
    size_t old_len = 0;
    int err = ota_hostfile_read(path, &old, &old_len);
    if (err == OTA_OK) {
        struct problems p = { path, 0 };
        err = ota_mfdoc_load(&doc, old, old_len, report_problem, &p, NULL);
        free(old);
        if (err != OTA_OK || p.count > 0) {
            if (err != OTA_OK) {
                fprintf(stderr, "%s: %s\n", path, parse_error_text(err));
            }
            fprintf(stderr, "sysota manifest add: %s is not a manifest devices fully accept; fix it first "
                            "(see `sysota manifest check`)\n",
                    path);
            ota_mfdoc_free(&doc);
            return SYSOTA_EXIT_INPUT;
        }
    } else if (err != OTA_ERR_NOT_FOUND) {
        fprintf(stderr, "sysota manifest add: %s: cannot read: %s\n", path, strerror(errno));
        return SYSOTA_EXIT_INPUT;
    }

    int replaced = ota_mfdoc_set(&doc, &e);
    char *text = malloc(FORMAT_CAP);
    int len = replaced < 0 || text == NULL ? OTA_ERR_NO_SPACE : ota_mfdoc_format(&doc, text, FORMAT_CAP);
    int status = SYSOTA_EXIT_OK;
    if (len < 0) {
        fprintf(stderr, "sysota manifest add: %s\n", ota_err_describe(len));
        status = SYSOTA_EXIT_INPUT;
    } else if (doc.count > OTA_MANIFEST_MAX_ENTRIES) {
        fprintf(stderr, "sysota manifest add: %s would hold %zu entries; devices consider at most %d\n", path,
                doc.count, OTA_MANIFEST_MAX_ENTRIES);
        status = SYSOTA_EXIT_INPUT;
    } else if (len > OTA_MANIFEST_MAX_SIZE) {
        fprintf(stderr, "sysota manifest add: %s would be %d bytes; devices accept at most %d\n", path, len,
                OTA_MANIFEST_MAX_SIZE);
        status = SYSOTA_EXIT_INPUT;
    } else {
        /* What we write must read back, entry for entry, on a device. */
        ota_mfdoc_t check;
        ota_mfdoc_init(&check);
        unsigned rejected = 0;
        if (ota_mfdoc_load(&check, text, (size_t)len, NULL, NULL, &rejected) != OTA_OK || rejected > 0 ||
            check.count != doc.count) {
            fprintf(stderr, "sysota manifest add: internal error: the written manifest does not read back\n");
            status = SYSOTA_EXIT_INPUT;
        }
        ota_mfdoc_free(&check);
    }
    if (status == SYSOTA_EXIT_OK) {
        ota_hostfile_out_t out;
        if (ota_hostfile_begin(&out, path) != OTA_OK) {
            fprintf(stderr, "sysota manifest add: %s: cannot create: %s\n", path, strerror(errno));
            status = SYSOTA_EXIT_INPUT;
        } else if (ota_hostfile_write(&out, text, (size_t)len) != OTA_OK) {
            ota_hostfile_abort(&out);
            fprintf(stderr, "sysota manifest add: %s: write failed\n", path);
            status = SYSOTA_EXIT_INPUT;
        } else if (ota_hostfile_commit(&out) != OTA_OK) {
            fprintf(stderr, "sysota manifest add: %s: cannot write: %s\n", path, strerror(errno));
            status = SYSOTA_EXIT_INPUT;
        }
    }
    if (status == SYSOTA_EXIT_OK) {
        printf("%s version %lu%s in %s (%zu entr%s, %d bytes)\n", replaced ? "Replaced" : "Added",
               (unsigned long)e.version, erase ? " (erase request)" : "", path, doc.count,
               doc.count == 1 ? "y" : "ies", len);
        if (e.has_digest) {
            printf("Digest: %s\n", digest_hex);
        }
    }
    free(text);
    ota_mfdoc_free(&doc);
    return status;
}

/* ------------------------------------------------------------------------ */

/* Entry-level checks beyond the parser's: what a device would do oddly. */
static void check_versions(const ota_mfdoc_t *doc, struct problems *p)
{
    for (size_t i = 0; i < doc->count; i++) {
        for (size_t j = 0; j < i; j++) {
            const ota_manifest_entry_t *a = &doc->entries[j], *b = &doc->entries[i];
            if (a->version != b->version) {
                continue;
            }
            if (a->erase != b->erase) {
                fprintf(stderr, "%s: ota[%u]: Version %lu is both an update and an erase request (ota[%u])\n",
                        p->path, doc->index[i], (unsigned long)b->version, doc->index[j]);
            } else {
                fprintf(stderr, "%s: ota[%u]: Version %lu repeats ota[%u]\n", p->path, doc->index[i],
                        (unsigned long)b->version, doc->index[j]);
            }
            p->count++;
            break;
        }
    }
}

static void check_images(const ota_mfdoc_t *doc, struct problems *p, const char *dir)
{
    for (size_t i = 0; i < doc->count; i++) {
        const ota_manifest_entry_t *e = &doc->entries[i];
        char name[OTA_STORE_NAME_MAX + 1];
        if (!e->has_digest || e->url[0] == '\0' || ota_url_file_name(e->url, name, sizeof name) != OTA_OK) {
            continue; /* an erase entry without an image */
        }
        size_t n = strlen(dir) + strlen(name) + 2;
        char *file = malloc(n);
        if (file == NULL) {
            fprintf(stderr, "sysota manifest check: out of memory\n");
            p->count++;
            return;
        }
        snprintf(file, n, "%s/%s", dir, name);
        uint8_t digest[OTA_FILEDIGEST_LEN];
        int err = ota_filedigest_file(file, digest, NULL);
        if (err == OTA_ERR_NOT_FOUND) {
            fprintf(stderr, "%s: ota[%u]: image %s: no such file\n", p->path, doc->index[i], file);
            p->count++;
        } else if (err != OTA_OK) {
            fprintf(stderr, "%s: ota[%u]: image %s: cannot read: %s\n", p->path, doc->index[i], file,
                    strerror(errno));
            p->count++;
        } else if (memcmp(digest, e->digest, sizeof digest) != 0) {
            char have[OTA_FILEDIGEST_HEX_SIZE], want[OTA_FILEDIGEST_HEX_SIZE];
            ota_filedigest_hex(digest, have);
            ota_filedigest_hex(e->digest, want);
            fprintf(stderr, "%s: ota[%u]: Digest %s does not match image %s (sha256 %s)\n", p->path, doc->index[i],
                    want, file, have);
            p->count++;
        }
        free(file);
    }
}

static int manifest_check(int argc, char **argv)
{
    const char *path = NULL, *images = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--images") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sysota manifest check: --images needs a directory\n");
                return SYSOTA_EXIT_USAGE;
            }
            images = argv[++i];
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return SYSOTA_EXIT_OK;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "sysota manifest check: unknown option '%s'\n", a);
            usage(stderr);
            return SYSOTA_EXIT_USAGE;
        } else if (path == NULL) {
            path = a;
        } else {
            fprintf(stderr, "sysota manifest check: one manifest only ('%s' and '%s')\n", path, a);
            return SYSOTA_EXIT_USAGE;
        }
    }
    if (path == NULL) {
        fprintf(stderr, "sysota manifest check: no manifest given\n");
        usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    char *text = NULL;
    size_t len = 0;
    int err = ota_hostfile_read(path, &text, &len);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota manifest check: %s: %s\n", path,
                err == OTA_ERR_NOT_FOUND ? "no such file" : strerror(errno));
        return SYSOTA_EXIT_INPUT;
    }

    struct problems p = { path, 0 };
    ota_mfdoc_t doc;
    ota_mfdoc_init(&doc);
    err = ota_mfdoc_load(&doc, text, len, report_problem, &p, NULL);
    if (err != OTA_OK) {
        if (err == OTA_ERR_TOO_LARGE && len > OTA_MANIFEST_MAX_SIZE) {
            fprintf(stderr, "%s: %zu bytes; devices accept at most %d\n", path, len, OTA_MANIFEST_MAX_SIZE);
        } else {
            fprintf(stderr, "%s: %s\n", path, parse_error_text(err));
        }
        free(text);
        ota_mfdoc_free(&doc);
        return SYSOTA_EXIT_INPUT;
    }
    check_versions(&doc, &p);
    if (images != NULL) {
        check_images(&doc, &p, images);
    }

    /* What a device would make of it, from the same code the device runs. */
    ota_manifest_choice_t choice;
    ota_manifest_policy_t policy = { 0 };
    if (ota_manifest_choose(text, len, &policy, &choice) == OTA_OK) {
        printf("%s: %u entr%s accepted, %u rejected\n", path, choice.accepted, choice.accepted == 1 ? "y" : "ies",
               choice.rejected);
        if (choice.has_update) {
            printf("Newest update: version %lu from %s\n", (unsigned long)choice.update.version, choice.update.url);
        }
        for (unsigned k = 0; k < choice.erase_count; k++) {
            printf("Erase request: version %lu\n", (unsigned long)choice.erase[k]);
        }
    }
    free(text);
    ota_mfdoc_free(&doc);
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
    if (strcmp(argv[1], "check") == 0) {
        return manifest_check(argc, argv);
    }
    fprintf(stderr, "sysota manifest: unknown action '%s' (add or check)\n", argv[1]);
    usage(stderr);
    return SYSOTA_EXIT_USAGE;
}

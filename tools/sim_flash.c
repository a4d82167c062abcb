/*
 * `sysota sim flash`: what an external programmer does to a new board.
 * The application image goes into the application region and a factory
 * boot control record (status F8) into the boot control sector; the
 * external store is blank, as on a fresh board. The bootloader keeps its
 * golden copy at the first boot (the first `run`), as the original does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostsign.h"
#include "ota_file.h"
#include "tool_filedigest.h"
#include "tool_hostfile.h"
#include "tool_ihex.h"
#include "tool_memmap.h"
#include "ota_trust.h"
#include "sim.h"
#include "sysota_cmd.h"

static void flash_usage(FILE *out)
{
    fprintf(out, "usage: sysota sim flash DEV FACTORY.hex|FACTORY.bin [--version N]\n"
                 "                            [--sign-key KEY.pem | --signature FILE.sig64 | --unsigned-factory]\n"
                 "\n"
                 "Program a factory image as an external programmer would: the image into the\n"
                 "application region, a factory boot control record (F8) into the boot control\n"
                 "sector; the external store is emptied (a new board).\n"
                 "\n"
                 "A .hex file is read at the device's HEX addresses (hex_base + offset): bytes in\n"
                 "the application region are programmed; bytes outside internal flash (a merged\n"
                 "bootloader in boot flash) or below the application region outside the boot\n"
                 "control sector (the part's bootloader) are reported and left out, since the\n"
                 "simulator runs sysota's bootloader itself. In the boot control sector only the\n"
                 "page an application built for Microchip's OTA service carries is accepted: its\n"
                 "FIRMWARE_IMAGE_HEADER v1 gives the version, and the page is not programmed (the\n"
                 "programmer writes sysota's own record there). Any other data there is refused.\n"
                 "Any other file is a raw image of the application region.\n"
                 "\n"
                 "  --version N   the image's version; needed unless the HEX file's boot control\n"
                 "                page or a `sysota sim mkimage` header carries it, and refused\n"
                 "                when it disagrees with either\n"
                 "\n"
                 "A device with keys (`sim init --pubkey`) takes a factory image only when one of\n"
                 "its keys signed it: ECDSA P-256 over the SHA-256 of the bytes programmed (the\n"
                 "application region's), as `manifest add --sign-image` signs an update. The\n"
                 "signature is kept in the store as v<version>.sig, beside the golden copy.\n"
                 "  --sign-key KEY.pem         sign it here with the release key\n"
                 "  --signature FILE.sig64     its signature, 64 bytes r||s (an entry's base64\n"
                 "                             Signature, decoded)\n"
                 "  --unsigned-factory         program it unsigned all the same: the bootloader\n"
                 "                             trusts the factory (golden) image by the digest the\n"
                 "                             programmer writes into the boot control record, so it\n"
                 "                             boots and stays the last resort; what comes over the\n"
                 "                             air must still be signed\n");
}

static bool has_hex_suffix(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcasecmp(path + n - 4, ".hex") == 0;
}

static int report_outside(void *arg, uint32_t lo, uint64_t end)
{
    printf("%s: 0x%08X-0x%08llX (%llu bytes) is outside internal flash (the simulator runs sysota's\n"
           "  bootloader itself): not programmed\n",
           (const char *)arg, (unsigned)lo, (unsigned long long)(end - 1), (unsigned long long)(end - lo));
    return 0;
}

/* Flash below the application region other than the boot control area:
 * on a W1 laid out for Microchip's OTA service, its bootloader. */
struct below_app {
    const char *path;
    uint64_t lo, end; /* the part reported, HEX addresses */
};

static int report_below_app(void *arg, uint32_t lo, uint64_t end)
{
    const struct below_app *b = arg;
    uint64_t a = lo > b->lo ? lo : b->lo;
    uint64_t e = end < b->end ? end : b->end;
    if (a < e) {
        printf("%s: 0x%08llX-0x%08llX (%llu bytes) is below the application region, where the part's\n"
               "  bootloader sits (the simulator runs sysota's bootloader itself): not programmed\n",
               b->path, (unsigned long long)a, (unsigned long long)(e - 1), (unsigned long long)(e - a));
    }
    return 0;
}

/* What a HEX file holds for the device. */
typedef struct hex_image {
    uint8_t *img; /* the application region's bytes, first address to last byte present */
    uint32_t len;
    bool have_page; /* the boot control sector held the original's header page */
    simcmd_fwhdr_t page;
} hex_image_t;

/* Where the original keeps its boot control page: right below the
 * application, the last sector of sysota's two-sector area (HEX address). */
static uint64_t boot_page_addr(const simcmd_device_t *d)
{
    const ota_boot_config_t *bc = &d->dev.boot_cfg;
    return (uint64_t)d->cfg.hex_base + bc->layout.bootctl_addr + bc->layout.bootctl_size - d->cfg.sector_size;
}

/*
 * The boot control area's bytes: accepted only as the page an application
 * built for Microchip's OTA service carries (its header says the version
 * and what the application is); the record written there is sysota's own.
 */
static int read_boot_page(const char *path, const tool_memmap_t *map, const simcmd_device_t *d, hex_image_t *out)
{
    const ota_boot_config_t *bc = &d->dev.boot_cfg;
    uint64_t area = (uint64_t)d->cfg.hex_base + bc->layout.bootctl_addr;
    uint64_t end = area + bc->layout.bootctl_size;
    uint64_t lo = boot_page_addr(d);
    uint64_t app_lo = (uint64_t)d->cfg.hex_base + bc->layout.app_addr;
    uint64_t last = 0;
    char why[160] = "";
    uint8_t page[SIMCMD_FWHDR_PAGE_SIZE];
    if (tool_memmap_last_in(map, (uint32_t)area, end, &last) != OTA_OK) {
        return OTA_OK; /* nothing there */
    }
    int err = OTA_ERR_RANGE;
    if (tool_memmap_last_in(map, (uint32_t)area, lo, &last) == OTA_OK) {
        snprintf(why, sizeof why,
                 "the original's header page is the first %u bytes of the sector below the application",
                 SIMCMD_FWHDR_PAGE_SIZE);
    } else if (tool_memmap_last_in(map, (uint32_t)lo, end, &last) != OTA_OK ||
               d->cfg.sector_size < SIMCMD_FWHDR_PAGE_SIZE || last > lo + SIMCMD_FWHDR_PAGE_SIZE) {
        snprintf(why, sizeof why, "the original's header page is the sector's first %u bytes", SIMCMD_FWHDR_PAGE_SIZE);
    } else if (tool_memmap_read(map, (uint32_t)lo, page, sizeof page, 0xFF) == OTA_OK &&
               simcmd_fwhdr_parse(page, &out->page, why, sizeof why) == OTA_OK) {
        if (simcmd_fwhdr_boot_addr_is(&out->page, (uint32_t)app_lo)) {
            out->have_page = true;
            return OTA_OK;
        }
        snprintf(why, sizeof why,
                 "its FIRMWARE_IMAGE_HEADER says boot address 0x%08X, but this device's application is at 0x%08X",
                 (unsigned)out->page.boot_addr, (unsigned)app_lo);
        err = OTA_ERR_INVALID_ARG;
    }
    fprintf(stderr,
            "sysota sim flash: %s has data in the boot control area (HEX 0x%08X-0x%08X)\n"
            "  that is not an OTA application's FIRMWARE_IMAGE_HEADER v1 page: %s\n"
            "  (the simulated programmer writes the boot control record there itself)\n",
            path, (unsigned)area, (unsigned)(end - 1), why);
    return err;
}

/* The application region's bytes of a HEX file, from its first address to
 * the last byte present (gaps 0xFF), and the boot control page if any. */
static int load_hex(const char *path, const simcmd_device_t *d, hex_image_t *out)
{
    tool_memmap_t map;
    tool_ihex_result_t res;
    memset(&map, 0, sizeof map);
    memset(&res, 0, sizeof res);
    memset(out, 0, sizeof *out);
    const ota_boot_config_t *bc = &d->dev.boot_cfg;
    uint64_t flash_lo = d->cfg.hex_base;
    uint64_t bootctl_lo = flash_lo + bc->layout.bootctl_addr;
    uint64_t app_lo = flash_lo + bc->layout.app_addr;
    uint64_t app_end = app_lo + bc->layout.app_size;
    uint64_t last = 0;

    int err = tool_ihex_load(path, &map, &res);
    if (err != OTA_OK) {
        if (res.line) {
            fprintf(stderr, "sysota sim flash: %s:%lu: %s\n", path, res.line, res.msg);
        } else {
            fprintf(stderr, "sysota sim flash: %s: %s\n", path, res.msg[0] ? res.msg : ota_err_describe(err));
        }
        tool_memmap_free(&map);
        return err;
    }
    err = read_boot_page(path, &map, d, out);
    if (err != OTA_OK) {
        tool_memmap_free(&map);
        return err;
    }
    err = tool_memmap_last_in(&map, (uint32_t)app_lo, app_end, &last);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota sim flash: %s has no data in the application region (HEX 0x%08X-0x%08llX)\n", path,
                (unsigned)app_lo, (unsigned long long)(app_end - 1));
        tool_memmap_free(&map);
        return err;
    }
    out->len = (uint32_t)(last - app_lo);
    out->img = malloc(out->len);
    err = out->img == NULL ? OTA_ERR_NO_SPACE : tool_memmap_read(&map, (uint32_t)app_lo, out->img, out->len, 0xFF);
    if (err == OTA_OK) {
        struct below_app below = { path, flash_lo, bootctl_lo };
        (void)tool_memmap_outside(&map, 0, 0, report_below_app, &below);
        below.lo = bootctl_lo + bc->layout.bootctl_size;
        below.end = app_lo;
        (void)tool_memmap_outside(&map, 0, 0, report_below_app, &below);
        (void)tool_memmap_outside(&map, (uint32_t)flash_lo, app_end, report_outside, (void *)path);
    }
    tool_memmap_free(&map);
    return err;
}

/*
 * The version to record, from what the file and the command line say: the
 * original's header page, a `sim mkimage` header, --version (0: not given).
 * They must agree where more than one speaks; *from names the source.
 */
static int choose_version(const char *file, const hex_image_t *h, const simcmd_image_info_t *sim, uint64_t opt,
                          uint32_t *version, const char **from)
{
    bool page = h->have_page && simcmd_fwhdr_has_version(&h->page);
    if (page && opt != 0 && opt != h->page.version) {
        fprintf(stderr,
                "sysota sim flash: --version %llu disagrees with %s's boot control page (FIRMWARE_IMAGE_HEADER\n"
                "  version %u): leave --version out to take the page's, or rebuild the application\n",
                (unsigned long long)opt, file, (unsigned)h->page.version);
        return OTA_ERR_INVALID_ARG;
    }
    if (page && sim != NULL && sim->version != h->page.version) {
        fprintf(stderr, "sysota sim flash: %s: the boot control page says version %u, the simulated image v%u\n", file,
                (unsigned)h->page.version, (unsigned)sim->version);
        return OTA_ERR_INVALID_ARG;
    }
    if (sim != NULL && opt != 0 && opt != sim->version) {
        fprintf(stderr, "sysota sim flash: %s is a simulated v%u image, not v%llu\n", file, (unsigned)sim->version,
                (unsigned long long)opt);
        return OTA_ERR_INVALID_ARG;
    }
    if (opt != 0) {
        *version = (uint32_t)opt;
        *from = page ? "--version, and the page agrees" : "--version";
    } else if (page) {
        *version = h->page.version;
        *from = "the boot control page";
    } else if (sim != NULL) {
        *version = sim->version;
        *from = "the simulated image";
    } else {
        fprintf(stderr, "sysota sim flash: %s is not a `sysota sim mkimage` image%s: give its --version N\n", file,
                h->have_page ? " and its boot control page names no version" : "");
        return OTA_ERR_INVALID_ARG;
    }
    return OTA_OK;
}

/* How the factory image is signed: the options, then what they gave. */
typedef struct factory_sig {
    const char *sig_file; /* --signature */
    const char *sign_key; /* --sign-key */
    bool unsigned_ok;     /* --unsigned-factory */
    bool have;            /* sig holds a signature */
    uint8_t sig[OTA_SIG_LEN];
    char by[SIMCMD_KEY_ID_HEX_SIZE]; /* the trusted key it verifies under, "" when none checked */
} factory_sig_t;

/* The signature the options give (none without --signature or --sign-key). */
static int factory_sig_get(factory_sig_t *fs, const uint8_t digest[OTA_SHA256_LEN])
{
    if (fs->sig_file != NULL) {
        char *data = NULL;
        size_t n = 0;
        int err = tool_hostfile_read(fs->sig_file, &data, &n);
        if (err != OTA_OK) {
            fprintf(stderr, "sysota sim flash: %s: %s\n", fs->sig_file, ota_err_describe(err));
        } else if (n != OTA_SIG_LEN) {
            fprintf(stderr,
                    "sysota sim flash: %s: %zu bytes; a signature is %d bytes, r||s (an entry's Signature is\n"
                    "  their base64: `base64 -d`)\n",
                    fs->sig_file, n, OTA_SIG_LEN);
            err = OTA_ERR_SIGNATURE;
        } else {
            memcpy(fs->sig, data, OTA_SIG_LEN);
            fs->have = true;
        }
        free(data);
        return err;
    }
    if (fs->sign_key != NULL) {
        tool_key_t key = { NULL };
        int err = tool_key_load_private(&key, fs->sign_key);
        if (err != OTA_OK) {
            fprintf(stderr, "sysota sim flash: %s: %s\n", fs->sign_key, tool_key_load_error_text(err));
        } else if ((err = tool_sign_digest(&key, digest, fs->sig)) != OTA_OK) {
            fprintf(stderr, "sysota sim flash: %s: signing failed\n", fs->sign_key);
        } else {
            fs->have = true;
        }
        tool_key_free(&key);
        return err;
    }
    return OTA_OK;
}

/*
 * The provisioning-time check of the factory image: on a device with keys,
 * signed by one of them (the bootloader, later, trusts the golden image by
 * the digest in the record the programmer writes). Prints why it refuses.
 */
static int factory_sig_check(factory_sig_t *fs, const simcmd_device_t *d, const char *file,
                             const uint8_t digest[OTA_SHA256_LEN])
{
    const ota_keys_t *keys = &d->cfg.keys;
    char ids[OTA_KEYS_MAX * (SIMCMD_KEY_ID_HEX_SIZE + 2)];
    int err = factory_sig_get(fs, digest);
    if (err != OTA_OK || keys->count == 0) {
        return err;
    }
    simcmd_keys_text(&d->dev.crypto, keys, ids, sizeof ids);
    if (!fs->have) {
        if (fs->unsigned_ok) {
            return OTA_OK;
        }
        fprintf(stderr,
                "sysota sim flash: %s trusts key%s %s, and %s is not signed: give --sign-key KEY.pem or\n"
                "  --signature FILE.sig64, or --unsigned-factory to program it unsigned all the same\n",
                d->dir, keys->count == 1 ? "" : "s", ids, file);
        return OTA_ERR_UNSIGNED;
    }
    /* Key by key, to say which one signed it. */
    for (unsigned i = 0; i < keys->count && i < OTA_KEYS_MAX; i++) {
        ota_keys_t one = { .count = 1 };
        memcpy(one.point[0], keys->point[i], OTA_PUBKEY_LEN);
        if (ota_trust_verify(&d->dev.crypto, &one, NULL, digest, fs->sig) == OTA_OK) {
            (void)simcmd_key_id_hex(&d->dev.crypto, keys->point[i], fs->by);
            return OTA_OK;
        }
    }
    fprintf(stderr,
            "sysota sim flash: the signature of %s does not verify over its SHA-256 with any key %s\n"
            "  trusts (%s): signed with another key, or over other bytes\n",
            file, d->dir, ids);
    return OTA_ERR_SIGNATURE;
}

/* Keep the signature beside the golden copy, under the name the service gives an image's. */
static int factory_sig_store(const factory_sig_t *fs, simcmd_device_t *d, uint32_t version, char *name)
{
    const ota_store_t *st = &d->dev.store;
    ota_sig_name(version, name);
    int fh = st->open(st->ctx, ".sig.tmp", OTA_STORE_WRITE);
    if (fh < 0) {
        return fh;
    }
    int err = st->write(st->ctx, fh, fs->sig, OTA_SIG_LEN);
    return ota_file_publish(st, fh, err, ".sig.tmp", name);
}

int simcmd_cmd_flash(int argc, char **argv)
{
    const char *dev = NULL, *file = NULL;
    uint64_t version_opt = 0;
    factory_sig_t fs;
    memset(&fs, 0, sizeof fs);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            flash_usage(stdout);
            return SYSOTA_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            const char *v = simcmd_opt_value("flash", argc, argv, &i);
            if (v == NULL || simcmd_opt_number("flash", a, v, UINT32_MAX, &version_opt) != OTA_OK || version_opt == 0) {
                return SYSOTA_EXIT_USAGE;
            }
        } else if (strcmp(a, "--signature") == 0 || strcmp(a, "--sign-key") == 0) {
            const char *v = simcmd_opt_value("flash", argc, argv, &i);
            if (v == NULL) {
                return SYSOTA_EXIT_USAGE;
            }
            *(strcmp(a, "--sign-key") == 0 ? &fs.sign_key : &fs.sig_file) = v;
        } else if (strcmp(a, "--unsigned-factory") == 0) {
            fs.unsigned_ok = true;
        } else if (a[0] != '-' && dev == NULL) {
            dev = a;
        } else if (a[0] != '-' && file == NULL) {
            file = a;
        } else {
            fprintf(stderr, "sysota sim flash: unexpected argument '%s'\n", a);
            flash_usage(stderr);
            return SYSOTA_EXIT_USAGE;
        }
    }
    if (dev == NULL || file == NULL) {
        flash_usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    if ((fs.sig_file != NULL) + (fs.sign_key != NULL) + fs.unsigned_ok > 1) {
        fprintf(stderr, "sysota sim flash: --sign-key, --signature and --unsigned-factory exclude each other\n");
        return SYSOTA_EXIT_USAGE;
    }
    simcmd_device_t d;
    if (simcmd_device_open(&d, "flash", dev, NULL) != OTA_OK) {
        return SYSOTA_EXIT_INPUT;
    }
    hex_image_t h;
    memset(&h, 0, sizeof h);
    char sig_name[OTA_SIG_NAME_MAX] = "";
    int err;
    if (has_hex_suffix(file)) {
        err = load_hex(file, &d, &h);
    } else {
        char *data = NULL;
        size_t n = 0;
        err = tool_hostfile_read(file, &data, &n);
        if (err != OTA_OK) {
            fprintf(stderr, "sysota sim flash: %s: %s\n", file, ota_err_describe(err));
        } else if (n == 0 || n > d.dev.boot_cfg.layout.app_size) {
            fprintf(stderr, "sysota sim flash: %s: %zu bytes; the application region holds 1 .. %u\n", file, n,
                    (unsigned)d.dev.boot_cfg.layout.app_size);
            err = OTA_ERR_TOO_LARGE;
        }
        h.img = (uint8_t *)data;
        h.len = (uint32_t)n;
    }
    uint8_t *img = h.img;
    uint32_t len = h.len;
    simcmd_image_info_t info;
    bool simcmd_image = err == OTA_OK && simcmd_image_parse(img, len, &info) == OTA_OK;
    uint32_t version = 0;
    const char *version_from = "";
    if (err == OTA_OK) {
        err = choose_version(file, &h, simcmd_image ? &info : NULL, version_opt, &version, &version_from);
    }
    if (err == OTA_OK && simcmd_image && info.size != len) {
        fprintf(stderr, "sysota sim flash: warning: %s: the image header says %u bytes, the file has %u\n", file,
                (unsigned)info.size, (unsigned)len);
    }
    uint8_t digest[OTA_SHA256_LEN];
    if (err == OTA_OK) {
        err = posix_crypto_sha256_buffer(&d.dev.crypto, img, len, digest);
    }
    if (err == OTA_OK) {
        /* Before anything is erased: a refused image leaves the device as it was. */
        err = factory_sig_check(&fs, &d, file, digest);
    }
    if (err == OTA_OK) {
        /* The store accounts what it holds when it opens: empty it closed. */
        simcmd_device_close(&d);
        err = simcmd_store_clear(dev);
        if (err == OTA_OK && simcmd_device_open(&d, "flash", dev, NULL) != OTA_OK) {
            free(img);
            return SYSOTA_EXIT_INPUT;
        }
        if (err == OTA_OK) {
            err = sim_device_factory_program(&d.dev, img, len, version);
        }
        if (err == OTA_OK && fs.have) {
            err = factory_sig_store(&fs, &d, version, sig_name);
        }
        if (err != OTA_OK) {
            fprintf(stderr, "sysota sim flash: %s: %s\n", dev, ota_err_describe(err));
        }
    }
    if (err == OTA_OK) {
        char hex[TOOL_FILEDIGEST_HEX_SIZE];
        tool_filedigest_hex(digest, hex);
        printf("%s: programmed v%u, %u bytes at 0x%08X (HEX 0x%08X), SHA-256 %.16s...\n", dev, (unsigned)version,
               (unsigned)len, (unsigned)d.dev.boot_cfg.layout.app_addr,
               (unsigned)(d.cfg.hex_base + d.dev.boot_cfg.layout.app_addr), hex);
        if (h.have_page) {
            printf("  boot control page at 0x%08X: original FIRMWARE_IMAGE_HEADER v1, version %u, type %s; replaced by "
                   "a sysota record\n",
                   (unsigned)boot_page_addr(&d), (unsigned)h.page.version, simcmd_fwhdr_type_name(h.page.type));
        }
        printf("  boot control record: factory image v%u (version from %s), status F8; external store blank\n",
               (unsigned)version, version_from);
        if (simcmd_image) {
            printf("  application: %s\n",
                   info.flags & SIMCMD_IMAGE_NO_CONFIRM ? "never confirms its first boot" : "confirms its first boot");
        }
        if (fs.have && fs.by[0]) {
            printf("  signature: by trusted key %s, kept in the store as %s\n", fs.by, sig_name);
        } else if (fs.have) {
            printf("  signature: kept in the store as %s (not checked: the device trusts no key)\n", sig_name);
        } else if (d.cfg.keys.count) {
            printf("  unsigned factory image (--unsigned-factory): trusted by the digest in its boot control\n"
                   "  record; updates must still be signed\n");
        }
        printf("next: sysota sim run %s  (the first start of the application keeps the golden copy in the store)\n",
               dev);
    }
    free(img);
    simcmd_device_close(&d);
    return err == OTA_OK ? SYSOTA_EXIT_OK : SYSOTA_EXIT_INPUT;
}

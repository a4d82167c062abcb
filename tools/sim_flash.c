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

#include "ota_filedigest.h"
#include "ota_hostfile.h"
#include "ota_ihex.h"
#include "ota_memmap.h"
#include "sim.h"
#include "sysota_cmd.h"

static void flash_usage(FILE *out)
{
    fprintf(out,
            "usage: sysota sim flash DEV FACTORY.hex|FACTORY.bin [--version N]\n"
            "\n"
            "Program a factory image as an external programmer would: the image into the\n"
            "application region, a factory boot control record (F8) into the boot control\n"
            "sector; the external store is emptied (a new board).\n"
            "\n"
            "A .hex file is read at the device's HEX addresses (hex_base + offset): bytes in\n"
            "the application region are programmed; bytes outside internal flash (a merged\n"
            "bootloader in boot flash) are reported and left out, since the simulator runs\n"
            "sysota's bootloader itself; bytes in the boot control sector are refused.\n"
            "Any other file is a raw image of the application region.\n"
            "\n"
            "  --version N   the image's version; needed unless the image was made by\n"
            "                `sysota sim mkimage`, whose header carries it\n");
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

/* The application region's bytes of a HEX file, from its first address to
 * the last byte present (gaps 0xFF). */
static int load_hex(const char *path, const sim_device_t *d, uint8_t **img, uint32_t *len)
{
    ota_memmap_t map;
    ota_ihex_result_t res;
    memset(&map, 0, sizeof map);
    memset(&res, 0, sizeof res);
    const ota_boot_config_t *bc = &d->dev.boot_cfg;
    uint64_t flash_lo = d->cfg.hex_base;
    uint64_t app_lo = flash_lo + bc->app_addr;
    uint64_t app_end = app_lo + bc->app_size;
    uint64_t last = 0;

    int err = ota_ihex_load(path, &map, &res);
    if (err != OTA_OK) {
        if (res.line) {
            fprintf(stderr, "sysota sim flash: %s:%lu: %s\n", path, res.line, res.msg);
        } else {
            fprintf(stderr, "sysota sim flash: %s: %s\n", path, res.msg[0] ? res.msg : ota_err_describe(err));
        }
        ota_memmap_free(&map);
        return err;
    }
    if (app_end > OTA_MEMMAP_END) {
        fprintf(stderr, "sysota sim flash: hex_base 0x%08X puts the flash past 4 GiB\n", (unsigned)d->cfg.hex_base);
        ota_memmap_free(&map);
        return OTA_ERR_RANGE;
    }
    if (ota_memmap_last_in(&map, (uint32_t)flash_lo, app_lo, &last) == OTA_OK) {
        fprintf(stderr,
                "sysota sim flash: %s has data in the boot control sector (HEX 0x%08X-0x%08X): the simulated\n"
                "programmer writes the factory record there itself\n",
                path, (unsigned)flash_lo, (unsigned)(app_lo - 1));
        ota_memmap_free(&map);
        return OTA_ERR_RANGE;
    }
    err = ota_memmap_last_in(&map, (uint32_t)app_lo, app_end, &last);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota sim flash: %s has no data in the application region (HEX 0x%08X-0x%08llX)\n", path,
                (unsigned)app_lo, (unsigned long long)(app_end - 1));
        ota_memmap_free(&map);
        return err;
    }
    *len = (uint32_t)(last - app_lo);
    *img = malloc(*len);
    err = *img == NULL ? OTA_ERR_NO_SPACE : ota_memmap_read(&map, (uint32_t)app_lo, *img, *len, 0xFF);
    if (err == OTA_OK) {
        (void)ota_memmap_outside(&map, (uint32_t)flash_lo, app_end, report_outside, (void *)path);
    }
    ota_memmap_free(&map);
    return err;
}

int sim_cmd_flash(int argc, char **argv)
{
    const char *dev = NULL, *file = NULL;
    uint64_t version = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            flash_usage(stdout);
            return SYSOTA_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            const char *v = sim_opt_value("flash", argc, argv, &i);
            if (v == NULL || sim_opt_number("flash", a, v, UINT32_MAX, &version) != OTA_OK || version == 0) {
                return SYSOTA_EXIT_USAGE;
            }
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
    sim_device_t d;
    if (sim_device_open(&d, "flash", dev, NULL) != OTA_OK) {
        return SYSOTA_EXIT_INPUT;
    }
    uint8_t *img = NULL;
    uint32_t len = 0;
    int err;
    if (has_hex_suffix(file)) {
        err = load_hex(file, &d, &img, &len);
    } else {
        char *data = NULL;
        size_t n = 0;
        err = ota_hostfile_read(file, &data, &n);
        if (err != OTA_OK) {
            fprintf(stderr, "sysota sim flash: %s: %s\n", file, ota_err_describe(err));
        } else if (n == 0 || n > d.dev.boot_cfg.app_size) {
            fprintf(stderr, "sysota sim flash: %s: %zu bytes; the application region holds 1 .. %u\n", file, n,
                    (unsigned)d.dev.boot_cfg.app_size);
            err = OTA_ERR_TOO_LARGE;
        }
        img = (uint8_t *)data;
        len = (uint32_t)n;
    }
    sim_image_info_t info;
    bool sim_image = err == OTA_OK && sim_image_parse(img, len, &info) == OTA_OK;
    if (err == OTA_OK && sim_image) {
        if (version != 0 && version != info.version) {
            fprintf(stderr, "sysota sim flash: %s is a simulated v%u image, not v%llu\n", file, (unsigned)info.version,
                    (unsigned long long)version);
            err = OTA_ERR_INVALID_ARG;
        }
        version = info.version;
        if (err == OTA_OK && info.size != len) {
            fprintf(stderr, "sysota sim flash: warning: %s: the image header says %u bytes, the file has %u\n", file,
                    (unsigned)info.size, (unsigned)len);
        }
    } else if (err == OTA_OK && version == 0) {
        fprintf(stderr, "sysota sim flash: %s is not a `sysota sim mkimage` image: give its --version N\n", file);
        err = OTA_ERR_INVALID_ARG;
    }
    if (err == OTA_OK) {
        /* The store accounts what it holds when it opens: empty it closed. */
        sim_device_close(&d);
        err = sim_store_clear(dev);
        if (err == OTA_OK && sim_device_open(&d, "flash", dev, NULL) != OTA_OK) {
            free(img);
            return SYSOTA_EXIT_INPUT;
        }
        if (err == OTA_OK) {
            err = ota_device_sim_factory_program(&d.dev, img, len, (uint32_t)version);
        }
        if (err != OTA_OK) {
            fprintf(stderr, "sysota sim flash: %s: %s\n", dev, ota_err_describe(err));
        }
    }
    if (err == OTA_OK) {
        uint8_t digest[OTA_SHA256_LEN];
        char hex[OTA_FILEDIGEST_HEX_SIZE];
        (void)ota_crypto_sha256_buffer(&d.dev.crypto, img, len, digest);
        ota_filedigest_hex(digest, hex);
        printf("%s: programmed v%u, %u bytes at 0x%08X (HEX 0x%08X), SHA-256 %.16s...\n", dev, (unsigned)version,
               (unsigned)len, (unsigned)d.dev.boot_cfg.app_addr, (unsigned)(d.cfg.hex_base + d.dev.boot_cfg.app_addr),
               hex);
        printf("  boot control record: factory image v%u, status F8; external store blank\n", (unsigned)version);
        if (sim_image) {
            printf("  application: %s\n", info.flags & SIM_IMAGE_NO_CONFIRM ? "never confirms its first boot"
                                                                          : "confirms its first boot");
        }
        printf("next: sysota sim run %s  (the first boot keeps the golden copy in the store)\n", dev);
    }
    free(img);
    sim_device_close(&d);
    return err == OTA_OK ? SYSOTA_EXIT_OK : SYSOTA_EXIT_INPUT;
}

/*
 * `sysota sim mkimage`: test images for the simulator (sim_image.c has the
 * format), as Intel HEX at an address or as a raw binary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tool_filedigest.h"
#include "tool_hostfile.h"
#include "tool_ihex.h"
#include "tool_memmap.h"
#include "sim.h"
#include "sysota_cmd.h"

static void mkimage_usage(FILE *out)
{
    fprintf(out,
            "usage: sysota sim mkimage --version N --size BYTES [--no-confirm] [--address ADDR] -o FILE\n"
            "       sysota sim mkimage --bootloader [--address ADDR] -o FILE.hex\n"
            "\n"
            "Make a simulated application image: a header the simulator reads to know\n"
            "how the application behaves, then filler. FILE ending in .hex is Intel HEX\n"
            "placed at ADDR (default 0x%08X: the application region of the default\n"
            "device, after its two 4 KiB boot control sectors at hex_base 0x%08X); any\n"
            "other name is a raw binary.\n"
            "\n"
            "  --version N     the image's version (1 .. 4294967295)\n"
            "  --size BYTES    image size, K and M suffixes allowed (at least %u)\n"
            "  --no-confirm    the application never confirms its first boot: after its\n"
            "                  first update check it hangs and the watchdog resets it, so\n"
            "                  the bootloader's attempt limit rolls it back\n"
            "  --bootloader    a stand-in for the bootloader's HEX at 0x%08X (boot flash),\n"
            "                  to merge into a factory image; the simulated device runs\n"
            "                  sysota's bootloader itself and does not program these bytes\n"
            "  -o FILE         output (written atomically)\n",
            SIMCMD_DEFAULT_HEX_BASE + SIMCMD_DEFAULT_APP_OFFSET, SIMCMD_DEFAULT_HEX_BASE, SIMCMD_IMAGE_HEADER_SIZE,
            SIMCMD_BOOT_FLASH_ADDR);
}

static bool has_hex_suffix(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcasecmp(path + n - 4, ".hex") == 0;
}

static int hex_sink(void *arg, const char *text, size_t len)
{
    return tool_hostfile_write(arg, text, len);
}

/* Write data as FILE: Intel HEX at addr for .hex names, else raw bytes. */
static int write_image_file(const char *path, const uint8_t *data, uint32_t len, uint32_t addr)
{
    tool_hostfile_out_t out;
    int err = tool_hostfile_begin(&out, path);
    if (err != OTA_OK) {
        return err;
    }
    if (has_hex_suffix(path)) {
        tool_memmap_t map;
        memset(&map, 0, sizeof map);
        err = tool_memmap_put(&map, addr, data, len, NULL);
        if (err == OTA_OK) {
            tool_ihex_write_opts_t opt;
            memset(&opt, 0, sizeof opt);
            err = tool_ihex_write(&map, &opt, hex_sink, &out);
        }
        tool_memmap_free(&map);
    } else {
        err = tool_hostfile_write(&out, data, len);
    }
    if (err != OTA_OK) {
        tool_hostfile_abort(&out);
        return err;
    }
    return tool_hostfile_commit(&out);
}

static void print_digest(const uint8_t *data, uint32_t len)
{
    tool_filedigest_t d;
    uint8_t digest[TOOL_FILEDIGEST_LEN];
    char hex[TOOL_FILEDIGEST_HEX_SIZE];
    if (tool_filedigest_start(&d) == OTA_OK && tool_filedigest_update(&d, data, len) == OTA_OK &&
        tool_filedigest_finish(&d, digest) == OTA_OK) {
        tool_filedigest_hex(digest, hex);
        printf("Digest: %s\n", hex);
    } else {
        tool_filedigest_abort(&d);
    }
}

static int mkimage_bootloader(const char *out, uint32_t addr)
{
    uint8_t blob[256];
    memset(blob, 0, sizeof blob);
    snprintf((char *)blob, sizeof blob,
             "sysota simulated bootloader stand-in: the simulator runs ota_boot_run() itself");
    if (!has_hex_suffix(out)) {
        fprintf(stderr, "sysota sim mkimage: --bootloader writes Intel HEX: name the output *.hex\n");
        return SYSOTA_EXIT_USAGE;
    }
    int err = write_image_file(out, blob, sizeof blob, addr);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota sim mkimage: %s: %s\n", out, ota_err_describe(err));
        return SYSOTA_EXIT_INPUT;
    }
    printf("%s: bootloader stand-in, %zu bytes at 0x%08X\n", out, sizeof blob, (unsigned)addr);
    return SYSOTA_EXIT_OK;
}

int simcmd_cmd_mkimage(int argc, char **argv)
{
    const char *out = NULL;
    uint64_t version = 0, size = 0, addr = SIMCMD_DEFAULT_HEX_BASE + SIMCMD_DEFAULT_APP_OFFSET;
    bool no_confirm = false, bootloader = false, have_addr = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            mkimage_usage(stdout);
            return SYSOTA_EXIT_OK;
        } else if (strcmp(a, "--no-confirm") == 0) {
            no_confirm = true;
        } else if (strcmp(a, "--bootloader") == 0) {
            bootloader = true;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if ((out = simcmd_opt_value("mkimage", argc, argv, &i)) == NULL) {
                return SYSOTA_EXIT_USAGE;
            }
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "--size") == 0 || strcmp(a, "--address") == 0) {
            if ((v = simcmd_opt_value("mkimage", argc, argv, &i)) == NULL) {
                return SYSOTA_EXIT_USAGE;
            }
            uint64_t *dst = a[2] == 'v' ? &version : a[2] == 's' ? &size : &addr;
            uint64_t max = a[2] == 's' ? (256u << 20) : UINT32_MAX;
            if (simcmd_opt_number("mkimage", a, v, max, dst) != OTA_OK) {
                return SYSOTA_EXIT_USAGE;
            }
            have_addr = have_addr || a[2] == 'a';
        } else {
            fprintf(stderr, "sysota sim mkimage: unexpected argument '%s'\n", a);
            mkimage_usage(stderr);
            return SYSOTA_EXIT_USAGE;
        }
    }
    if (out == NULL) {
        fprintf(stderr, "sysota sim mkimage: -o FILE is required\n");
        return SYSOTA_EXIT_USAGE;
    }
    if (bootloader) {
        return mkimage_bootloader(out, have_addr ? (uint32_t)addr : SIMCMD_BOOT_FLASH_ADDR);
    }
    if (version == 0 || size < SIMCMD_IMAGE_HEADER_SIZE) {
        fprintf(stderr, "sysota sim mkimage: --version N (N >= 1) and --size BYTES (>= %u) are required\n",
                SIMCMD_IMAGE_HEADER_SIZE);
        return SYSOTA_EXIT_USAGE;
    }
    if (addr + size > ((uint64_t)1 << 32)) {
        fprintf(stderr, "sysota sim mkimage: the image would pass the end of the 4 GiB address space\n");
        return SYSOTA_EXIT_USAGE;
    }
    uint8_t *img = malloc((size_t)size);
    if (img == NULL) {
        fprintf(stderr, "sysota sim mkimage: out of memory\n");
        return SYSOTA_EXIT_INPUT;
    }
    uint32_t flags = no_confirm ? SIMCMD_IMAGE_NO_CONFIRM : 0u;
    int err = simcmd_image_build(img, (uint32_t)size, (uint32_t)version, flags);
    if (err == OTA_OK) {
        err = write_image_file(out, img, (uint32_t)size, (uint32_t)addr);
    }
    if (err != OTA_OK) {
        fprintf(stderr, "sysota sim mkimage: %s: %s\n", out, ota_err_describe(err));
        free(img);
        return SYSOTA_EXIT_INPUT;
    }
    if (has_hex_suffix(out)) {
        printf("%s: simulated application v%u, %u bytes at 0x%08X, %s\n", out, (unsigned)version, (unsigned)size,
               (unsigned)addr, no_confirm ? "never confirms its first boot" : "confirms its first boot");
    } else {
        printf("%s: simulated application v%u, %u bytes, %s\n", out, (unsigned)version, (unsigned)size,
               no_confirm ? "never confirms its first boot" : "confirms its first boot");
    }
    print_digest(img, (uint32_t)size);
    free(img);
    return SYSOTA_EXIT_OK;
}

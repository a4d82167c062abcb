/*
 * The example run on a PC. It plays the factory (the first image, version
 * 1, programmed into internal flash and recorded as the golden image, as a
 * production line would), the update server (a manifest offering
 * version 2), and the power switch: it powers the board on until the
 * device runs version 2, confirmed. Exit status 0 when it does.
 */
#include <stdio.h>
#include <string.h>

#include "firmware.h"
#include "host.h"
#include "ports.h"
#include "sysota/ota_app.h"

#define IMAGE_SIZE 6000u /* not a multiple of the write unit: the bootloader pads */
#define IMAGE_V2_URL "https://updates.example.com/fw/app_v2.bin"
#define TURNS_PER_POWER_ON 30000u /* 30 s of the counted clock: the first check is due after 2 s */
#define MAX_POWER_ONS 4

static uint8_t image_v1[IMAGE_SIZE];
static uint8_t image_v2[IMAGE_SIZE];
static char manifest[512];

static void make_image(uint8_t *img, uint32_t version)
{
    for (uint32_t i = 0; i < IMAGE_SIZE; i++) {
        img[i] = (uint8_t)(i * 7u + version * 31u);
    }
}

/* The image's SHA-256 as 64 lowercase hex digits, with the device's own port. */
static void digest_hex(const uint8_t *img, char out[2 * OTA_SHA256_LEN + 1])
{
    ota_sha256_t sha;
    uint8_t d[OTA_SHA256_LEN];
    port_crypto.sha256_start(NULL, &sha);
    port_crypto.sha256_update(NULL, &sha, img, IMAGE_SIZE);
    port_crypto.sha256_finish(NULL, &sha, d);
    for (unsigned i = 0; i < OTA_SHA256_LEN; i++) {
        snprintf(out + 2u * i, 3, "%02x", d[i]);
    }
}

/* The factory: version 1 programmed into the application region and
 * recorded as the golden image (the first start keeps its copy in the store). */
static int factory(void)
{
    make_image(image_v1, 1);
    uint8_t padded[(IMAGE_SIZE + 15u) / 16u * 16u];
    memset(padded, 0xFF, sizeof padded);
    memcpy(padded, image_v1, IMAGE_SIZE);
    int err = port_flash.program(NULL, EXAMPLE_APP_ADDR, padded, sizeof padded);
    return err != OTA_OK ? err : ota_app_provision(&example_boot_config, 1, IMAGE_SIZE);
}

/* The update server: version 2 and the manifest naming it. */
static int publish(void)
{
    char hex[2 * OTA_SHA256_LEN + 1];
    make_image(image_v2, 2);
    digest_hex(image_v2, hex);
    snprintf(manifest, sizeof manifest, "{\"ota\": [{\"Version\": 2, \"URL\": \"%s\", \"Digest\": \"%s\"}]}",
             IMAGE_V2_URL, hex);
    int err = port_transport_serve(IMAGE_V2_URL, image_v2, IMAGE_SIZE);
    return err != OTA_OK ? err : port_transport_serve(EXAMPLE_MANIFEST_URL, manifest, (uint32_t)strlen(manifest));
}

int main(void)
{
    ota_bootctl_record_t rec;
    if (factory() != OTA_OK || publish() != OTA_OK) {
        fprintf(stderr, "example: the RAM store or server is too small\n");
        return 1;
    }
    for (int n = 1; n <= MAX_POWER_ONS; n++) {
        board_host_power_on(TURNS_PER_POWER_ON);
        bootloader_main();
        if (board_host_halted()) {
            return 1;
        }
        if (!board_host_was_reset() && ota_app_running(&example_boot_config, &rec) == OTA_OK && rec.version == 2u &&
            rec.status == OTA_STATUS_VALID) {
            printf("example: version 2 installed and confirmed after %d power-ons\n", n);
            return 0;
        }
    }
    fprintf(stderr, "example: the device does not run version 2 confirmed after %d power-ons\n", MAX_POWER_ONS);
    return 1;
}

/*
 * The bootloader. The reset handler sets up the stack, clocks and RAM and
 * calls bootloader_main(). ota_boot_run() decides what to run: the
 * confirmed image straight away, or it installs the newest stored image
 * (verified before anything is erased and again once programmed), counts
 * the first boots of a new image and rolls back one that never confirms.
 * A power cut at any point leaves a state the next reset finishes from.
 */
#include "board.h"
#include "firmware.h"
#include "ports.h"

const ota_boot_config_t example_boot_config = {
    .flash = &port_flash,
    .store = &port_store,
    .crypto = &port_crypto,
    .sys = &port_system,
    .layout = EXAMPLE_LAYOUT,
    .max_attempts = 0,       /* OTA_BOOT_MAX_ATTEMPTS boots to confirm a new image */
    .verify_on_jump = false, /* the record's digest was checked when the image was installed */
};

/* Static, not on the stack: it holds the copy buffer and the image database. */
static ota_boot_t boot;

void bootloader_main(void)
{
    ota_boot_result_t res;
    int err = ota_boot_run(&boot, &example_boot_config, &res);
    if (err != OTA_OK) {
        /* OTA_ERR_NO_IMAGE: nothing verified to run. Never jump into code
         * that was not verified; stay here (a product may blink an LED). */
        board_halt(err);
        return;
    }
    board_jump(res.boot_addr);
}

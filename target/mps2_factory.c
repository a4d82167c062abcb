/*
 * mps2_factory DEV BOOTLOADER.bin APP.bin VERSION
 *
 * The production line of the mps2-an386 board, on the host: makes the
 * folder DEV a new board with the factory image programmed, as an external
 * programmer would. DEV/flash.bin (the internal flash QEMU loads at address
 * 0) gets the bootloader at 0, the application image in the application
 * region and the first boot control record (factory image, confirmed); the
 * external store, DEV/store, is empty; DEV/www is the update "server"'s
 * folder. The bootloader keeps the golden copy in the store at the first
 * power-on. The memory map is the board's (ports/mps2-an386/board.h),
 * through the simulator's device, which writes the record the bootloader
 * reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "board.h"
#include "sim_device.h"

static void *slurp(const char *path, uint32_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    uint8_t *buf = malloc(MPS2_FLASH_SIZE);
    size_t n = buf != NULL ? fread(buf, 1, MPS2_FLASH_SIZE, f) : 0;
    int big = buf != NULL && fgetc(f) != EOF;
    fclose(f);
    if (buf == NULL || n == 0 || big) {
        free(buf);
        return NULL;
    }
    *len = (uint32_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s DEV BOOTLOADER.bin APP.bin VERSION\n", argv[0]);
        return 2;
    }
    const char *dev_dir = argv[1];
    char flash_path[512];
    char store_path[512];
    char www_path[512];
    snprintf(flash_path, sizeof flash_path, "%s/%s", dev_dir, MPS2_FLASH_FILE);
    snprintf(store_path, sizeof store_path, "%s/%s", dev_dir, MPS2_STORE_DIR);
    snprintf(www_path, sizeof www_path, "%s/%s", dev_dir, MPS2_SERVER_DIR);
    uint32_t boot_len = 0;
    uint32_t app_len = 0;
    void *boot = slurp(argv[2], &boot_len);
    void *app = slurp(argv[3], &app_len);
    unsigned long version = strtoul(argv[4], NULL, 10);
    if (boot == NULL || boot_len > MPS2_BOOT_SIZE || app == NULL || version == 0) {
        fprintf(stderr, "%s: a bootloader of at most %u bytes, an application image and a version > 0\n", argv[0],
                (unsigned)MPS2_BOOT_SIZE);
        return 1;
    }
    (void)mkdir(dev_dir, 0755);
    (void)mkdir(www_path, 0755);
    (void)remove(flash_path);

    sim_device_config_t cfg = {
        .flash_path = flash_path,
        .store_path = store_path,
        .nvm_size = MPS2_FLASH_SIZE,
        .sector_size = MPS2_FLASH_SECTOR,
        .write_unit = MPS2_FLASH_WRITE_UNIT,
        .bootctl_offset = MPS2_BOOTCTL_ADDR,
        .app_offset = MPS2_APP_ADDR,
    };
    sim_device_t dev;
    int err = sim_device_open(&dev, &cfg);
    if (err == OTA_OK) {
        err = sim_device_factory_program(&dev, app, app_len, (uint32_t)version);
        if (err == OTA_OK) {
            err = sim_nor_load(&dev.nor, MPS2_BOOT_ADDR, boot, boot_len);
        }
        int cerr = sim_device_close(&dev);
        err = err != OTA_OK ? err : cerr;
    }
    free(boot);
    free(app);
    /* The simulator's bookkeeping of programmed write units: not the board's. */
    char wu_path[520];
    snprintf(wu_path, sizeof wu_path, "%s.wu", flash_path);
    (void)remove(wu_path);
    if (err != OTA_OK) {
        fprintf(stderr, "%s: %s\n", argv[0], ota_err_name(err));
        return 1;
    }
    printf("factory: %s: bootloader (%u bytes) at 0x%08X, v%lu (%u bytes) at 0x%08X with its boot control record\n",
           dev_dir, (unsigned)boot_len, (unsigned)MPS2_BOOT_ADDR, version, (unsigned)app_len, (unsigned)MPS2_APP_ADDR);
    return 0;
}

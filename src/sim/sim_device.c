/* One simulated device: see sim_device.h. */
#include "sim_device.h"
#include "ota_bootctl.h"

#include <stddef.h>
#include <string.h>

#define DEFAULT_NVM_SIZE (1024u * 1024u)
#define DEFAULT_SECTOR_SIZE 4096u
#define DEFAULT_WRITE_UNIT 16u

static int layout_error(const char **why, const char *what)
{
    if (why != NULL) {
        *why = what;
    }
    return OTA_ERR_INVALID_ARG;
}

/* The sector holding addr, from the map or the uniform size; OTA_ERR_RANGE
 * past the end of the map (a uniform flash's end is checked by the caller). */
static int layout_sector(const sim_device_config_t *cfg, uint32_t sector_size, uint64_t addr, uint32_t *start,
                         uint32_t *size)
{
    if (addr > UINT32_MAX) {
        return OTA_ERR_RANGE;
    }
    if (cfg->sectors != NULL) {
        return posix_flash_file_map_sector(cfg->sectors, cfg->nsectors, (uint32_t)addr, start, size);
    }
    *start = (uint32_t)(addr - addr % sector_size);
    *size = sector_size;
    return OTA_OK;
}

int sim_device_layout(const sim_device_config_t *cfg, sim_device_layout_t *out, const char **why)
{
    if (cfg == NULL || out == NULL) {
        return layout_error(why, "no configuration");
    }
    out->nvm_size = cfg->nvm_size ? cfg->nvm_size : DEFAULT_NVM_SIZE;
    if (cfg->sectors != NULL) {
        uint64_t total = 0;
        for (size_t i = 0; i < cfg->nsectors; i++) {
            total += (uint64_t)cfg->sectors[i].count * cfg->sectors[i].size;
        }
        out->nvm_size = total <= UINT32_MAX ? (uint32_t)total : 0u;
    }
    out->sector_size = cfg->sector_size ? cfg->sector_size : DEFAULT_SECTOR_SIZE;
    out->write_unit = cfg->write_unit ? cfg->write_unit : DEFAULT_WRITE_UNIT;
    out->bootctl_addr = cfg->bootctl_offset;
    uint32_t start = 0;
    uint32_t bc_size = 0;
    uint32_t app_start = 0;
    uint32_t app_size = 0;
    int bc_err = layout_sector(cfg, out->sector_size, cfg->bootctl_offset, &start, &bc_size);
    bool bc_aligned = bc_err == OTA_OK && start == cfg->bootctl_offset;
    if (bc_err == OTA_OK) {
        out->sector_size = bc_size;
    }
    /* 64-bit sums: an offset near 4 GiB must not wrap into "fits". */
    uint64_t bootctl_end = (uint64_t)cfg->bootctl_offset + out->sector_size;
    /* Two sectors: the log is never without a record. */
    out->bootctl_size = 0;
    if (bc_err == OTA_OK) {
        uint32_t second = 0;
        uint32_t second_start = 0;
        if (layout_sector(cfg, out->sector_size, bootctl_end, &second_start, &second) != OTA_OK ||
            bootctl_end + second > out->nvm_size) {
            return layout_error(why, "the boot control area's second sector is past the end of flash");
        }
        bootctl_end += second;
        out->bootctl_size = (uint32_t)(bootctl_end - cfg->bootctl_offset);
    }
    uint64_t app = cfg->app_offset ? cfg->app_offset : bootctl_end;
    out->app_addr = (uint32_t)app;
    out->app_size = app < out->nvm_size ? out->nvm_size - (uint32_t)app : 0u;
    int app_err = app < out->nvm_size ? layout_sector(cfg, out->sector_size, app, &app_start, &app_size) : OTA_OK;

    /* The flash's own geometry (powers of two, whole sectors) is the flash's
     * to check; here only where the two areas sit. */
    if ((bc_err == OTA_OK && !bc_aligned) || (app_err == OTA_OK && app < out->nvm_size && app_start != app)) {
        return layout_error(why, "bootctl_offset and app_offset must be multiples of sector_size");
    }
    if (bc_err != OTA_OK || bootctl_end > out->nvm_size) {
        return layout_error(why, "the boot control area is past the end of flash");
    }
    /* The application region runs to the end of flash: the boot control
     * sector must lie below it, or an install would erase the record that
     * says what is installed. */
    if (app < bootctl_end) {
        return layout_error(why, "the application region must start after the boot control area");
    }
    if (app >= out->nvm_size || app_err != OTA_OK) {
        return layout_error(why, "no room for the application region");
    }
    if (why != NULL) {
        *why = "";
    }
    return OTA_OK;
}

int sim_device_open(sim_device_t *dev, const sim_device_config_t *cfg)
{
    sim_device_layout_t lay;
    if (dev == NULL || cfg == NULL || cfg->store_path == NULL || sim_device_layout(cfg, &lay, NULL) != OTA_OK) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(dev, 0, sizeof *dev);
    int err = sim_power_init(&dev->power, cfg->seed);

    sim_nor_config_t fc = {
        .size = lay.nvm_size,
        .sector_size = cfg->sectors != NULL ? 0u : lay.sector_size,
        .write_unit = lay.write_unit,
        .runs = cfg->sectors,
        .nruns = cfg->nsectors,
        .strict = !cfg->lenient,
        .path = cfg->flash_path,
        .power = &dev->power,
    };
    if (err == OTA_OK) {
        err = sim_nor_open(&dev->nor, &fc);
    }
    if (err != OTA_OK) {
        return err;
    }
    posix_store_dir_config_t sc = {
        .dir = cfg->store_path,
        .capacity = cfg->store_capacity,
        /* The power model is the simulator's (store_sim): the host's cache
         * is the medium, and fsync(2) would only slow thousands of boots. */
        .no_fsync = true,
    };
    err = posix_store_dir_open(&dev->store_dir, &sc);
    if (err == OTA_OK) {
        err = sim_store_open(&dev->store_sim, &dev->store_dir, &dev->power);
        if (err != OTA_OK) {
            (void)posix_store_dir_close(&dev->store_dir);
        }
    }
    if (err != OTA_OK) {
        (void)sim_nor_close(&dev->nor);
        return err;
    }
    (void)posix_system_init(&dev->sys_posix, cfg->seed);
    (void)sim_nor_port(&dev->nor, &dev->flash);
    (void)sim_store_port(&dev->store_sim, &dev->store);
    (void)posix_crypto_default(&dev->crypto);
    (void)posix_system_port(&dev->sys_posix, &dev->sys);

    dev->boot_cfg.flash = &dev->flash;
    dev->boot_cfg.store = &dev->store;
    dev->boot_cfg.crypto = &dev->crypto;
    dev->boot_cfg.sys = &dev->sys;
    dev->boot_cfg.layout.bootctl_addr = lay.bootctl_addr;
    dev->boot_cfg.layout.bootctl_size = lay.bootctl_size;
    dev->boot_cfg.layout.app_addr = lay.app_addr;
    dev->boot_cfg.layout.app_size = lay.app_size;
    dev->boot_cfg.max_attempts = cfg->max_attempts;
    dev->boot_cfg.keys = cfg->keys;
    return OTA_OK;
}

int sim_device_close(sim_device_t *dev)
{
    (void)sim_store_close(&dev->store_sim);
    int err = posix_store_dir_close(&dev->store_dir);
    int err2 = sim_nor_close(&dev->nor);
    return err != OTA_OK ? err : err2;
}

int sim_device_factory_program(sim_device_t *dev, const void *image, uint32_t len, uint32_t version)
{
    const ota_boot_config_t *bc = &dev->boot_cfg;
    if (len == 0 || len > bc->layout.app_size || version == 0) {
        return OTA_ERR_TOO_LARGE;
    }
    ota_bootctl_record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.status = OTA_STATUS_VALID;
    rec.type = OTA_TYPE_FACTORY;
    rec.seq = 1;
    rec.version = version;
    rec.size = len;
    rec.boot_addr = bc->layout.app_addr;
    int err = posix_crypto_sha256_buffer(&dev->crypto, image, len, rec.digest);
    if (err != OTA_OK) {
        return err;
    }
    rec.golden_version = version;
    rec.golden_size = len;
    memcpy(rec.golden_digest, rec.digest, OTA_SHA256_LEN);

    /* The programmer writes the record as the first slots of the log. */
    uint8_t slots[OTA_BOOTCTL_BUF_SIZE];
    uint32_t slot_size = dev->flash.write_unit > OTA_BOOTCTL_SLOT_MIN ? dev->flash.write_unit : OTA_BOOTCTL_SLOT_MIN;
    int rec_len = ota_bootctl_encode(&rec, slot_size, slots, sizeof slots);
    if (rec_len < 0) {
        return OTA_ERR_NOT_SUPPORTED;
    }

    err = sim_nor_wipe(&dev->nor);
    if (err == OTA_OK) {
        err = sim_nor_load(&dev->nor, bc->layout.app_addr, image, len);
    }
    if (err == OTA_OK) {
        err = sim_nor_load(&dev->nor, bc->layout.bootctl_addr, slots, (uint32_t)rec_len);
    }
    return err;
}

/* The system port's ctx is the device's posix_system_t: the device around it
 * holds the time base. */
static int sim_device_utc(void *ctx, uint64_t *seconds)
{
    /* Through void *: the device is as aligned as ever, char arithmetic only found it. */
    const sim_device_t *dev =
        (const sim_device_t *)(const void *)((const char *)ctx - offsetof(sim_device_t, sys_posix));
    uint32_t elapsed = dev->sys.now_ms(ctx) - dev->utc_ms0; /* wraps like the clock */
    *seconds = dev->utc_base + elapsed / 1000u;
    return OTA_OK;
}

int sim_device_trusted_time(sim_device_t *dev, uint64_t utc_now)
{
    dev->utc_base = utc_now;
    dev->utc_ms0 = dev->sys.now_ms(dev->sys.ctx);
    dev->sys.utc_time = sim_device_utc;
    return OTA_OK;
}

int sim_device_reboot(sim_device_t *dev)
{
    (void)posix_system_take_reset(&dev->sys_posix);
    return sim_power_reboot(&dev->power);
}

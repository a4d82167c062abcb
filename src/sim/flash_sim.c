/*
 * Simulated NOR flash: in memory, optionally written through to a file.
 */
#include "flash_sim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static uint32_t unit_count(const ota_flash_sim_t *sim)
{
    return sim->cfg.size / sim->cfg.write_unit;
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return OTA_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return OTA_OK;
}

static int pread_all(int fd, void *buf, size_t len, off_t off)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return OTA_ERR_IO;
        }
        if (n == 0) {
            return OTA_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return OTA_OK;
}

/* Write a changed byte range (and the write-unit flags covering it) through
 * to the backing files, so a simulator process that exits right after this
 * operation leaves exactly this state behind. */
static int persist(ota_flash_sim_t *sim, uint32_t addr, uint32_t len)
{
    if (sim->fd < 0 || len == 0) {
        return OTA_OK;
    }
    int rc = pwrite_all(sim->fd, sim->mem + addr, len, (off_t)addr);
    if (rc != OTA_OK) {
        return rc;
    }
    uint32_t first = addr / sim->cfg.write_unit;
    uint32_t last = (addr + len - 1) / sim->cfg.write_unit;
    return pwrite_all(sim->wu_fd, sim->wu + first, last - first + 1, (off_t)first);
}

static void derive_units(ota_flash_sim_t *sim)
{
    uint32_t wu = sim->cfg.write_unit;
    for (uint32_t u = 0; u < unit_count(sim); u++) {
        const uint8_t *p = sim->mem + (size_t)u * wu;
        uint8_t programmed = 0;
        for (uint32_t i = 0; i < wu; i++) {
            if (p[i] != 0xFF) {
                programmed = 1;
                break;
            }
        }
        sim->wu[u] = programmed;
    }
}

static int open_backing(ota_flash_sim_t *sim)
{
    size_t plen = strlen(sim->cfg.path);
    sim->path = malloc(plen + 4);
    if (sim->path == NULL) {
        return OTA_ERR_IO;
    }
    memcpy(sim->path, sim->cfg.path, plen + 1);
    sim->cfg.path = sim->path;

    sim->fd = open(sim->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (sim->fd < 0) {
        return OTA_ERR_IO;
    }
    struct stat st;
    if (fstat(sim->fd, &st) != 0) {
        return OTA_ERR_IO;
    }
    bool fresh = st.st_size == 0;
    if (fresh) {
        if (pwrite_all(sim->fd, sim->mem, sim->cfg.size, 0) != OTA_OK) {
            return OTA_ERR_IO;
        }
    } else if ((uint64_t)st.st_size != sim->cfg.size) {
        return OTA_ERR_INVALID_ARG;
    } else if (pread_all(sim->fd, sim->mem, sim->cfg.size, 0) != OTA_OK) {
        return OTA_ERR_IO;
    }

    char *wpath = malloc(plen + 4);
    if (wpath == NULL) {
        return OTA_ERR_IO;
    }
    memcpy(wpath, sim->path, plen);
    memcpy(wpath + plen, ".wu", 4);
    sim->wu_fd = open(wpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    free(wpath);
    if (sim->wu_fd < 0 || fstat(sim->wu_fd, &st) != 0) {
        return OTA_ERR_IO;
    }
    uint32_t n = unit_count(sim);
    if (!fresh && (uint64_t)st.st_size == n) {
        return pread_all(sim->wu_fd, sim->wu, n, 0);
    }
    /* No (valid) sidecar, or a new flash file: the best guess is that a unit
     * holding anything but 0xFF was programmed. */
    derive_units(sim);
    if (ftruncate(sim->wu_fd, 0) != 0) {
        return OTA_ERR_IO;
    }
    return pwrite_all(sim->wu_fd, sim->wu, n, 0);
}

int ota_flash_sim_open(ota_flash_sim_t *sim, const ota_flash_sim_config_t *cfg)
{
    if (sim == NULL || cfg == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(sim, 0, sizeof(*sim));
    sim->fd = -1;
    sim->wu_fd = -1;
    if (!is_pow2(cfg->sector_size) || !is_pow2(cfg->write_unit) ||
        cfg->write_unit > cfg->sector_size || cfg->size == 0 || cfg->size % cfg->sector_size != 0) {
        return OTA_ERR_INVALID_ARG;
    }
    sim->cfg = *cfg;
    sim->cfg.path = NULL;
    sim->mem = malloc(cfg->size);
    sim->wu = calloc(cfg->size / cfg->write_unit, 1);
    if (sim->mem == NULL || sim->wu == NULL) {
        ota_flash_sim_close(sim);
        return OTA_ERR_IO;
    }
    memset(sim->mem, 0xFF, cfg->size);
    if (cfg->path != NULL) {
        sim->cfg.path = cfg->path;
        int rc = open_backing(sim);
        if (rc != OTA_OK) {
            ota_flash_sim_close(sim);
            return rc;
        }
    }
    return OTA_OK;
}

int ota_flash_sim_close(ota_flash_sim_t *sim)
{
    int rc = OTA_OK;
    if (sim->fd >= 0 && close(sim->fd) != 0) {
        rc = OTA_ERR_IO;
    }
    if (sim->wu_fd >= 0 && close(sim->wu_fd) != 0) {
        rc = OTA_ERR_IO;
    }
    free(sim->mem);
    free(sim->wu);
    free(sim->path);
    memset(sim, 0, sizeof(*sim));
    sim->fd = -1;
    sim->wu_fd = -1;
    return rc;
}

static int power_check(ota_flash_sim_t *sim)
{
    return sim->cfg.power != NULL ? ota_power_check(sim->cfg.power) : OTA_OK;
}

static int power_tick(ota_flash_sim_t *sim, ota_cut_mode_t *mode)
{
    return sim->cfg.power != NULL ? ota_power_tick(sim->cfg.power, mode) : OTA_POWER_RUN;
}

static int sim_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    ota_flash_sim_t *sim = ctx;
    int rc = power_check(sim);
    if (rc != OTA_OK) {
        return rc;
    }
    if (addr > sim->cfg.size || len > sim->cfg.size - addr) {
        return OTA_ERR_RANGE;
    }
    if (len > 0) {
        if (buf == NULL) {
            return OTA_ERR_INVALID_ARG;
        }
        memcpy(buf, sim->mem + addr, len);
    }
    sim->counters.reads++;
    sim->counters.bytes_read += len;
    return OTA_OK;
}

static void torn_erase(ota_flash_sim_t *sim, uint32_t addr)
{
    ota_power_t *p = sim->cfg.power;
    uint32_t ss = sim->cfg.sector_size;
    uint64_t bits = 0;
    for (uint32_t i = 0; i < ss; i++) {
        if (i % 64 == 0) {
            bits = ota_power_random(p);
        }
        if (bits & 1) {
            sim->mem[addr + i] = 0xFF;
        }
        bits >>= 1;
    }
    /* A unit with bytes left over from before was not really erased: a
     * program into it is still a reprogram. */
    uint32_t wu = sim->cfg.write_unit;
    for (uint32_t u = addr / wu; u < (addr + ss) / wu; u++) {
        const uint8_t *q = sim->mem + (size_t)u * wu;
        bool all_ff = true;
        for (uint32_t i = 0; i < wu && all_ff; i++) {
            all_ff = q[i] == 0xFF;
        }
        if (all_ff) {
            sim->wu[u] = 0;
        }
    }
}

static int sim_erase(void *ctx, uint32_t addr)
{
    ota_flash_sim_t *sim = ctx;
    int rc = power_check(sim);
    if (rc != OTA_OK) {
        return rc;
    }
    if (addr % sim->cfg.sector_size != 0) {
        return OTA_ERR_ALIGN;
    }
    if (addr >= sim->cfg.size) {
        return OTA_ERR_RANGE;
    }
    uint32_t ss = sim->cfg.sector_size;
    uint32_t wu = sim->cfg.write_unit;
    ota_cut_mode_t mode = OTA_CUT_WHOLE;
    rc = power_tick(sim, &mode);
    if (rc < 0) {
        return rc;
    }
    bool victim = rc == OTA_POWER_VICTIM;
    if (victim && mode == OTA_CUT_SKIP) {
        ota_power_cut(sim->cfg.power);
        return OTA_ERR_POWER_LOST;
    }
    if (victim && mode == OTA_CUT_TORN) {
        torn_erase(sim, addr);
    } else {
        memset(sim->mem + addr, 0xFF, ss);
        memset(sim->wu + addr / wu, 0, ss / wu);
    }
    sim->counters.erases++;
    rc = persist(sim, addr, ss);
    if (victim) {
        ota_power_cut(sim->cfg.power);
        return OTA_ERR_POWER_LOST;
    }
    return rc;
}

/* Program whole write units [0, units) of the request, then a random subset
 * of the bit clears of the next unit: the cell charge that got in before
 * the supply died. Bits the data leaves at 1 are never touched. */
static void torn_program(ota_flash_sim_t *sim, uint32_t addr, const uint8_t *data, uint32_t len)
{
    ota_power_t *p = sim->cfg.power;
    uint32_t wu = sim->cfg.write_unit;
    uint32_t units = (uint32_t)ota_power_random_below(p, len / wu);
    uint32_t done = units * wu;
    for (uint32_t i = 0; i < done; i++) {
        sim->mem[addr + i] &= data[i];
    }
    for (uint32_t i = done; i < done + wu; i++) {
        uint8_t clear = (uint8_t)(sim->mem[addr + i] & ~data[i]);
        uint8_t some = (uint8_t)(clear & (uint8_t)ota_power_random(p));
        sim->mem[addr + i] = (uint8_t)(sim->mem[addr + i] & ~some);
    }
    for (uint32_t u = addr / wu; u <= (addr + done) / wu; u++) {
        sim->wu[u] = 1;
    }
}

static int sim_program(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    ota_flash_sim_t *sim = ctx;
    const uint8_t *data = buf;
    int rc = power_check(sim);
    if (rc != OTA_OK) {
        return rc;
    }
    uint32_t wu = sim->cfg.write_unit;
    if (addr % wu != 0 || len % wu != 0) {
        return OTA_ERR_ALIGN;
    }
    if (addr > sim->cfg.size || len > sim->cfg.size - addr) {
        return OTA_ERR_RANGE;
    }
    if (len == 0) {
        return OTA_OK;
    }
    if (data == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    /* Check everything before changing anything: a refused program must
     * leave the flash exactly as it was. */
    for (uint32_t i = 0; i < len; i++) {
        if ((uint8_t)(~sim->mem[addr + i] & data[i]) != 0) {
            return OTA_ERR_FLASH_BITS;
        }
    }
    uint64_t again = 0;
    for (uint32_t u = addr / wu; u < (addr + len) / wu; u++) {
        again += sim->wu[u];
    }
    if (again != 0 && sim->cfg.strict) {
        sim->counters.violations += again;
        return OTA_ERR_FLASH_REPROGRAM;
    }
    ota_cut_mode_t mode = OTA_CUT_WHOLE;
    rc = power_tick(sim, &mode);
    if (rc < 0) {
        return rc;
    }
    bool victim = rc == OTA_POWER_VICTIM;
    if (victim && mode == OTA_CUT_SKIP) {
        ota_power_cut(sim->cfg.power);
        return OTA_ERR_POWER_LOST;
    }
    sim->counters.violations += again;
    if (victim && mode == OTA_CUT_TORN) {
        torn_program(sim, addr, data, len);
    } else {
        for (uint32_t i = 0; i < len; i++) {
            sim->mem[addr + i] &= data[i];
        }
        memset(sim->wu + addr / wu, 1, len / wu);
    }
    sim->counters.programs++;
    sim->counters.bytes_programmed += len;
    rc = persist(sim, addr, len);
    if (victim) {
        ota_power_cut(sim->cfg.power);
        return OTA_ERR_POWER_LOST;
    }
    return rc;
}

int ota_flash_sim_port(ota_flash_sim_t *sim, ota_flash_t *out)
{
    memset(out, 0, sizeof(*out));
    out->ctx = sim;
    out->size = sim->cfg.size;
    out->sector_size = sim->cfg.sector_size;
    out->write_unit = sim->cfg.write_unit;
    out->read = sim_read;
    out->erase = sim_erase;
    out->program = sim_program;
    return OTA_OK;
}

int ota_flash_sim_counters(const ota_flash_sim_t *sim, ota_flash_sim_counters_t *out)
{
    *out = sim->counters;
    return OTA_OK;
}

int ota_flash_sim_reset_counters(ota_flash_sim_t *sim)
{
    memset(&sim->counters, 0, sizeof(sim->counters));
    return OTA_OK;
}

const uint8_t *ota_flash_sim_data(const ota_flash_sim_t *sim)
{
    return sim->mem;
}

int ota_flash_sim_load(ota_flash_sim_t *sim, uint32_t addr, const void *data, uint32_t len)
{
    if (addr > sim->cfg.size || len > sim->cfg.size - addr) {
        return OTA_ERR_RANGE;
    }
    if (len == 0) {
        return OTA_OK;
    }
    if (data == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memcpy(sim->mem + addr, data, len);
    uint32_t wu = sim->cfg.write_unit;
    for (uint32_t u = addr / wu; u <= (addr + len - 1) / wu; u++) {
        sim->wu[u] = 1;
    }
    return persist(sim, addr, len);
}

int ota_flash_sim_wipe(ota_flash_sim_t *sim)
{
    memset(sim->mem, 0xFF, sim->cfg.size);
    memset(sim->wu, 0, unit_count(sim));
    return persist(sim, 0, sim->cfg.size);
}

int ota_flash_sim_unit_programmed(const ota_flash_sim_t *sim, uint32_t addr)
{
    if (addr >= sim->cfg.size) {
        return OTA_ERR_RANGE;
    }
    return sim->wu[addr / sim->cfg.write_unit] ? 1 : 0;
}

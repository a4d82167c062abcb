/*
 * The NOR flash model: the host port's file flash, plus the "programmed
 * twice" bookkeeping and power cuts (see sim_nor.h).
 */
#include "sim_nor.h"
#include "host_io.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t unit_count(const sim_nor_t *sim)
{
    return sim->under.size / sim->under.write_unit;
}

/* Write the write-unit flags of units [first, last] through to the sidecar,
 * so that the next process sees the same bookkeeping as the flash file. */
static int persist_units(sim_nor_t *sim, uint32_t first, uint32_t last)
{
    if (sim->wu_fd < 0) {
        return OTA_OK;
    }
    return posix_io_pwrite_all(sim->wu_fd, sim->wu + first, last - first + 1, (off_t)first);
}

/* After a change of the len bytes at addr (len > 0): persist the flags of
 * the units it covers; the change's own error rc comes first. */
static int units_changed(sim_nor_t *sim, uint32_t addr, uint32_t len, int rc)
{
    uint32_t wu = sim->under.write_unit;
    int prc = persist_units(sim, addr / wu, (addr + len - 1) / wu);
    return rc != OTA_OK ? rc : prc;
}

/* A unit counts as programmed when any of its bytes is not erased. */
static void derive_units(sim_nor_t *sim, uint32_t first, uint32_t last)
{
    uint32_t wu = sim->under.write_unit;
    const uint8_t *mem = posix_flash_file_data(&sim->file);
    for (uint32_t u = first; u <= last; u++) {
        const uint8_t *p = mem + (size_t)u * wu;
        uint8_t programmed = 0;
        for (uint32_t i = 0; i < wu; i++) {
            if (p[i] != OTA_FLASH_ERASED) {
                programmed = 1;
                break;
            }
        }
        sim->wu[u] = programmed;
    }
}

static int open_sidecar(sim_nor_t *sim, const char *path, bool fresh)
{
    size_t plen = strlen(path);
    char *wpath = malloc(plen + 4);
    if (wpath == NULL) {
        return OTA_ERR_IO;
    }
    memcpy(wpath, path, plen);
    memcpy(wpath + plen, ".wu", 4);
    sim->wu_fd = open(wpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    free(wpath);
    struct stat st;
    if (sim->wu_fd < 0 || fstat(sim->wu_fd, &st) != 0) {
        return OTA_ERR_IO;
    }
    uint32_t n = unit_count(sim);
    if (!fresh && (uint64_t)st.st_size == n) {
        return posix_io_pread_all(sim->wu_fd, sim->wu, n, 0);
    }
    /* No (valid) sidecar, or a new flash file: the best guess is that a unit
     * holding anything but 0xFF was programmed. */
    derive_units(sim, 0, n - 1);
    if (ftruncate(sim->wu_fd, 0) != 0) {
        return OTA_ERR_IO;
    }
    return persist_units(sim, 0, n - 1);
}

int sim_nor_open(sim_nor_t *sim, const sim_nor_config_t *cfg)
{
    if (sim == NULL || cfg == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(sim, 0, sizeof *sim);
    sim->wu_fd = -1;
    sim->cfg = *cfg;
    sim->cfg.path = NULL;
    sim->cfg.runs = NULL;
    bool fresh = true;
    struct stat st;
    if (cfg->path != NULL && stat(cfg->path, &st) == 0 && st.st_size > 0) {
        fresh = false;
    }
    posix_flash_file_config_t fc = {
        .size = cfg->size,
        .sector_size = cfg->sector_size,
        .write_unit = cfg->write_unit,
        .runs = cfg->runs,
        .nruns = cfg->nruns,
        .path = cfg->path,
        /* The simulator's power model is its own: the host's cache is the
         * "medium", and a process that exits leaves it behind. */
        .no_fsync = true,
    };
    int rc = posix_flash_file_open(&sim->file, &fc);
    if (rc != OTA_OK) {
        sim->wu_fd = -1;
        return rc;
    }
    posix_flash_file_port(&sim->file, &sim->under);
    sim->wu = calloc(unit_count(sim), 1);
    if (sim->wu == NULL) {
        sim_nor_close(sim);
        return OTA_ERR_IO;
    }
    if (cfg->path != NULL) {
        sim->cfg.path = sim->file.path;
        rc = open_sidecar(sim, cfg->path, fresh);
    } else {
        derive_units(sim, 0, unit_count(sim) - 1);
    }
    if (rc != OTA_OK) {
        sim_nor_close(sim);
    }
    return rc;
}

int sim_nor_close(sim_nor_t *sim)
{
    int rc = posix_flash_file_close(&sim->file);
    if (sim->wu_fd >= 0 && close(sim->wu_fd) != 0) {
        rc = OTA_ERR_IO;
    }
    free(sim->wu);
    memset(sim, 0, sizeof *sim);
    sim->wu_fd = -1;
    return rc;
}

static int power_check(sim_nor_t *sim)
{
    return sim->cfg.power != NULL ? sim_power_check(sim->cfg.power) : OTA_OK;
}

/* Every mutating operation goes through the one cut protocol; without a
 * power object it simply runs whole. */
static int power_run(sim_nor_t *sim, sim_power_op_fn op, void *arg)
{
    if (sim->cfg.power == NULL) {
        return op(arg, SIM_CUT_WHOLE);
    }
    return sim_power_run(sim->cfg.power, false, op, arg);
}

static int sim_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    sim_nor_t *sim = ctx;
    int rc = power_check(sim);
    if (rc == OTA_OK) {
        rc = sim->under.read(sim->under.ctx, addr, buf, len);
    }
    if (rc == OTA_OK) {
        sim->counters.reads++;
        sim->counters.bytes_read += len;
    }
    return rc;
}

/* ---- erase ------------------------------------------------------------- */

typedef struct erase_op {
    sim_nor_t *sim;
    uint32_t addr;
    uint32_t size;
} erase_op_t;

/* Each byte keeps its old value or becomes 0xFF, independently. */
static int torn_erase(sim_nor_t *sim, uint32_t addr, uint32_t size)
{
    uint8_t *buf = malloc(size);
    if (buf == NULL) {
        return OTA_ERR_IO;
    }
    memcpy(buf, posix_flash_file_data(&sim->file) + addr, size);
    uint64_t bits = 0;
    for (uint32_t i = 0; i < size; i++) {
        if (i % 64 == 0) {
            bits = sim_power_random(sim->cfg.power);
        }
        if (bits & 1) {
            buf[i] = OTA_FLASH_ERASED;
        }
        bits >>= 1;
    }
    int rc = posix_flash_file_load(&sim->file, addr, buf, size);
    free(buf);
    /* A unit with bytes left over from before was not really erased: a
     * program into it is still a reprogram. Units that did end erased are
     * erased. */
    uint32_t wu = sim->under.write_unit;
    for (uint32_t u = addr / wu; u < (addr + size) / wu; u++) {
        uint8_t was = sim->wu[u];
        derive_units(sim, u, u);
        sim->wu[u] &= was;
    }
    return rc;
}

static int erase_run(void *arg, sim_cut_mode_t how)
{
    erase_op_t *op = arg;
    sim_nor_t *sim = op->sim;
    uint32_t wu = sim->under.write_unit;
    int rc;
    if (how == SIM_CUT_TORN) {
        rc = torn_erase(sim, op->addr, op->size);
    } else {
        rc = sim->under.erase(sim->under.ctx, op->addr);
        memset(sim->wu + op->addr / wu, 0, op->size / wu);
    }
    sim->counters.erases++;
    return units_changed(sim, op->addr, op->size, rc);
}

static int sim_erase(void *ctx, uint32_t addr)
{
    sim_nor_t *sim = ctx;
    erase_op_t op = { sim, addr, 0 };
    int rc = power_check(sim);
    if (rc == OTA_OK) {
        rc = posix_flash_file_erase_check(&sim->file, addr, &op.size);
    }
    if (rc != OTA_OK) {
        return rc;
    }
    return power_run(sim, erase_run, &op);
}

/* ---- program ----------------------------------------------------------- */

typedef struct program_op {
    sim_nor_t *sim;
    uint32_t addr;
    const uint8_t *data;
    uint32_t len;
    uint64_t again; /* write units of the request already programmed */
} program_op_t;

/* Program whole write units [0, units) of the request, then a random subset
 * of the bit clears of the next unit: the cell charge that got in before
 * the supply died. Bits the data leaves at 1 are never touched. */
static int torn_program(sim_nor_t *sim, uint32_t addr, const uint8_t *data, uint32_t len)
{
    sim_power_t *p = sim->cfg.power;
    uint32_t wu = sim->under.write_unit;
    uint32_t units = (uint32_t)sim_power_random_below(p, len / wu);
    uint32_t done = units * wu;
    uint32_t span = done + wu;
    uint8_t *buf = malloc(span);
    if (buf == NULL) {
        return OTA_ERR_IO;
    }
    memcpy(buf, posix_flash_file_data(&sim->file) + addr, span);
    for (uint32_t i = 0; i < done; i++) {
        buf[i] &= data[i];
    }
    for (uint32_t i = done; i < span; i++) {
        uint8_t clear = (uint8_t)(buf[i] & ~data[i]);
        uint8_t some = (uint8_t)(clear & (uint8_t)sim_power_random(p));
        buf[i] = (uint8_t)(buf[i] & ~some);
    }
    int rc = posix_flash_file_load(&sim->file, addr, buf, span);
    free(buf);
    memset(sim->wu + addr / wu, 1, units + 1u);
    return rc;
}

static int program_run(void *arg, sim_cut_mode_t how)
{
    program_op_t *op = arg;
    sim_nor_t *sim = op->sim;
    uint32_t wu = sim->under.write_unit;
    int rc;
    sim->counters.violations += op->again;
    if (how == SIM_CUT_TORN) {
        rc = torn_program(sim, op->addr, op->data, op->len);
    } else {
        rc = sim->under.program(sim->under.ctx, op->addr, op->data, op->len);
        memset(sim->wu + op->addr / wu, 1, op->len / wu);
    }
    sim->counters.programs++;
    sim->counters.bytes_programmed += op->len;
    return units_changed(sim, op->addr, op->len, rc);
}

static int sim_program(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    sim_nor_t *sim = ctx;
    program_op_t op = { sim, addr, buf, len, 0 };
    int rc = power_check(sim);
    if (rc == OTA_OK) {
        rc = posix_flash_file_program_check(&sim->file, addr, buf, len);
    }
    if (rc != OTA_OK || len == 0) {
        return rc;
    }
    uint32_t wu = sim->under.write_unit;
    for (uint32_t u = addr / wu; u < (addr + len) / wu; u++) {
        op.again += sim->wu[u];
    }
    if (op.again != 0 && sim->cfg.strict) {
        sim->counters.violations += op.again;
        return OTA_ERR_FLASH_REPROGRAM;
    }
    return power_run(sim, program_run, &op);
}

static int sim_sector(void *ctx, uint32_t addr, uint32_t *start, uint32_t *size)
{
    sim_nor_t *sim = ctx;
    return posix_flash_file_sector(&sim->file, addr, start, size);
}

int sim_nor_port(sim_nor_t *sim, ota_flash_t *out)
{
    *out = sim->under;
    out->ctx = sim;
    out->read = sim_read;
    out->erase = sim_erase;
    out->program = sim_program;
    out->sector = sim->under.sector != NULL ? sim_sector : NULL;
    return OTA_OK;
}

int sim_nor_counters(const sim_nor_t *sim, sim_nor_counters_t *out)
{
    *out = sim->counters;
    return OTA_OK;
}

int sim_nor_reset_counters(sim_nor_t *sim)
{
    memset(&sim->counters, 0, sizeof sim->counters);
    return OTA_OK;
}

const uint8_t *sim_nor_data(const sim_nor_t *sim)
{
    return posix_flash_file_data(&sim->file);
}

int sim_nor_load(sim_nor_t *sim, uint32_t addr, const void *data, uint32_t len)
{
    int rc = posix_flash_file_load(&sim->file, addr, data, len);
    if (rc != OTA_OK || len == 0) {
        return rc;
    }
    uint32_t wu = sim->under.write_unit;
    uint32_t first = addr / wu;
    memset(sim->wu + first, 1, (addr + len - 1) / wu - first + 1);
    return units_changed(sim, addr, len, OTA_OK);
}

int sim_nor_wipe(sim_nor_t *sim)
{
    int rc = posix_flash_file_wipe(&sim->file);
    memset(sim->wu, 0, unit_count(sim));
    return units_changed(sim, 0, sim->under.size, rc);
}

int sim_nor_unit_programmed(const sim_nor_t *sim, uint32_t addr)
{
    if (addr >= sim->under.size) {
        return OTA_ERR_RANGE;
    }
    return sim->wu[addr / sim->under.write_unit] ? 1 : 0;
}

/*
 * Internal flash over a host file or memory: see flash_file.h.
 */
#include "flash_file.h"
#include "host_io.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* Write a changed range through to the file: a process that exits right
 * after this call leaves exactly this state behind, and, with fsync, so does
 * a host that loses power. */
static int persist(posix_flash_file_t *f, uint32_t addr, uint32_t len)
{
    if (f->fd < 0 || len == 0) {
        return OTA_OK;
    }
    int rc = posix_io_pwrite_all(f->fd, f->mem + addr, len, (off_t)addr);
    if (rc == OTA_OK && !f->cfg.no_fsync && fdatasync(f->fd) != 0) {
        rc = OTA_ERR_IO;
    }
    return rc;
}

/* The geometry is usable: whole powers of two, or a map of runs whose
 * sectors are whole write units and add up to the device. */
static int geometry_check(posix_flash_file_t *f, const posix_flash_file_config_t *cfg)
{
    if (!is_pow2(cfg->write_unit)) {
        return OTA_ERR_INVALID_ARG;
    }
    if (cfg->runs == NULL) {
        if (!is_pow2(cfg->sector_size) || cfg->write_unit > cfg->sector_size || cfg->size == 0 ||
            cfg->size % cfg->sector_size != 0) {
            return OTA_ERR_INVALID_ARG;
        }
        return OTA_OK;
    }
    if (cfg->nruns == 0 || cfg->nruns > POSIX_FLASH_FILE_MAX_RUNS) {
        return OTA_ERR_INVALID_ARG;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < cfg->nruns; i++) {
        const posix_flash_file_run_t *r = &cfg->runs[i];
        if (r->count == 0 || r->size == 0 || r->size % cfg->write_unit != 0) {
            return OTA_ERR_INVALID_ARG;
        }
        total += (uint64_t)r->count * r->size;
        f->runs[i] = *r;
    }
    if (total > UINT32_MAX || (cfg->size != 0 && cfg->size != total)) {
        return OTA_ERR_INVALID_ARG;
    }
    f->cfg.size = (uint32_t)total;
    f->cfg.runs = f->runs;
    return OTA_OK;
}

static int open_backing(posix_flash_file_t *f, const char *path)
{
    f->path = strdup(path);
    if (f->path == NULL) {
        return OTA_ERR_IO;
    }
    f->cfg.path = f->path;
    f->fd = open(f->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    struct stat st;
    if (f->fd < 0 || fstat(f->fd, &st) != 0) {
        return OTA_ERR_IO;
    }
    if (st.st_size == 0) {
        return persist(f, 0, f->cfg.size);
    }
    if ((uint64_t)st.st_size != f->cfg.size) {
        return OTA_ERR_INVALID_ARG;
    }
    return posix_io_pread_all(f->fd, f->mem, f->cfg.size, 0);
}

int posix_flash_file_open(posix_flash_file_t *f, const posix_flash_file_config_t *cfg)
{
    if (f == NULL || cfg == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->cfg = *cfg;
    f->cfg.path = NULL;
    f->cfg.runs = NULL;
    int rc = geometry_check(f, cfg);
    if (rc != OTA_OK) {
        return rc;
    }
    f->mem = malloc(f->cfg.size);
    if (f->mem == NULL) {
        return OTA_ERR_IO;
    }
    memset(f->mem, OTA_FLASH_ERASED, f->cfg.size);
    if (cfg->path != NULL) {
        rc = open_backing(f, cfg->path);
        if (rc != OTA_OK) {
            posix_flash_file_close(f);
            return rc;
        }
    }
    return OTA_OK;
}

int posix_flash_file_close(posix_flash_file_t *f)
{
    int rc = OTA_OK;
    if (f->fd >= 0 && close(f->fd) != 0) {
        rc = OTA_ERR_IO;
    }
    free(f->mem);
    free(f->path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
    return rc;
}

int posix_flash_file_map_sector(const posix_flash_file_run_t *runs, size_t nruns, uint32_t addr, uint32_t *start,
                                uint32_t *size)
{
    uint64_t base = 0;
    for (size_t i = 0; i < nruns; i++) {
        const posix_flash_file_run_t *r = &runs[i];
        uint64_t span = (uint64_t)r->count * r->size;
        if (addr >= base && addr - base < span) {
            *start = (uint32_t)(base + (addr - base) / r->size * r->size);
            *size = r->size;
            return OTA_OK;
        }
        base += span;
    }
    return OTA_ERR_RANGE;
}

int posix_flash_file_sector(const posix_flash_file_t *f, uint32_t addr, uint32_t *start, uint32_t *size)
{
    if (addr >= f->cfg.size) {
        return OTA_ERR_RANGE;
    }
    if (f->cfg.runs == NULL) {
        *start = addr - addr % f->cfg.sector_size;
        *size = f->cfg.sector_size;
        return OTA_OK;
    }
    return posix_flash_file_map_sector(f->cfg.runs, f->cfg.nruns, addr, start, size);
}

int posix_flash_file_erase_check(const posix_flash_file_t *f, uint32_t addr, uint32_t *size)
{
    uint32_t start;
    uint32_t sz;
    int rc = posix_flash_file_sector(f, addr, &start, &sz);
    if (rc != OTA_OK) {
        return rc;
    }
    if (start != addr) {
        return OTA_ERR_ALIGN;
    }
    if (size != NULL) {
        *size = sz;
    }
    return OTA_OK;
}

int posix_flash_file_program_check(const posix_flash_file_t *f, uint32_t addr, const void *data, uint32_t len)
{
    const uint8_t *d = data;
    uint32_t wu = f->cfg.write_unit;
    if (addr % wu != 0 || len % wu != 0) {
        return OTA_ERR_ALIGN;
    }
    if (addr > f->cfg.size || len > f->cfg.size - addr) {
        return OTA_ERR_RANGE;
    }
    if (len > 0 && d == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    /* Every byte is checked before any is changed: a refused program leaves
     * the flash exactly as it was. */
    for (uint32_t i = 0; i < len; i++) {
        if ((uint8_t)(~f->mem[addr + i] & d[i]) != 0) {
            return OTA_ERR_FLASH_BITS;
        }
    }
    return OTA_OK;
}

static int file_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    posix_flash_file_t *f = ctx;
    if (addr > f->cfg.size || len > f->cfg.size - addr) {
        return OTA_ERR_RANGE;
    }
    if (len > 0) {
        if (buf == NULL) {
            return OTA_ERR_INVALID_ARG;
        }
        memcpy(buf, f->mem + addr, len);
    }
    return OTA_OK;
}

static int file_erase(void *ctx, uint32_t addr)
{
    posix_flash_file_t *f = ctx;
    uint32_t size;
    int rc = posix_flash_file_erase_check(f, addr, &size);
    if (rc != OTA_OK) {
        return rc;
    }
    memset(f->mem + addr, OTA_FLASH_ERASED, size);
    return persist(f, addr, size);
}

static int file_program(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    posix_flash_file_t *f = ctx;
    const uint8_t *d = buf;
    int rc = posix_flash_file_program_check(f, addr, buf, len);
    if (rc != OTA_OK) {
        return rc;
    }
    for (uint32_t i = 0; i < len; i++) {
        f->mem[addr + i] &= d[i];
    }
    return persist(f, addr, len);
}

static int file_sector(void *ctx, uint32_t addr, uint32_t *start, uint32_t *size)
{
    return posix_flash_file_sector(ctx, addr, start, size);
}

int posix_flash_file_port(posix_flash_file_t *f, ota_flash_t *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = f;
    out->size = f->cfg.size;
    out->sector_size = f->cfg.runs == NULL ? f->cfg.sector_size : 0;
    out->write_unit = f->cfg.write_unit;
    out->read = file_read;
    out->erase = file_erase;
    out->program = file_program;
    out->sector = f->cfg.runs == NULL ? NULL : file_sector;
    return OTA_OK;
}

const uint8_t *posix_flash_file_data(const posix_flash_file_t *f)
{
    return f->mem;
}

int posix_flash_file_load(posix_flash_file_t *f, uint32_t addr, const void *data, uint32_t len)
{
    if (addr > f->cfg.size || len > f->cfg.size - addr) {
        return OTA_ERR_RANGE;
    }
    if (len == 0) {
        return OTA_OK;
    }
    if (data == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memmove(f->mem + addr, data, len);
    return persist(f, addr, len);
}

int posix_flash_file_wipe(posix_flash_file_t *f)
{
    memset(f->mem, OTA_FLASH_ERASED, f->cfg.size);
    return persist(f, 0, f->cfg.size);
}

/* Counting flash and crypto wrappers: see bench_ports.h. */
#include "bench_ports.h"

#include <string.h>

#include "sysota/ota_config.h"

static bench_flash_counts_t *side(bench_flash_t *bf, uint32_t addr)
{
    return (addr >= bf->lo && addr < bf->hi) ? &bf->in : &bf->out;
}

static int bf_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    bench_flash_t *bf = ctx;
    /* Counted even when the port fails: the work was asked for. */
    bench_flash_counts_t *c = side(bf, addr);
    c->reads++;
    c->bytes_read += len;
    return bf->inner->read(bf->inner->ctx, addr, buf, len);
}

static int bf_erase(void *ctx, uint32_t addr)
{
    bench_flash_t *bf = ctx;
    side(bf, addr)->erases++;
    return bf->inner->erase(bf->inner->ctx, addr);
}

static int bf_program(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    bench_flash_t *bf = ctx;
    bench_flash_counts_t *c = side(bf, addr);
    c->programs++;
    c->bytes_programmed += len;
    return bf->inner->program(bf->inner->ctx, addr, buf, len);
}

int bench_flash_wrap(bench_flash_t *bf, const ota_flash_t *inner, uint32_t lo, uint32_t hi)
{
    if (bf == NULL || inner == NULL || lo > hi) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(bf, 0, sizeof *bf);
    bf->inner = inner;
    bf->lo = lo;
    bf->hi = hi;
    bf->port = *inner;
    bf->port.ctx = bf;
    bf->port.read = bf_read;
    bf->port.erase = bf_erase;
    bf->port.program = bf_program;
    return OTA_OK;
}

int bench_flash_reset(bench_flash_t *bf)
{
    memset(&bf->in, 0, sizeof bf->in);
    memset(&bf->out, 0, sizeof bf->out);
    return OTA_OK;
}

static int bc_start(void *ctx, ota_sha256_t *sha)
{
    bench_crypto_t *bc = ctx;
    bc->starts++;
    return bc->inner->sha256_start(bc->inner->ctx, sha);
}

static int bc_update(void *ctx, ota_sha256_t *sha, const void *data, size_t len)
{
    bench_crypto_t *bc = ctx;
    bc->bytes_hashed += len;
    return bc->inner->sha256_update(bc->inner->ctx, sha, data, len);
}

static int bc_finish(void *ctx, ota_sha256_t *sha, uint8_t out[OTA_SHA256_LEN])
{
    bench_crypto_t *bc = ctx;
    return bc->inner->sha256_finish(bc->inner->ctx, sha, out);
}

static int bc_verify(void *ctx, const uint8_t key[OTA_PUBKEY_LEN], const uint8_t digest[OTA_SHA256_LEN],
                     const uint8_t sig[OTA_SIG_LEN])
{
    bench_crypto_t *bc = ctx;
    return bc->inner->verify(bc->inner->ctx, key, digest, sig);
}

int bench_crypto_wrap(bench_crypto_t *bc, const ota_crypto_t *inner)
{
    if (bc == NULL || inner == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(bc, 0, sizeof *bc);
    bc->inner = inner;
    bc->port.ctx = bc;
    bc->port.sha256_start = bc_start;
    bc->port.sha256_update = bc_update;
    bc->port.sha256_finish = bc_finish;
    /* NULL stays NULL: it tells the core the build has no signatures. */
    bc->port.verify = inner->verify != NULL ? bc_verify : NULL;
    return OTA_OK;
}

int bench_crypto_reset(bench_crypto_t *bc)
{
    bc->starts = 0;
    bc->bytes_hashed = 0;
    return OTA_OK;
}

static bench_store_t *bs_of(void *ctx)
{
    bench_store_t *bs = ctx;
    bs->ops++;
    return bs;
}

static int bs_open(void *ctx, const char *name, unsigned flags)
{
    bench_store_t *bs = bs_of(ctx);
    int fh = bs->inner->open(bs->inner->ctx, name, flags);
    if (fh >= 0 && fh < BENCH_STORE_MAX_HANDLES) {
        bs->db_handle[fh] = name != NULL && strcmp(name, OTA_DB_NAME) == 0;
    }
    return fh;
}

static int bs_read(void *ctx, int fh, void *buf, uint32_t len)
{
    bench_store_t *bs = bs_of(ctx);
    int n = bs->inner->read(bs->inner->ctx, fh, buf, len);
    if (n > 0) {
        if (fh >= 0 && fh < BENCH_STORE_MAX_HANDLES && bs->db_handle[fh]) {
            bs->db_bytes_read += (uint64_t)n;
        } else {
            bs->other_bytes_read += (uint64_t)n;
        }
    }
    return n;
}

static int bs_write(void *ctx, int fh, const void *buf, uint32_t len)
{
    bench_store_t *bs = bs_of(ctx);
    return bs->inner->write(bs->inner->ctx, fh, buf, len);
}

static int bs_sync(void *ctx, int fh)
{
    bench_store_t *bs = bs_of(ctx);
    return bs->inner->sync(bs->inner->ctx, fh);
}

static int bs_close(void *ctx, int fh)
{
    bench_store_t *bs = bs_of(ctx);
    return bs->inner->close(bs->inner->ctx, fh);
}

static int bs_rename(void *ctx, const char *from, const char *to)
{
    bench_store_t *bs = bs_of(ctx);
    return bs->inner->rename(bs->inner->ctx, from, to);
}

static int bs_remove(void *ctx, const char *name)
{
    bench_store_t *bs = bs_of(ctx);
    return bs->inner->remove(bs->inner->ctx, name);
}

static int bs_stat(void *ctx, const char *name, uint32_t *size)
{
    bench_store_t *bs = bs_of(ctx);
    return bs->inner->stat(bs->inner->ctx, name, size);
}

static int bs_list(void *ctx, ota_store_list_cb cb, void *arg)
{
    bench_store_t *bs = bs_of(ctx);
    return bs->inner->list(bs->inner->ctx, cb, arg);
}

int bench_store_wrap(bench_store_t *bs, const ota_store_t *inner)
{
    if (bs == NULL || inner == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(bs, 0, sizeof *bs);
    bs->inner = inner;
    bs->port.ctx = bs;
    bs->port.open = bs_open;
    bs->port.read = bs_read;
    bs->port.write = bs_write;
    bs->port.sync = bs_sync;
    bs->port.close = bs_close;
    bs->port.rename = bs_rename;
    bs->port.remove = bs_remove;
    bs->port.stat = bs_stat;
    bs->port.list = bs_list;
    return OTA_OK;
}

int bench_store_reset(bench_store_t *bs)
{
    bs->ops = 0;
    bs->db_bytes_read = 0;
    bs->other_bytes_read = 0;
    return OTA_OK;
}

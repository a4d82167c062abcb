/*
 * What both delta decoders share (ota_delta.h): starting and stepping a
 * decoder, the cached patch reader, and the output buffer.
 */
#include <string.h>

#include "ota_delta.h"

int ota_delta_init(ota_delta_t *d, ota_delta_format_t format, uint8_t *work, uint32_t work_len,
                   const ota_delta_io_t *io)
{
    if (d == NULL || work == NULL || work_len == 0 || io == NULL || io->base_read == NULL || io->patch_read == NULL ||
        io->out_write == NULL || (unsigned)format > OTA_DELTA_VCDIFF ||
        (format == OTA_DELTA_VCDIFF && io->out_read == NULL)) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(d, 0, sizeof *d);
    d->io = io;
    d->buf = work;
    d->buf_cap = work_len;
    d->status = OTA_ERR_AGAIN;
    d->format = (uint8_t)format;
    /* Both formats start reading at the patch's first byte (the VCDIFF
     * decoder reads its headers through its instruction reader). */
    ota_delta_rd_init(format == OTA_DELTA_JOJODIFF ? &d->u.jojo.rd : &d->u.vcdiff.inst, 0, io->patch_size);
    return OTA_OK;
}

int ota_delta_step(ota_delta_t *d)
{
    if (d == NULL || d->io == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    if (d->status != OTA_ERR_AGAIN) {
        return d->status;
    }
    /* A full buffer is passed on in a step of its own: one out_write a step. */
    if (ota_delta_room(d) == 0) {
        int err = ota_delta_flush(d);
        return err != OTA_OK ? (d->status = err) : OTA_ERR_AGAIN;
    }
    int err = d->format == OTA_DELTA_JOJODIFF ? ota_delta_jojo_step(d) : ota_delta_vcdiff_step(d);
    if (d->err != OTA_OK) {
        err = d->err;
    }
    d->status = err == OTA_OK ? ota_delta_flush(d) : err;
    return d->status;
}

void ota_delta_rd_init(ota_delta_rd_t *r, uint32_t pos, uint32_t end)
{
    r->pos = pos;
    r->end = end;
    r->cache_pos = pos;
    r->cache_len = 0;
}

int ota_delta_rd_peek(ota_delta_t *d, ota_delta_rd_t *r, uint32_t k)
{
    if (k >= r->end - r->pos) {
        return OTA_DELTA_END;
    }
    uint32_t at = r->pos + k;
    /* Unsigned: an offset below the cache wraps to a large one and refills too. */
    if (at - r->cache_pos >= r->cache_len) {
        uint32_t n = r->end - r->pos;
        if (n > OTA_DELTA_CACHE_SIZE) {
            n = OTA_DELTA_CACHE_SIZE;
        }
        int err = d->io->patch_read(d->io->ctx, r->pos, r->cache, n);
        if (err != OTA_OK) {
            r->cache_len = 0;
            return err;
        }
        r->cache_pos = r->pos;
        r->cache_len = (uint8_t)n;
    }
    return r->cache[at - r->cache_pos];
}

uint32_t ota_delta_rd_byte(ota_delta_t *d, ota_delta_rd_t *r)
{
    int c = d->err != OTA_OK ? d->err : ota_delta_rd_peek(d, r, 0);
    if (c >= 0 && c != OTA_DELTA_END) {
        r->pos++;
        return (uint32_t)c;
    }
    d->err = c == OTA_DELTA_END ? OTA_ERR_CORRUPT : c;
    return 0;
}

int ota_delta_flush(ota_delta_t *d)
{
    if (d->buf_len == 0) {
        return OTA_OK;
    }
    /* Images are below 4 GiB; only a patch built to loop could pass that. */
    if (d->buf_len > UINT32_MAX - d->written) {
        return OTA_ERR_CORRUPT;
    }
    int err = d->io->out_write(d->io->ctx, d->buf, d->buf_len);
    if (err != OTA_OK) {
        return err;
    }
    d->written += d->buf_len;
    d->buf_len = 0;
    return OTA_OK;
}

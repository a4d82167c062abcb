/*
 * VCDIFF patches (RFC 3284; ota_delta.h) without secondary compression, as
 * `xdelta3 -S none` writes them.
 *
 * A patch is a header and a run of windows. The header is D6 C3 C4 00 and
 * an indicator byte; xdelta3 adds an application header (a length and the
 * file names), which is skipped. Each window rebuilds the next stretch of
 * the output (its target window) from a source segment (a stretch of the
 * base, VCD_SOURCE, or of the output rebuilt by earlier windows,
 * VCD_TARGET, or nothing) and three sections: literal data, instructions,
 * and the addresses of the copies. An instruction byte is looked up in the
 * default code table: up to two of ADD (literal data), RUN (one data byte
 * repeated) and COPY (from an address in the source segment followed by
 * the target window so far, which may overlap what the copy writes).
 * Addresses are coded against the current position, the last four
 * addresses (near cache) or 768 slots by address (same cache).
 *
 * Refused with OTA_ERR_NOT_SUPPORTED, with the reason:
 *  - a secondary compressor (header bit VCD_DECOMPRESS, or a window whose
 *    sections are compressed): xdelta3's default (LZMA, or its own DJW and
 *    FGK) needs far more code and RAM than a boot-time decoder may take;
 *    `xdelta3 -S none` writes the patches this reads;
 *  - an application-defined code table (VCD_CODETABLE): it would cost 1.5
 *    KB of RAM and no encoder we know of writes one;
 *  - a version byte other than 0, and windows whose source segment plus
 *    target window exceed OTA_DELTA_VCDIFF_SPAN_MAX (the packed same
 *    cache's limit, about 48 MiB).
 * xdelta3's per-window Adler-32 (window bit 0x04) is read past, not
 * checked: the caller checks the whole image's SHA-256 anyway, which
 * catches all that the Adler-32 would, and checking it would cost about
 * 100 bytes of code on a Cortex-M4.
 * Everything else that does not follow the format is OTA_ERR_CORRUPT: an
 * address at or past the current position, a copy or window past its
 * source, instructions that rebuild more or less than the window declares
 * or leave section bytes unused, sections that do not add up to the
 * window's length, and a patch that ends inside a window.
 */
#include <string.h>

#include "ota_delta.h"

/* Header indicator bits. */
#define VCD_DECOMPRESS 0x01
#define VCD_CODETABLE 0x02
#define VCD_APPHEADER 0x04
/* Window indicator bits (VCD_ADLER32 is xdelta3's). */
#define VCD_SOURCE 0x01
#define VCD_TARGET 0x02
#define VCD_ADLER32 0x04

/* Instruction types of the code table. */
enum { VCD_NOOP = 0, VCD_ADD = 1, VCD_RUN = 2, VCD_COPY = 3 };

/* What the step does next (ota_delta_vcdiff_t.mode). */
enum { VCD_AT_HEADER = 0, VCD_AT_WINDOW, VCD_IN_WINDOW };

/* No instruction is being executed (ota_delta_vcdiff_t.cur). */
#define VCD_NO_HALF 2

/* An RFC 3284 integer: base 128, most significant digit first, the high
 * bit set on every byte but the last. At most 5 bytes, below 2^32; else 0
 * and OTA_ERR_CORRUPT in d->err (read errors land there too). */
static uint32_t vcd_int(ota_delta_t *d, ota_delta_rd_t *r)
{
    uint32_t v = 0;
    for (int k = 0; k < 5 && d->err == OTA_OK; k++) {
        uint32_t c = ota_delta_rd_byte(d, r);
        if (v > (UINT32_MAX >> 7)) {
            break;
        }
        v = (v << 7) | (c & 0x7Fu);
        if ((c & 0x80u) == 0) {
            return v;
        }
    }
    if (d->err == OTA_OK) {
        d->err = OTA_ERR_CORRUPT;
    }
    return 0;
}

/*
 * Entry op of the default code table, computed rather than stored (a
 * stored table is 1.5 KB): 0 RUN; 1-18 ADD of size 0 (given next) and
 * 1-17; 19-162 COPY of size 0 and 4-18 for each of the 9 modes; 163-234
 * ADD 1-4 then COPY 4-6, modes 0-5; 235-246 ADD 1-4 then COPY 4, modes
 * 6-8; 247-255 COPY 4 then ADD 1, modes 0-8.
 */
static void vcd_code(unsigned op, ota_delta_vcdiff_half_t h[2])
{
    unsigned t0 = VCD_COPY, s0 = 4, m0 = 0, t1 = VCD_NOOP, s1 = 0, m1 = 0;
    if (op < 19) {
        t0 = op == 0 ? VCD_RUN : VCD_ADD;
        s0 = op == 0 ? 0 : op - 1u;
    } else if (op < 163) {
        op -= 19u;
        m0 = op / 16u;
        s0 = op % 16u == 0 ? 0 : op % 16u + 3u;
    } else if (op < 247) {
        t0 = VCD_ADD;
        t1 = VCD_COPY;
        s1 = 4;
        if (op < 235) {
            op -= 163u;
            m1 = op / 12u;
            op %= 12u;
            s1 += op % 3u;
            op /= 3u;
        } else {
            op -= 235u;
            m1 = 6u + op / 4u;
            op %= 4u;
        }
        s0 = op + 1u;
    } else {
        m0 = op - 247u;
        t1 = VCD_ADD;
        s1 = 1;
    }
    h[0].type = (uint8_t)t0;
    h[0].size = s0;
    h[0].mode = (uint8_t)m0;
    h[1].type = (uint8_t)t1;
    h[1].size = s1;
    h[1].mode = (uint8_t)m1;
}

/* A COPY's address, decoded in its mode against here (the current
 * position: source length + target bytes rebuilt), then cached. */
static int vcd_addr(ota_delta_t *d, unsigned mode, uint32_t *out)
{
    ota_delta_vcdiff_t *v = &d->u.vcdiff;
    uint32_t here = v->src_len + v->tgt_done;
    uint32_t a;
    if (mode >= 2u + OTA_DELTA_VCDIFF_NEAR) {
        uint32_t slot = (mode - 2u - OTA_DELTA_VCDIFF_NEAR) * 256u + ota_delta_rd_byte(d, &v->addr);
        uint32_t s = v->same[slot];
        a = s == 0 ? 0 : (s - 1u) * OTA_DELTA_VCDIFF_SAME + slot;
    } else {
        uint32_t x = vcd_int(d, &v->addr);
        /* VCD_SELF: x; VCD_HERE: here - x; near slot k: near[k] + x. An
         * x that wraps below 0 or past 2^32 fails the check below. */
        uint32_t base = mode == 0 ? 0 : mode == 1 ? here : v->near[mode - 2u];
        a = mode == 1 ? base - x : base + x;
        if (mode == 1 ? x > here : a < x) {
            return OTA_ERR_CORRUPT;
        }
    }
    if (d->err != OTA_OK) {
        return d->err;
    }
    if (a >= here) {
        return OTA_ERR_CORRUPT;
    }
    v->near[v->next_near] = a;
    v->next_near = (uint8_t)((v->next_near + 1u) % OTA_DELTA_VCDIFF_NEAR);
    /* a < here <= OTA_DELTA_VCDIFF_SPAN_MAX: a / 768 + 1 fits 16 bits. */
    v->same[a % OTA_DELTA_VCDIFF_SAME] = (uint16_t)(a / OTA_DELTA_VCDIFF_SAME + 1u);
    *out = a;
    return OTA_OK;
}

/* Start executing half i of the instruction (or the one after it, when
 * half i is empty), or end the instruction when none is left. */
static int vcd_half(ota_delta_t *d, unsigned i)
{
    ota_delta_vcdiff_t *v = &d->u.vcdiff;
    for (; i < 2 && v->half[i].type != VCD_NOOP; i++) {
        ota_delta_vcdiff_half_t *h = &v->half[i];
        int err = OTA_OK;
        if (h->size > v->tgt_len - v->tgt_done) {
            return OTA_ERR_CORRUPT; /* more than the window declares */
        }
        if (h->type == VCD_COPY) {
            err = vcd_addr(d, h->mode, &v->copy_addr);
        } else if (h->type == VCD_RUN) {
            if (v->data_pos == v->data_end) {
                return OTA_ERR_CORRUPT;
            }
            err = d->io->patch_read(d->io->ctx, v->data_pos++, &v->run_byte, 1);
        }
        if (err != OTA_OK) {
            return err;
        }
        if (h->size > 0) {
            v->cur = (uint8_t)i;
            return OTA_OK;
        }
    }
    v->cur = VCD_NO_HALF;
    return OTA_OK;
}

/*
 * Up to *n output bytes at output offset off into dst: from what out_write
 * took, or from the buffer (the caller keeps off + *n within what was
 * rebuilt). *n becomes the count taken, at least 1.
 */
static int vcd_out_fetch(ota_delta_t *d, uint32_t off, uint8_t *dst, uint32_t *n)
{
    if (off < d->written) {
        if (*n > d->written - off) {
            *n = d->written - off;
        }
        return d->io->out_read(d->io->ctx, off, dst, *n);
    }
    /* Within the buffer, below the bytes being added: no overlap. */
    memcpy(dst, d->buf + (off - d->written), *n);
    return OTA_OK;
}

/* The next piece (at most room bytes) of the current half's output. */
static int vcd_exec(ota_delta_t *d, uint32_t room)
{
    ota_delta_vcdiff_t *v = &d->u.vcdiff;
    ota_delta_vcdiff_half_t *h = &v->half[v->cur];
    uint8_t *dst = d->buf + d->buf_len;
    uint32_t n = h->size < room ? h->size : room;
    int err = OTA_OK;

    if (h->type == VCD_ADD) {
        if (n > v->data_end - v->data_pos) {
            return OTA_ERR_CORRUPT;
        }
        err = d->io->patch_read(d->io->ctx, v->data_pos, dst, n);
        v->data_pos += n;
    } else if (h->type == VCD_RUN) {
        memset(dst, v->run_byte, n);
    } else {
        /* A copy from the source segment (the base, or earlier output), or
         * from this target window up to the byte being written. */
        uint32_t off = v->src_pos + v->copy_addr, avail = v->src_len - v->copy_addr;
        bool from_base = (v->win_ind & VCD_SOURCE) != 0;
        if (v->copy_addr >= v->src_len) {
            uint32_t t = v->copy_addr - v->src_len;
            off = v->win_out + t;
            avail = v->tgt_done - t;
            from_base = false;
        }
        if (n > avail) {
            n = avail;
        }
        err = from_base ? d->io->base_read(d->io->ctx, off, dst, n) : vcd_out_fetch(d, off, dst, &n);
    }
    if (err != OTA_OK) {
        return err;
    }
    v->copy_addr += n;
    d->buf_len += n;
    v->tgt_done += n;
    h->size -= n;
    return h->size == 0 ? vcd_half(d, v->cur + 1u) : OTA_OK;
}

/* The file header: magic, version, indicator, xdelta3's application header. */
static int vcd_header(ota_delta_t *d)
{
    ota_delta_rd_t *r = &d->u.vcdiff.inst;
    uint32_t magic = 0;
    for (int k = 0; k < 4; k++) {
        magic = (magic << 8) | ota_delta_rd_byte(d, r);
    }
    uint32_t ind = ota_delta_rd_byte(d, r);
    if (d->err != OTA_OK) {
        return d->err;
    }
    if (magic >> 8 != 0xD6C3C4u || (ind & ~7u)) {
        return OTA_ERR_CORRUPT;
    }
    if ((magic & 0xFFu) != 0 || (ind & (VCD_DECOMPRESS | VCD_CODETABLE))) {
        return OTA_ERR_NOT_SUPPORTED; /* a later version; see the top of this file */
    }
    if (ind & VCD_APPHEADER) {
        uint32_t n = vcd_int(d, r);
        if (n > r->end - r->pos) {
            return OTA_ERR_CORRUPT;
        }
        r->pos += n;
    }
    return d->err;
}

/* A window's header: its source segment, lengths and sections. */
static int vcd_window(ota_delta_t *d)
{
    ota_delta_vcdiff_t *v = &d->u.vcdiff;
    ota_delta_rd_t *r = &v->inst;
    uint32_t out = d->written + d->buf_len; /* kept below 2^32 by the previous window's check */

    /* Read it all, then check it all (ota_delta_rd_byte keeps the first error). */
    uint32_t ind = ota_delta_rd_byte(d, r);
    v->src_len = ind & (VCD_SOURCE | VCD_TARGET) ? vcd_int(d, r) : 0;
    v->src_pos = ind & (VCD_SOURCE | VCD_TARGET) ? vcd_int(d, r) : 0;
    uint32_t delta_len = vcd_int(d, r);
    uint32_t start = r->pos;
    uint32_t tgt_len = vcd_int(d, r);
    uint32_t comp = ota_delta_rd_byte(d, r);
    uint32_t data_len = vcd_int(d, r);
    uint32_t inst_len = vcd_int(d, r);
    uint32_t addr_len = vcd_int(d, r);
    for (int k = 0; k < 4 && (ind & VCD_ADLER32); k++) {
        (void)ota_delta_rd_byte(d, r); /* xdelta3's Adler-32: see the top of this file */
    }
    if (d->err != OTA_OK) {
        return d->err;
    }
    if (comp != 0) {
        return comp & ~7u ? OTA_ERR_CORRUPT : OTA_ERR_NOT_SUPPORTED; /* compressed sections */
    }
    /* Known bits only, not both sources; the segment inside its source; the
     * window inside the patch; its header and three sections fill it
     * exactly; the output stays below 4 GiB. Sums in 64 bits cannot wrap. */
    if ((ind & ~7u) || (ind & (VCD_SOURCE | VCD_TARGET)) == (VCD_SOURCE | VCD_TARGET) ||
        (uint64_t)v->src_pos + v->src_len > (ind & VCD_SOURCE ? d->io->base_size : out) || delta_len > r->end - start ||
        (uint64_t)(r->pos - start) + data_len + inst_len + addr_len != delta_len ||
        (uint64_t)out + tgt_len > UINT32_MAX) {
        return OTA_ERR_CORRUPT;
    }
    if (v->src_len > OTA_DELTA_VCDIFF_SPAN_MAX || tgt_len > OTA_DELTA_VCDIFF_SPAN_MAX - v->src_len) {
        return OTA_ERR_NOT_SUPPORTED;
    }
    v->win_ind = (uint8_t)ind;
    v->tgt_len = tgt_len;
    v->tgt_done = 0;
    v->win_out = out;
    v->data_pos = r->pos;
    v->data_end = r->pos + data_len;
    ota_delta_rd_init(&v->addr, v->data_end + inst_len, start + delta_len);
    ota_delta_rd_init(r, v->data_end, v->data_end + inst_len);
    /* Each window starts with empty address caches. */
    memset(v->near, 0, sizeof v->near);
    memset(v->same, 0, sizeof v->same);
    v->next_near = 0;
    v->cur = VCD_NO_HALF;
    return OTA_OK;
}

/* The window's instructions are all done: check it, go to the next one. */
static int vcd_window_end(ota_delta_t *d)
{
    ota_delta_vcdiff_t *v = &d->u.vcdiff;
    if (v->tgt_done != v->tgt_len || v->data_pos != v->data_end || v->addr.pos != v->addr.end) {
        return OTA_ERR_CORRUPT;
    }
    ota_delta_rd_init(&v->inst, v->addr.end, d->io->patch_size);
    v->mode = VCD_AT_WINDOW;
    return OTA_OK;
}

int ota_delta_vcdiff_step(ota_delta_t *d)
{
    ota_delta_vcdiff_t *v = &d->u.vcdiff;
    unsigned ops = 0;

    for (;;) {
        uint32_t room = ota_delta_room(d);
        int err = OTA_OK;
        if (room == 0) {
            return OTA_ERR_AGAIN; /* ota_delta_step() passes the buffer on */
        }
        if (v->mode == VCD_IN_WINDOW && v->cur != VCD_NO_HALF) {
            err = vcd_exec(d, room);
        } else if (++ops > OTA_DELTA_OPS_PER_STEP) {
            return OTA_ERR_AGAIN;
        } else if (v->mode == VCD_AT_HEADER) {
            err = vcd_header(d);
            v->mode = VCD_AT_WINDOW;
        } else if (v->mode == VCD_AT_WINDOW) {
            int c = ota_delta_rd_peek(d, &v->inst, 0);
            if (c == OTA_DELTA_END) {
                return OTA_OK;
            }
            err = c < 0 ? c : vcd_window(d);
            v->mode = VCD_IN_WINDOW;
        } else if (v->inst.pos == v->inst.end) {
            err = vcd_window_end(d);
        } else {
            vcd_code(ota_delta_rd_byte(d, &v->inst), v->half);
            for (int k = 0; k < 2; k++) {
                if (v->half[k].type != VCD_NOOP && v->half[k].size == 0) {
                    v->half[k].size = vcd_int(d, &v->inst);
                }
            }
            err = d->err != OTA_OK ? d->err : vcd_half(d, 0);
        }
        if (err != OTA_OK) {
            return err;
        }
    }
}

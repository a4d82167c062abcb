/*
 * JojoDiff patches (ota_delta.h), as JojoDiff's jdiff writes them from
 * version 0.7 to 0.8.5 and as janpatch applies them.
 *
 * The patch has no header, size or checksum: it is a run of operations
 * that build the new image from the base through a base cursor (src,
 * starting at 0), up to the patch's last byte. An operation is the escape
 * byte 0xA7 and an opcode:
 *   MOD (A6) data   the data is output; src moves past as many base bytes
 *   INS (A5) data   the data is output; src stays
 *   DEL (A4) len    src moves forward len bytes
 *   EQL (A3) len    len base bytes at src are output; src moves past them
 *   BKT (A2) len    src moves back len bytes
 * Data runs until the next A7 that is followed by A2..A6, or the patch's
 * end. Inside data, A7 A7 is one literal A7 and an A7 followed by anything
 * else is a literal A7 (the next byte is then data as usual). From 0.8.5
 * on, MOD data at the patch's start and after a length comes without its
 * A7 A6, so any byte that does not begin an operation starts MOD data
 * (older patches always carry the opcode; the same rule reads both).
 *
 * A length is a byte b: b + 1 for b < 252; 253 + the next byte for 252;
 * the next 2 (253) or 4 (254) bytes big-endian as they are. 255 announces
 * 8 bytes, which jdiff writes only for lengths of 4 GiB and more.
 *
 * Stricter than janpatch, so that no patch makes the decoder read outside
 * the base: an EQL past the base's end (janpatch outputs 0xFF there), a BKT
 * before the base's start, and lengths of 2^31 or more (janpatch's int
 * overflows) are OTA_ERR_CORRUPT. jdiff never writes any of them.
 */
#include "ota_delta.h"

#define JOJO_ESC 0xA7
#define JOJO_MOD 0xA6
#define JOJO_INS 0xA5
#define JOJO_DEL 0xA4
#define JOJO_EQL 0xA3
#define JOJO_BKT 0xA2

/* What the next patch bytes are (ota_delta_jojo_t.mode). */
enum { JOJO_AT_OP = 0, JOJO_IN_MOD, JOJO_IN_INS, JOJO_IN_EQL };

/* The length after EQL, DEL or BKT. */
static int jojo_length(ota_delta_t *d, uint32_t *out)
{
    ota_delta_rd_t *r = &d->u.jojo.rd;
    uint32_t b = ota_delta_rd_byte(d, r);
    uint32_t v = b + 1u;
    if (b == 255) {
        return OTA_ERR_CORRUPT; /* 4 GiB or more */
    }
    if (b >= 252) {
        v = 0;
        for (int k = b == 252 ? 1 : b == 253 ? 2 : 4; k > 0; k--) {
            v = (v << 8) | ota_delta_rd_byte(d, r);
        }
        v += b == 252 ? 253u : 0u;
    }
    *out = v;
    return d->err != OTA_OK ? d->err : v >= 0x80000000u ? OTA_ERR_CORRUPT : OTA_OK;
}

/* An opcode at the reader: move the base cursor, or start a run. */
static int jojo_op(ota_delta_t *d, int op)
{
    ota_delta_jojo_t *j = &d->u.jojo;
    uint32_t n;
    if (op == JOJO_MOD || op == JOJO_INS) {
        j->mode = op == JOJO_MOD ? JOJO_IN_MOD : JOJO_IN_INS;
        return OTA_OK;
    }
    int err = jojo_length(d, &n);
    if (err != OTA_OK) {
        return err;
    }
    if (op == JOJO_EQL) {
        if (n > d->io->base_size || j->src > d->io->base_size - n) {
            return OTA_ERR_CORRUPT;
        }
        j->left = n;
        j->mode = n > 0 ? JOJO_IN_EQL : JOJO_AT_OP;
    } else if (op == JOJO_DEL) {
        if (n > UINT32_MAX - j->src) {
            return OTA_ERR_CORRUPT;
        }
        j->src += n;
    } else {
        if (n > j->src) {
            return OTA_ERR_CORRUPT;
        }
        j->src -= n;
    }
    return OTA_OK;
}

int ota_delta_jojo_step(ota_delta_t *d)
{
    ota_delta_jojo_t *j = &d->u.jojo;
    ota_delta_rd_t *r = &j->rd;
    unsigned ops = 0;

    for (;;) {
        uint32_t room = ota_delta_room(d);
        if (room == 0) {
            return OTA_ERR_AGAIN; /* ota_delta_step() passes the buffer on */
        }
        if (j->mode == JOJO_IN_EQL) {
            uint32_t n = j->left < room ? j->left : room;
            int err = d->io->base_read(d->io->ctx, j->src, d->buf + d->buf_len, n);
            if (err != OTA_OK) {
                return err;
            }
            d->buf_len += n;
            j->src += n;
            j->left -= n;
            if (j->left == 0) {
                j->mode = JOJO_AT_OP;
            }
            continue;
        }
        int c = ota_delta_rd_peek(d, r, 0);
        int next = c == JOJO_ESC ? ota_delta_rd_peek(d, r, 1) : 0;
        if (c < 0 || next < 0) {
            return c < 0 ? c : next;
        }
        bool is_op = c == JOJO_ESC && next >= JOJO_BKT && next <= JOJO_MOD;
        if (j->mode == JOJO_AT_OP) {
            if (c == OTA_DELTA_END) {
                return OTA_OK;
            }
            if (++ops > OTA_DELTA_OPS_PER_STEP) {
                return OTA_ERR_AGAIN;
            }
            if (!is_op) {
                j->mode = JOJO_IN_MOD; /* 0.8.5's MOD data without its opcode */
                continue;
            }
            r->pos += 2;
            int err = jojo_op(d, next);
            if (err != OTA_OK) {
                return err;
            }
            continue;
        }
        /* Data: up to the next operation or the patch's end. */
        if (c == OTA_DELTA_END || is_op) {
            j->mode = JOJO_AT_OP;
            continue;
        }
        r->pos += c == JOJO_ESC && next == JOJO_ESC ? 2u : 1u;
        if (j->mode == JOJO_IN_MOD) {
            if (j->src == UINT32_MAX) {
                return OTA_ERR_CORRUPT;
            }
            j->src++;
        }
        d->buf[d->buf_len++] = (uint8_t)c;
    }
}

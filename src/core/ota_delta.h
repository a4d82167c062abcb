/*
 * Internal to the core: the two delta-patch decoders (delta_jojo.c,
 * delta_vcdiff.c) and what they share (delta_io.c).
 *
 * A decoder rebuilds a new image from a base image the device holds and a
 * patch, without malloc and in fixed RAM: the ota_delta_t below plus one
 * work buffer the caller lends (any size from 1 byte; one flash page is the
 * natural choice). It never holds a whole image, and it calls nothing but
 * the callbacks of ota_delta_io_t:
 *
 *   base_read   positioned reads of the base. JojoDiff moves backwards in
 *               the base (real patches do it hundreds of times), so the base
 *               must stay intact and readable at any offset while a patch is
 *               applied: never rebuild an image over its own base.
 *   patch_read  positioned reads of the patch. VCDIFF keeps the data,
 *               instructions and addresses of a window in three sections
 *               that are read in step with each other.
 *   out_write   appends the rebuilt image. Every call but the last one of a
 *               patch passes exactly one full work buffer, so with a
 *               page-sized buffer each write is one page at a page-aligned
 *               offset.
 *   out_read    VCDIFF only: positioned reads of output already passed to
 *               out_write (a VCDIFF copy may take bytes the patch rebuilt
 *               earlier). The caller must make every byte out_write accepted
 *               readable at once, before it is durable if need be. JojoDiff
 *               never calls it (it may be NULL there).
 *
 * Each callback returns OTA_OK having moved exactly len bytes, or a
 * negative OTA_ERR_* that the decoder returns as it is. The decoder asks
 * only for bytes inside base_size and patch_size, and out_read only for
 * bytes already written.
 *
 * Stepping: ota_delta_step() does a bounded amount of work per call (at
 * most one out_write, at most OTA_DELTA_OPS_PER_STEP patch operations) and
 * returns OTA_ERR_AGAIN while more remains, so a cooperative caller stays
 * responsive. A power cut between two steps loses nothing the decoder
 * needs: the caller restarts from the base and the patch, which the decoder
 * never changes. Resuming a half-applied patch is not supported; the
 * output written so far is simply thrown away.
 *
 * Errors: malformed patches are OTA_ERR_CORRUPT, never a read or a write
 * out of bounds; what a valid patch may hold but these decoders refuse is
 * OTA_ERR_NOT_SUPPORTED (see each format below). Errors are sticky: every
 * later step returns the same code. Neither format carries a digest of the
 * whole image (xdelta3's per-window Adler-32 is skipped: delta_vcdiff.c
 * says why), so the caller checks the rebuilt image's SHA-256 as for any
 * download: that check is what tells a wrong image from the right one.
 */
#ifndef SYSOTA_OTA_DELTA_H
#define SYSOTA_OTA_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The patch formats. */
typedef enum ota_delta_format {
    OTA_DELTA_JOJODIFF = 0, /**< JojoDiff's binary patches (jdiff 0.7 to 0.8.5), as janpatch applies them */
    OTA_DELTA_VCDIFF = 1    /**< VCDIFF (RFC 3284) without secondary compression, as xdelta3 -S none writes */
} ota_delta_format_t;

/** What the caller provides: sizes and the four callbacks (see above). */
typedef struct ota_delta_io {
    void *ctx;
    uint32_t base_size;
    uint32_t patch_size;
    int (*base_read)(void *ctx, uint32_t off, void *buf, uint32_t len);
    int (*patch_read)(void *ctx, uint32_t off, void *buf, uint32_t len);
    int (*out_write)(void *ctx, const void *buf, uint32_t len);
    int (*out_read)(void *ctx, uint32_t off, void *buf, uint32_t len);
} ota_delta_io_t;

/*
 * Patch bytes a reader keeps in RAM. The decoders parse opcodes, lengths
 * and addresses a byte at a time from this cache, so it sets how many
 * patch_read calls a patch costs (about patch_size / this for JojoDiff's
 * literal data) against RAM (once in a JojoDiff decoder, twice in a VCDIFF
 * one). VCDIFF's literal data bypasses it and goes straight into the work
 * buffer.
 */
#ifndef OTA_DELTA_CACHE_SIZE
#define OTA_DELTA_CACHE_SIZE 32
#endif
/* JojoDiff looks two bytes ahead; the cache's fill count is a byte. */
_Static_assert(OTA_DELTA_CACHE_SIZE >= 2 && OTA_DELTA_CACHE_SIZE <= 255, "OTA_DELTA_CACHE_SIZE: 2..255");

/* Opcodes or instructions one step parses at most (a patch of nothing but
 * tiny operations still returns to the caller this often). */
#define OTA_DELTA_OPS_PER_STEP 32

/*
 * VCDIFF's "same" address cache: 3 * 256 entries, fixed by the default code
 * table that every encoder uses. Each entry holds an address a with
 * a % 768 == its index, so it is kept as a / 768 + 1 in 16 bits (0: the
 * address 0 the cache starts with): 1536 bytes instead of 3072, for a limit
 * of OTA_DELTA_VCDIFF_SPAN_MAX bytes on a window's source segment plus its
 * target window (larger windows are OTA_ERR_NOT_SUPPORTED).
 */
#define OTA_DELTA_VCDIFF_SAME (3 * 256)
#define OTA_DELTA_VCDIFF_NEAR 4
#define OTA_DELTA_VCDIFF_SPAN_MAX ((uint32_t)OTA_DELTA_VCDIFF_SAME * 65535u)

/** A patch reader over one stretch [pos, end) of the patch, with a cache. */
typedef struct ota_delta_rd {
    uint32_t pos;       /**< next byte to consume */
    uint32_t end;       /**< first byte past the stretch */
    uint32_t cache_pos; /**< patch offset of cache[0] */
    uint8_t cache_len;  /**< valid bytes in cache */
    uint8_t cache[OTA_DELTA_CACHE_SIZE];
} ota_delta_rd_t;

/** JojoDiff's state between steps. */
typedef struct ota_delta_jojo {
    uint8_t mode;      /**< what the next patch bytes are (delta_jojo.c) */
    uint32_t src;      /**< the base cursor: where the next EQL copies from */
    uint32_t left;     /**< bytes of the current EQL still to copy */
    ota_delta_rd_t rd; /**< the whole patch, read forwards */
} ota_delta_jojo_t;

/** One half of a VCDIFF instruction. */
typedef struct ota_delta_vcdiff_half {
    uint8_t type; /**< 0 none, 1 ADD, 2 RUN, 3 COPY */
    uint8_t mode; /**< COPY's address mode */
    uint32_t size;
} ota_delta_vcdiff_half_t;

/** VCDIFF's state between steps (the small fields first: on Thumb, short offsets make short code). */
typedef struct ota_delta_vcdiff {
    uint8_t mode; /**< what the step does next (delta_vcdiff.c) */
    uint8_t cur;  /**< the instruction's half being executed (2: none) */
    uint8_t next_near;
    uint8_t run_byte;
    uint8_t win_ind;   /**< the window's indicator (source, target, Adler-32) */
    uint32_t data_pos; /**< the window's data section: next byte */
    uint32_t data_end;
    uint32_t src_len; /**< source segment: length, and where it starts in the base or the output */
    uint32_t src_pos;
    uint32_t tgt_len;                /**< target window: declared length */
    uint32_t tgt_done;               /**< bytes of it rebuilt */
    uint32_t win_out;                /**< output offset of the target window's first byte */
    uint32_t copy_addr;              /**< the current COPY's next address */
    ota_delta_vcdiff_half_t half[2]; /**< the current instruction */
    uint32_t near[OTA_DELTA_VCDIFF_NEAR];
    ota_delta_rd_t inst; /**< the window's instructions section (or the headers, between windows) */
    ota_delta_rd_t addr; /**< its addresses section */
    uint16_t same[OTA_DELTA_VCDIFF_SAME];
} ota_delta_vcdiff_t;

/** A decoder: the output buffer, progress, and the format's own state. */
typedef struct ota_delta {
    const ota_delta_io_t *io; /**< the caller's; must stay valid while the decoder is used */
    uint8_t *buf;             /**< the work buffer: output not yet passed to out_write */
    uint32_t buf_cap;
    uint32_t buf_len;
    uint32_t written; /**< bytes passed to out_write so far */
    int status;       /**< OTA_ERR_AGAIN while running, then the sticky result */
    int err;          /**< the first error of ota_delta_rd_byte() (see there) */
    uint8_t format;   /**< ota_delta_format_t */
    union {
        ota_delta_jojo_t jojo;
        ota_delta_vcdiff_t vcdiff;
    } u;
} ota_delta_t;

/**
 * Start applying a patch. work (work_len >= 1 bytes) is the decoder's until
 * the patch is applied or abandoned. OTA_OK, or OTA_ERR_INVALID_ARG for a
 * NULL pointer, a missing callback (out_read is needed for VCDIFF only) or
 * an unknown format. Nothing is read until the first step.
 */
int ota_delta_init(ota_delta_t *d, ota_delta_format_t format, uint8_t *work, uint32_t work_len,
                   const ota_delta_io_t *io);

/**
 * Do the next bounded piece of work: one out_write of a full buffer, or
 * decoding until the buffer is full, the patch ends, or
 * OTA_DELTA_OPS_PER_STEP operations were parsed. OTA_ERR_AGAIN: call again. OTA_OK: the
 * patch is applied, every byte of it consumed, and the whole output passed
 * to out_write (ota_delta_out_bytes() bytes). Otherwise an error, the same
 * on every later call: OTA_ERR_CORRUPT (malformed patch), OTA_ERR_NOT_SUPPORTED,
 * or what a callback returned.
 */
int ota_delta_step(ota_delta_t *d);

/** Bytes of output passed to out_write so far (for progress). */
static inline uint32_t ota_delta_out_bytes(const ota_delta_t *d)
{
    return d->written;
}

/* ---- shared by the decoders (delta_io.c) -------------------------------- */

/** Start a reader on [pos, end) of the patch, with nothing cached. */
void ota_delta_rd_init(ota_delta_rd_t *r, uint32_t pos, uint32_t end);

/** What ota_delta_rd_peek() returns past the end of its stretch (no byte is 256). */
#define OTA_DELTA_END 256

/**
 * The byte k places after the reader's position (k < OTA_DELTA_CACHE_SIZE),
 * without consuming it: 0..255, OTA_DELTA_END past the stretch's end, or a
 * callback's error.
 */
int ota_delta_rd_peek(ota_delta_t *d, ota_delta_rd_t *r, uint32_t k);

/**
 * The next byte, consumed. Past the end (OTA_ERR_CORRUPT: the patch ends
 * inside something it started) or when patch_read fails, 0, with the first
 * such error kept in d->err: a decoder reads a whole header and then checks
 * d->err once, before it acts on any value read. ota_delta_step() returns
 * d->err whenever it is set, so no read error is ever lost.
 */
uint32_t ota_delta_rd_byte(ota_delta_t *d, ota_delta_rd_t *r);

/** The decoder's free output space; 0 means flush first. */
static inline uint32_t ota_delta_room(const ota_delta_t *d)
{
    return d->buf_cap - d->buf_len;
}

/**
 * Pass the buffered output to out_write. OTA_OK (also when there was
 * nothing to pass), an error from out_write, or OTA_ERR_CORRUPT when the
 * output would pass 4 GiB - 1 bytes.
 */
int ota_delta_flush(ota_delta_t *d);

/* The formats' own steps: OTA_ERR_AGAIN, OTA_OK at the patch's end, an error. */
int ota_delta_jojo_step(ota_delta_t *d);
int ota_delta_vcdiff_step(ota_delta_t *d);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_DELTA_H */

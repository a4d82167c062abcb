/*
 * An Intel HEX generator for the tests, written independently of
 * tools/lib (its own record encoder and checksum), so that the tools are
 * checked against srec_cat on files they did not write themselves.
 *
 * The "truth" is a set of non-overlapping chunks of random bytes; records
 * are then cut from it with random sizes, random base records (02 segment or
 * 04 linear, whichever can reach the address), records that wrap inside a
 * 64 KiB segment (02) or around 4 GiB (04), in shuffled order if asked.
 */
#ifndef SYSOTA_TESTS_HEXGEN_H
#define SYSOTA_TESTS_HEXGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hg_chunk {
    uint32_t addr;
    uint32_t len;
    uint8_t *data;
} hg_chunk_t;

/** The bytes the generated files describe. */
typedef struct hg_image {
    hg_chunk_t *chunks;
    size_t count, cap;
} hg_image_t;

typedef struct hg_record {
    uint8_t base_type;   /* 2 or 4 */
    uint16_t base_value; /* the segment or the upper 16 bits */
    uint16_t offset;
    uint8_t len;
    uint8_t data[255];
} hg_record_t;

typedef struct hg_records {
    hg_record_t *recs;
    size_t count, cap;
} hg_records_t;

/** Options of hg_emit. */
typedef struct hg_emit_opts {
    bool crlf;            /* "\r\n" line ends */
    bool lowercase;       /* lowercase hex digits */
    bool start_records;   /* sprinkle 05 records (with one value), only where the base is linear */
    bool redundant_bases; /* sometimes repeat a base record that changes nothing */
} hg_emit_opts_t;

void hg_image_free(hg_image_t *img);
void hg_records_free(hg_records_t *r);

/** Add len random bytes at addr if the range is free (and within 4 GiB); returns the chunk or NULL. */
hg_chunk_t *hg_image_add(hg_image_t *img, uint32_t addr, uint32_t len, uint64_t *rng);

/** Cut data records (1..max_rec bytes) from [addr, addr+len) of the image's bytes, chunk by chunk. */
void hg_encode(hg_records_t *out, const uint8_t *data, uint32_t addr, uint32_t len, unsigned max_rec, uint64_t *rng);

/** A record with an 02 base S whose offset runs past 0xFFFF: k1 bytes at the segment's end, k2 at its start. */
bool hg_add_segment_wrap(hg_image_t *img, hg_records_t *out, uint16_t seg, unsigned k1, unsigned k2, uint64_t *rng);

/** A record with 04 base 0xFFFF whose bytes run past 0xFFFFFFFF: k1 at the top, k2 from address 0. */
bool hg_add_4g_wrap(hg_image_t *img, hg_records_t *out, unsigned k1, unsigned k2, uint64_t *rng);

void hg_shuffle(hg_records_t *r, uint64_t *rng);

/** The records as Intel HEX text with the base records they need and an EOF record; free() it. */
char *hg_emit(const hg_records_t *r, const hg_emit_opts_t *opt, uint64_t *rng, size_t *len);

/** One past the highest image byte in [start, end); false when there is none. */
bool hg_last_in(const hg_image_t *img, uint64_t start, uint64_t end, uint64_t *last_end);

/** Lowest address and one past the highest; false when empty. */
bool hg_bounds(const hg_image_t *img, uint32_t *lo, uint64_t *end);

#endif

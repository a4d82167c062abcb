/*
 * Boot control area: an append-only log of records over two flash sectors.
 *
 * Layout of one record (little-endian; format 3):
 *
 *    0  magic "SOTA"      4  format        5  status      6  type
 *    7  attempts          8  seq          12  version    16  size
 *   20  boot_addr        24  digest[32]   56  golden_version
 *   60  golden_size      64  golden_digest[32]
 *   96  manifest_seq    100  floor        104  pending_version
 *  108  pending_floor   112  length L (u16: bytes before the CRC)
 *  114  table_count     115  0xFF
 *  116  the table, table_count entries of
 *         version u32, size u32, status u8, flags u8, name_len u8,
 *         name[name_len], digest[32]
 *    L  CRC-32 of bytes 0 .. L-1
 *
 * then OTA_FLASH_ERASED up to the end of the record's last slot. A record
 * with an empty table is 120 bytes: one slot. Formats 1 and 2 (one slot, CRC
 * at 124, no table; format 1 also without the security fields, read as 0)
 * are still read.
 *
 * Power-loss argument (docs/boot-control.md has the long form). A change
 * programs the slots of one new record, one program per slot, in order,
 * into blank slots after the last used one.
 *
 *  - Cut while programming any slot of the record: its slots are blank,
 *    garbage or partly the new record; its CRC fails unless every byte
 *    landed. The reader takes the valid record with the highest sequence
 *    number, so it sees the old record or the new one. The writer never
 *    reuses a slot that is not blank: the next append starts after the last
 *    used slot, so no write unit is programmed twice between erases.
 *  - The log moves to the other sector when the active one has no room:
 *    the other is erased and the new record written at its start. The
 *    sector holding the newest record is never erased, so a cut during the
 *    erase or before the first program leaves the newest record where it
 *    was, and whatever the interrupted erase left in the other sector is
 *    older than it (or invalid).
 */
#include "ota_bootctl.h"

#include <stddef.h>
#include <string.h>

#include "ota_util.h"
#include "sysota/ota_layout.h"

#define OFF_MAGIC 0u
#define OFF_FORMAT 4u
#define OFF_STATUS 5u
#define OFF_TYPE 6u
#define OFF_ATTEMPTS 7u
#define OFF_SEQ 8u
#define OFF_VERSION 12u
#define OFF_SIZE 16u
#define OFF_BOOT_ADDR 20u
#define OFF_DIGEST 24u
#define OFF_GOLDEN_VERSION 56u
#define OFF_GOLDEN_SIZE 60u
#define OFF_GOLDEN_DIGEST 64u
#define OFF_MANIFEST_SEQ 96u
#define OFF_FLOOR 100u
#define OFF_PENDING_VERSION 104u
#define OFF_PENDING_FLOOR 108u
#define OFF_LENGTH 112u

/* The record's 32-bit fields and where each sits: one loop encodes them
 * all and one decodes them (a bootloader's flash is the scarce thing). */
typedef struct bootctl_word {
    uint8_t at;    /* offset in the record */
    uint8_t field; /* offsetof in ota_bootctl_record_t */
} bootctl_word_t;

#define BOOTCTL_WORD(off, name)                              \
    {                                                        \
        (off), (uint8_t)offsetof(ota_bootctl_record_t, name) \
    }
static const bootctl_word_t bootctl_words[] = {
    BOOTCTL_WORD(OFF_SEQ, seq),
    BOOTCTL_WORD(OFF_VERSION, version),
    BOOTCTL_WORD(OFF_SIZE, size),
    BOOTCTL_WORD(OFF_BOOT_ADDR, boot_addr),
    BOOTCTL_WORD(OFF_GOLDEN_VERSION, golden_version),
    BOOTCTL_WORD(OFF_GOLDEN_SIZE, golden_size),
    /* format 2 and later: */
    BOOTCTL_WORD(OFF_MANIFEST_SEQ, manifest_seq),
    BOOTCTL_WORD(OFF_FLOOR, floor),
    BOOTCTL_WORD(OFF_PENDING_VERSION, pending_version),
    BOOTCTL_WORD(OFF_PENDING_FLOOR, pending_floor),
};
#define BOOTCTL_WORDS_FORMAT_1 6u
_Static_assert(offsetof(ota_bootctl_record_t, pending_floor) <= 0xFFu, "field offsets fit the table");

static uint32_t *bootctl_word(ota_bootctl_record_t *rec, unsigned i)
{
    return (uint32_t *)(void *)((uint8_t *)rec + bootctl_words[i].field);
}

static uint32_t bootctl_word_get(const ota_bootctl_record_t *rec, unsigned i)
{
    return *(const uint32_t *)(const void *)((const uint8_t *)rec + bootctl_words[i].field);
}
#define OFF_TABLE_COUNT 114u
#define OFF_CRC_OLD 124u /* formats 1 and 2 */

_Static_assert(OTA_BOOTCTL_HEAD_SIZE + 4u <= OTA_BOOTCTL_SLOT_MIN, "a record without a table fits one slot");
_Static_assert(OTA_BOOTCTL_BYTES_MAX <= 0xFFFFu, "the record length is a u16");
_Static_assert(OTA_BOOT_TABLE_MAX <= 0xFFu, "the table count is a u8");

int ota_bootctl_encode(const ota_bootctl_record_t *rec, uint32_t slot_size, uint8_t *out, uint32_t cap)
{
    uint32_t len = OTA_BOOTCTL_HEAD_SIZE;

    if (rec->table_count > OTA_BOOT_TABLE_MAX || slot_size == 0) {
        return OTA_ERR_INVALID_ARG;
    }
    for (uint8_t i = 0; i < rec->table_count; i++) {
        size_t n = strlen(rec->table[i].name);
        if (n == 0 || n > OTA_STORE_NAME_MAX) {
            return OTA_ERR_INVALID_ARG;
        }
        len += OTA_BOOTCTL_ENTRY_FIXED + (uint32_t)n;
    }
    uint32_t total = (len + 4u + slot_size - 1u) / slot_size * slot_size;
    if (total > cap) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(out, OTA_FLASH_ERASED, total);
    ota_le32_put(out + OFF_MAGIC, OTA_BOOTCTL_MAGIC);
    out[OFF_FORMAT] = OTA_BOOTCTL_FORMAT;
    out[OFF_STATUS] = rec->status;
    out[OFF_TYPE] = rec->type;
    out[OFF_ATTEMPTS] = rec->attempts;
    for (unsigned i = 0; i < sizeof bootctl_words / sizeof bootctl_words[0]; i++) {
        ota_le32_put(out + bootctl_words[i].at, bootctl_word_get(rec, i));
    }
    memcpy(out + OFF_DIGEST, rec->digest, OTA_SHA256_LEN);
    memcpy(out + OFF_GOLDEN_DIGEST, rec->golden_digest, OTA_SHA256_LEN);
    out[OFF_LENGTH] = (uint8_t)len;
    out[OFF_LENGTH + 1u] = (uint8_t)(len >> 8);
    out[OFF_TABLE_COUNT] = rec->table_count;
    uint8_t *p = out + OTA_BOOTCTL_HEAD_SIZE;
    for (uint8_t i = 0; i < rec->table_count; i++) {
        const ota_boot_entry_t *e = &rec->table[i];
        uint8_t n = (uint8_t)strlen(e->name);
        ota_le32_put(p, e->version);
        ota_le32_put(p + 4, e->size);
        p[8] = e->status;
        p[9] = e->flags;
        p[10] = n;
        memcpy(p + 11, e->name, n);
        memcpy(p + 11 + n, e->digest, OTA_SHA256_LEN);
        p += OTA_BOOTCTL_ENTRY_FIXED + n;
    }
    ota_le32_put(out + len, ota_crc32(out, len));
    return (int)total;
}

/*
 * Bytes before the CRC of the record whose first slot is at in, from its
 * header alone (the CRC is not checked here), or 0 when in does not start
 * a record of a known format.
 */
static uint32_t record_length(const uint8_t *in)
{
    if (ota_le32_get(in + OFF_MAGIC) != OTA_BOOTCTL_MAGIC) {
        return 0;
    }
    if (in[OFF_FORMAT] == OTA_BOOTCTL_FORMAT_1 || in[OFF_FORMAT] == OTA_BOOTCTL_FORMAT_2) {
        return OFF_CRC_OLD;
    }
    uint32_t len = (uint32_t)in[OFF_LENGTH] | ((uint32_t)in[OFF_LENGTH + 1u] << 8);
    if (in[OFF_FORMAT] != OTA_BOOTCTL_FORMAT || len < OTA_BOOTCTL_HEAD_SIZE || len + 4u > OTA_BOOTCTL_BYTES_MAX) {
        return 0;
    }
    return len;
}

/* The record at in is whole: its header makes sense, it fits in len bytes
 * and its CRC matches. Returns the bytes before the CRC, or 0. */
static uint32_t record_check(const uint8_t *in, uint32_t avail)
{
    uint32_t len = avail >= OTA_BOOTCTL_SLOT_MIN ? record_length(in) : 0u;
    if (len == 0 || len + 4u > avail || ota_le32_get(in + len) != ota_crc32(in, len)) {
        return 0;
    }
    return len;
}

int ota_bootctl_decode(const uint8_t *in, uint32_t avail, ota_bootctl_record_t *rec)
{
    uint32_t len = record_check(in, avail);
    if (len == 0) {
        return OTA_ERR_CORRUPT;
    }
    memset(rec, 0, sizeof *rec);
    rec->status = in[OFF_STATUS];
    rec->type = in[OFF_TYPE];
    rec->attempts = in[OFF_ATTEMPTS];
    memcpy(rec->digest, in + OFF_DIGEST, OTA_SHA256_LEN);
    memcpy(rec->golden_digest, in + OFF_GOLDEN_DIGEST, OTA_SHA256_LEN);
    /* Format 1 has no security fields: they stay 0. */
    unsigned words = in[OFF_FORMAT] == OTA_BOOTCTL_FORMAT_1
                         ? BOOTCTL_WORDS_FORMAT_1
                         : (unsigned)(sizeof bootctl_words / sizeof bootctl_words[0]);
    for (unsigned i = 0; i < words; i++) {
        *bootctl_word(rec, i) = ota_le32_get(in + bootctl_words[i].at);
    }
    if (in[OFF_FORMAT] != OTA_BOOTCTL_FORMAT) {
        return OTA_OK; /* formats 1 and 2: no table */
    }
    /* The CRC matched, so these bytes are what a writer encoded; the bounds
     * are still checked, as for any input, before a byte is copied. */
    uint32_t off = OTA_BOOTCTL_HEAD_SIZE;
    uint8_t count = in[OFF_TABLE_COUNT];
    if (count > OTA_BOOT_TABLE_MAX) {
        return OTA_ERR_CORRUPT;
    }
    for (uint8_t i = 0; i < count; i++) {
        ota_boot_entry_t *e = &rec->table[i];
        uint8_t n = off + 11u <= len ? in[off + 10u] : 0u;
        if (n == 0 || n > OTA_STORE_NAME_MAX || off + OTA_BOOTCTL_ENTRY_FIXED + n > len) {
            return OTA_ERR_CORRUPT;
        }
        e->version = ota_le32_get(in + off);
        e->size = ota_le32_get(in + off + 4u);
        e->status = in[off + 8u];
        e->flags = in[off + 9u];
        memcpy(e->name, in + off + 11u, n);
        memcpy(e->digest, in + off + 11u + n, OTA_SHA256_LEN);
        off += OTA_BOOTCTL_ENTRY_FIXED + n;
    }
    if (off != len) {
        return OTA_ERR_CORRUPT;
    }
    rec->table_count = count;
    return OTA_OK;
}

int ota_bootctl_init(ota_bootctl_t *bc, const ota_flash_t *flash, uint32_t addr, uint32_t size)
{
    uint32_t start;
    uint32_t sector;
    uint32_t covered = 0;

    memset(bc, 0, sizeof *bc);
    /* Two whole sectors one after the other (of any sizes: the area may
     * straddle a change of sector size). */
    for (uint8_t s = 0; s < OTA_BOOTCTL_SECTORS_MAX; s++) {
        if (addr > UINT32_MAX - covered || ota_flash_sector(flash, addr + covered, &start, &sector) != OTA_OK ||
            start != addr + covered) {
            return OTA_ERR_INVALID_ARG;
        }
        bc->sector_addr[s] = start;
        bc->sector_size[s] = sector;
        covered += sector;
    }
    if (size != 0 && covered != size) {
        return OTA_ERR_INVALID_ARG; /* not two whole sectors */
    }
    uint32_t slot = flash->write_unit > OTA_BOOTCTL_SLOT_MIN ? flash->write_unit : OTA_BOOTCTL_SLOT_MIN;
    /* write_unit and the slot size are powers of two, so slot is a whole
     * number of write units; a sector must hold the longest record. */
    for (uint8_t s = 0; s < OTA_BOOTCTL_SECTORS_MAX; s++) {
        if (slot > OTA_BOOTCTL_SLOT_MAX || bc->sector_size[s] < OTA_BOOTCTL_BUF_SIZE ||
            slot % flash->write_unit != 0u) {
            return OTA_ERR_NOT_SUPPORTED;
        }
    }
    bc->sectors = OTA_BOOTCTL_SECTORS_MAX;
    bc->flash = flash;
    bc->addr = addr;
    bc->slot_size = slot;
    bc->slots = bc->sector_size[0] / slot;
    return OTA_OK;
}

/*
 * True when sequence number a is newer than b, across the wrap at 2^32
 * (serial number arithmetic): the records of the area are consecutive
 * appends, never 2^31 apart, so "a - b is small and positive" orders them.
 */
static bool seq_newer(uint32_t a, uint32_t b)
{
    return a != b && a - b < 0x80000000u;
}

static bool is_blank(const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        if (p[i] != OTA_FLASH_ERASED) {
            return false;
        }
    }
    return true;
}

/* Where the newest valid record is. */
typedef struct bootctl_newest {
    bool found;
    uint8_t sector;
    uint32_t slot;
    uint32_t seq;
} bootctl_newest_t;

/*
 * Read the record starting at slot i of sector s into buf (sized
 * OTA_BOOTCTL_BUF_SIZE): its first slot is already there. Returns the slots
 * it spans when it is whole and valid, else 0.
 */
static int record_load(const ota_bootctl_t *bc, uint8_t s, uint32_t i, uint8_t *buf, uint32_t *span)
{
    uint32_t len = record_length(buf);
    uint32_t slots = bc->sector_size[s] / bc->slot_size;
    *span = 0;
    if (len == 0) {
        return OTA_OK;
    }
    uint32_t need = (len + 4u + bc->slot_size - 1u) / bc->slot_size;
    if (i + need > slots) {
        return OTA_OK; /* runs past the sector: not a record this code wrote */
    }
    if (need > 1u) {
        int err = bc->flash->read(bc->flash->ctx, bc->sector_addr[s] + (i + 1u) * bc->slot_size, buf + bc->slot_size,
                                  (need - 1u) * bc->slot_size);
        if (err != OTA_OK) {
            return err;
        }
    }
    if (record_check(buf, need * bc->slot_size) != 0) {
        *span = need;
    }
    return OTA_OK;
}

/*
 * One pass over both sectors: the newest valid record, the sector it is in
 * (the active one: appends go there), its append point (the first slot
 * after the last used one), and whether the active sector shows a used slot
 * after a blank one, which only an interrupted erase leaves (the next append
 * then moves to the other sector rather than trust that sector's tail).
 */
static int bootctl_scan(ota_bootctl_t *bc, uint8_t *buf, bootctl_newest_t *newest)
{
    uint32_t next[OTA_BOOTCTL_SECTORS_MAX] = { 0 };
    bool suspect[OTA_BOOTCTL_SECTORS_MAX] = { false };
    bool any_used = false;

    memset(newest, 0, sizeof *newest);
    for (uint8_t s = 0; s < bc->sectors; s++) {
        bool seen_blank = false;
        uint32_t slots = bc->sector_size[s] / bc->slot_size;
        for (uint32_t i = 0; i < slots;) {
            int err = bc->flash->read(bc->flash->ctx, bc->sector_addr[s] + i * bc->slot_size, buf, bc->slot_size);
            if (err != OTA_OK) {
                return err;
            }
            if (is_blank(buf, bc->slot_size)) {
                seen_blank = true;
                i++;
                continue;
            }
            any_used = true;
            suspect[s] = suspect[s] || seen_blank;
            uint32_t span;
            err = record_load(bc, s, i, buf, &span);
            if (err != OTA_OK) {
                return err;
            }
            if (span == 0) {
                next[s] = ++i; /* garbage or a torn record: skip one slot */
                continue;
            }
            uint32_t seq = ota_le32_get(buf + OFF_SEQ);
            if (!newest->found || seq_newer(seq, newest->seq)) {
                newest->found = true;
                newest->sector = s;
                newest->slot = i;
                newest->seq = seq;
            }
            i += span;
            next[s] = i;
        }
    }
    bc->active = newest->sector;
    bc->slots = bc->sector_size[bc->active] / bc->slot_size;
    bc->next_slot = next[bc->active];
    bc->needs_erase = suspect[bc->active];
    bc->last_seq = newest->found ? newest->seq : 0; /* the next append continues from the newest */
    bc->scanned = true;
    if (!any_used) {
        return OTA_ERR_NOT_FOUND;
    }
    return newest->found ? OTA_OK : OTA_ERR_CORRUPT;
}

int ota_bootctl_read(ota_bootctl_t *bc, ota_bootctl_record_t *out)
{
    uint8_t buf[OTA_BOOTCTL_BUF_SIZE];
    bootctl_newest_t newest;
    int err = bootctl_scan(bc, buf, &newest);
    if (err != OTA_OK) {
        return err;
    }
    uint32_t at = bc->sector_addr[newest.sector] + newest.slot * bc->slot_size;
    uint32_t room = bc->sector_addr[newest.sector] + bc->sector_size[newest.sector] - at;
    uint32_t want = room < sizeof buf ? room : (uint32_t)sizeof buf;
    err = bc->flash->read(bc->flash->ctx, at, buf, want);
    return err != OTA_OK ? err : ota_bootctl_decode(buf, want, out);
}

int ota_bootctl_write(ota_bootctl_t *bc, ota_bootctl_record_t *rec)
{
    uint8_t buf[OTA_BOOTCTL_BUF_SIZE];

    if (!bc->scanned) {
        bootctl_newest_t ignored;
        int err = bootctl_scan(bc, buf, &ignored);
        if (err != OTA_OK && err != OTA_ERR_NOT_FOUND && err != OTA_ERR_CORRUPT) {
            return err;
        }
    }
    rec->seq = bc->last_seq + 1u;
    int total = ota_bootctl_encode(rec, bc->slot_size, buf, sizeof buf);
    if (total < 0) {
        return total;
    }
    uint32_t span = (uint32_t)total / bc->slot_size;
    if (bc->needs_erase || bc->next_slot + span > bc->slots) {
        /* Move to the other sector. A cut during this erase leaves the
         * active sector, with the newest record, untouched, and a half-erased
         * one holding only older records. */
        uint8_t target = (uint8_t)(1u - bc->active);
        int err = bc->flash->erase(bc->flash->ctx, bc->sector_addr[target]);
        if (err != OTA_OK) {
            bc->scanned = false; /* state unknown: rescan before the next append */
            return err;
        }
        bc->active = target;
        bc->slots = bc->sector_size[target] / bc->slot_size;
        bc->next_slot = 0;
        bc->needs_erase = false;
    }
    for (uint32_t j = 0; j < span; j++) {
        uint32_t at = bc->sector_addr[bc->active] + bc->next_slot * bc->slot_size;
        /* The slot is consumed whatever happens: even a failed or torn
         * program may have cleared bits, and a write unit is never
         * programmed twice. Cut during this program: the record's CRC fails
         * (unless it is the last byte landing), the previous record stays
         * the newest valid one. */
        bc->next_slot++;
        int err = bc->flash->program(bc->flash->ctx, at, buf + j * bc->slot_size, bc->slot_size);
        if (err != OTA_OK) {
            return err;
        }
    }
    bc->last_seq = rec->seq;
    return OTA_OK;
}

int ota_bootctl_set_status(ota_bootctl_t *bc, uint8_t status)
{
    ota_bootctl_record_t rec;
    int err = ota_bootctl_read(bc, &rec);
    if (err != OTA_OK) {
        return err;
    }
    if (rec.status == status) {
        return OTA_OK;
    }
    rec.status = status;
    return ota_bootctl_write(bc, &rec);
}

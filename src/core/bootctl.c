/*
 * Boot control area: an append-only log of records in one flash sector.
 *
 * Layout of one record (little-endian, OTA_BOOTCTL_RECORD_SIZE = 128 bytes,
 * padded with 0xFF to the slot size when the write unit is larger):
 *
 *    0  magic "SOTA"      4  format        5  status      6  type
 *    7  attempts          8  seq          12  version    16  size
 *   20  boot_addr        24  digest[32]   56  golden_version
 *   60  golden_size      64  golden_digest[32]
 *   96  manifest_seq    100  floor        104  pending_version
 *  108  pending_floor   112  reserved (0xFF)   124  CRC-32 of bytes 0..123
 *
 * Format 1 records (written before the security fields existed) are read
 * with those fields 0: no manifest accepted yet, no floor.
 *
 * Power-loss argument (docs/boot-control.md has the long form). A change is
 * one program of one blank slot; the sector is erased only when full.
 *
 *  - Cut while programming slot k (skipped, torn, or complete): slot k is
 *    blank, garbage (CRC fails) or the new record. The reader takes the valid
 *    record with the highest sequence number, so it sees the old record or the
 *    new one. The writer never reuses a slot that is not blank: the next
 *    append goes to k+1, so no write unit is programmed twice between erases.
 *  - Cut while erasing the full sector: the sector is blank or holds a mix of
 *    erased and old bytes. A blank sector reads OTA_ERR_NOT_FOUND. A mix is
 *    recognised because a well-formed log never has a blank slot before a
 *    used one, and a half-erased slot fails its CRC; it reads
 *    OTA_ERR_CORRUPT. Either way the bootloader recovers from the image
 *    database and a digest check of program flash (boot.c), which loses
 *    nothing: the record only ever describes what is in program flash, and
 *    every record carries the golden image's digest, which the database
 *    holds too.
 *  - Cut after the erase, before the first program: blank, as above.
 *
 * Residual risk, stated plainly: an interrupted erase that leaves some old
 * slots bit-exact with valid CRCs, and only those after a blank slot, is
 * detected; one that erases exactly the newest slot(s) and leaves an older
 * valid record intact in an otherwise well-formed prefix would be read as
 * that older record. A real NOR erase acts on the whole sector at once, so
 * this pattern is not among the failure modes we model (flash_sim's torn
 * erase leaves each byte erased or not at random).
 */
#include "ota_bootctl.h"

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
#define OFF_CRC 124u

void ota_bootctl_encode(const ota_bootctl_record_t *rec, uint8_t out[OTA_BOOTCTL_RECORD_SIZE])
{
    memset(out, 0xFF, OTA_BOOTCTL_RECORD_SIZE);
    ota_le32_put(out + OFF_MAGIC, OTA_BOOTCTL_MAGIC);
    out[OFF_FORMAT] = OTA_BOOTCTL_FORMAT;
    out[OFF_STATUS] = rec->status;
    out[OFF_TYPE] = rec->type;
    out[OFF_ATTEMPTS] = rec->attempts;
    ota_le32_put(out + OFF_SEQ, rec->seq);
    ota_le32_put(out + OFF_VERSION, rec->version);
    ota_le32_put(out + OFF_SIZE, rec->size);
    ota_le32_put(out + OFF_BOOT_ADDR, rec->boot_addr);
    memcpy(out + OFF_DIGEST, rec->digest, OTA_SHA256_LEN);
    ota_le32_put(out + OFF_GOLDEN_VERSION, rec->golden_version);
    ota_le32_put(out + OFF_GOLDEN_SIZE, rec->golden_size);
    memcpy(out + OFF_GOLDEN_DIGEST, rec->golden_digest, OTA_SHA256_LEN);
    ota_le32_put(out + OFF_MANIFEST_SEQ, rec->manifest_seq);
    ota_le32_put(out + OFF_FLOOR, rec->floor);
    ota_le32_put(out + OFF_PENDING_VERSION, rec->pending_version);
    ota_le32_put(out + OFF_PENDING_FLOOR, rec->pending_floor);
    ota_le32_put(out + OFF_CRC, ota_crc32(out, OFF_CRC));
}

int ota_bootctl_decode(const uint8_t in[OTA_BOOTCTL_RECORD_SIZE], ota_bootctl_record_t *rec)
{
    if (ota_le32_get(in + OFF_MAGIC) != OTA_BOOTCTL_MAGIC ||
        (in[OFF_FORMAT] != OTA_BOOTCTL_FORMAT && in[OFF_FORMAT] != OTA_BOOTCTL_FORMAT_1) ||
        ota_le32_get(in + OFF_CRC) != ota_crc32(in, OFF_CRC)) {
        return OTA_ERR_CORRUPT;
    }
    rec->status = in[OFF_STATUS];
    rec->type = in[OFF_TYPE];
    rec->attempts = in[OFF_ATTEMPTS];
    rec->seq = ota_le32_get(in + OFF_SEQ);
    rec->version = ota_le32_get(in + OFF_VERSION);
    rec->size = ota_le32_get(in + OFF_SIZE);
    rec->boot_addr = ota_le32_get(in + OFF_BOOT_ADDR);
    memcpy(rec->digest, in + OFF_DIGEST, OTA_SHA256_LEN);
    rec->golden_version = ota_le32_get(in + OFF_GOLDEN_VERSION);
    rec->golden_size = ota_le32_get(in + OFF_GOLDEN_SIZE);
    memcpy(rec->golden_digest, in + OFF_GOLDEN_DIGEST, OTA_SHA256_LEN);
    bool v1 = in[OFF_FORMAT] == OTA_BOOTCTL_FORMAT_1;
    rec->manifest_seq = v1 ? 0 : ota_le32_get(in + OFF_MANIFEST_SEQ);
    rec->floor = v1 ? 0 : ota_le32_get(in + OFF_FLOOR);
    rec->pending_version = v1 ? 0 : ota_le32_get(in + OFF_PENDING_VERSION);
    rec->pending_floor = v1 ? 0 : ota_le32_get(in + OFF_PENDING_FLOOR);
    return OTA_OK;
}

int ota_bootctl_init(ota_bootctl_t *bc, const ota_flash_t *flash, uint32_t addr)
{
    uint32_t start;
    uint32_t sector;

    memset(bc, 0, sizeof *bc);
    if (ota_flash_sector(flash, addr, &start, &sector) != OTA_OK || start != addr) {
        return OTA_ERR_INVALID_ARG; /* the area is one whole sector */
    }
    uint32_t slot = flash->write_unit > OTA_BOOTCTL_RECORD_SIZE ? flash->write_unit : OTA_BOOTCTL_RECORD_SIZE;
    /* write_unit and the record size are powers of two, so slot is a whole
     * number of write units. */
    if (slot > OTA_BOOTCTL_SLOT_MAX || slot > sector || slot % flash->write_unit != 0u) {
        return OTA_ERR_NOT_SUPPORTED;
    }
    bc->flash = flash;
    bc->addr = addr;
    bc->slot_size = slot;
    bc->slots = sector / slot;
    return OTA_OK;
}

/*
 * True when sequence number a is newer than b, across the wrap at 2^32
 * (serial number arithmetic): the records of one sector are consecutive
 * appends, never 2^31 apart, so "a - b is small and positive" orders them.
 */
static bool seq_newer(uint32_t a, uint32_t b)
{
    return a != b && a - b < 0x80000000u;
}

static bool is_blank(const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        if (p[i] != 0xFFu) {
            return false;
        }
    }
    return true;
}

/* One pass over the sector: find the newest valid record, the append point,
 * and whether the sector shows an interrupted erase. */
static int bootctl_scan(ota_bootctl_t *bc, ota_bootctl_record_t *newest, bool *found)
{
    uint8_t slot[OTA_BOOTCTL_SLOT_MAX];
    bool seen_blank = false;
    bool suspect = false;
    bool any_used = false;
    uint32_t next = 0;

    *found = false;
    bc->last_seq = 0;
    for (uint32_t i = 0; i < bc->slots; i++) {
        int err = bc->flash->read(bc->flash->ctx, bc->addr + i * bc->slot_size, slot, bc->slot_size);
        if (err != OTA_OK) {
            return err;
        }
        if (is_blank(slot, bc->slot_size)) {
            seen_blank = true;
            continue;
        }
        any_used = true;
        if (seen_blank) {
            suspect = true; /* a used slot after a blank one: only an interrupted erase does that */
        }
        next = i + 1u;
        ota_bootctl_record_t rec;
        if (ota_bootctl_decode(slot, &rec) == OTA_OK && (!*found || seq_newer(rec.seq, newest->seq))) {
            *newest = rec;
            *found = true;
            bc->last_seq = rec.seq; /* the next append continues from the newest */
        }
    }
    bc->next_slot = next;
    bc->needs_erase = suspect;
    bc->scanned = true;
    if (!any_used) {
        return OTA_ERR_NOT_FOUND;
    }
    if (suspect || !*found) {
        *found = false;
        return OTA_ERR_CORRUPT;
    }
    return OTA_OK;
}

int ota_bootctl_read(ota_bootctl_t *bc, ota_bootctl_record_t *out)
{
    bool found;
    ota_bootctl_record_t rec;
    int err = bootctl_scan(bc, &rec, &found);
    if (err == OTA_OK) {
        *out = rec;
    }
    return err;
}

int ota_bootctl_write(ota_bootctl_t *bc, ota_bootctl_record_t *rec)
{
    uint8_t slot[OTA_BOOTCTL_SLOT_MAX];

    if (!bc->scanned) {
        ota_bootctl_record_t ignored;
        bool found;
        int err = bootctl_scan(bc, &ignored, &found);
        if (err != OTA_OK && err != OTA_ERR_NOT_FOUND && err != OTA_ERR_CORRUPT) {
            return err;
        }
    }
    if (bc->needs_erase || bc->next_slot >= bc->slots) {
        /* Cut during this erase: blank or half-erased sector, read as NOT_FOUND
         * or CORRUPT; the bootloader rebuilds the record from the database and
         * a digest check of program flash. */
        int err = bc->flash->erase(bc->flash->ctx, bc->addr);
        if (err != OTA_OK) {
            bc->scanned = false; /* state unknown: rescan before the next append */
            return err;
        }
        bc->next_slot = 0;
        bc->needs_erase = false;
    }
    rec->seq = bc->last_seq + 1u;
    memset(slot, 0xFF, bc->slot_size);
    ota_bootctl_encode(rec, slot);
    uint32_t at = bc->next_slot;
    /* The slot is consumed whatever happens: even a failed or torn program may
     * have cleared bits, and a write unit is never programmed twice. */
    bc->next_slot++;
    /* Cut during this program: the slot is blank, garbage or the new record;
     * the previous record is still the newest valid one unless this one landed. */
    int err = bc->flash->program(bc->flash->ctx, bc->addr + at * bc->slot_size, slot, bc->slot_size);
    if (err != OTA_OK) {
        return err;
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

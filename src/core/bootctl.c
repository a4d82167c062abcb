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

int ota_bootctl_init(ota_bootctl_t *bc, const ota_flash_t *flash, uint32_t addr, uint32_t size)
{
    uint32_t start;
    uint32_t sector;
    uint32_t covered = 0;

    memset(bc, 0, sizeof *bc);
    /* One whole sector, or two whole sectors one after the other (of any
     * sizes: the area may straddle a change of sector size). */
    for (uint8_t s = 0; s < OTA_BOOTCTL_SECTORS_MAX && (s == 0 || covered < size); s++) {
        if (addr > UINT32_MAX - covered || ota_flash_sector(flash, addr + covered, &start, &sector) != OTA_OK ||
            start != addr + covered) {
            return OTA_ERR_INVALID_ARG;
        }
        bc->sector_addr[s] = start;
        bc->sector_size[s] = sector;
        bc->sectors = (uint8_t)(s + 1u);
        covered += sector;
    }
    if (size != 0 && covered != size) {
        return OTA_ERR_INVALID_ARG; /* not whole sectors, or more than two */
    }
    uint32_t slot = flash->write_unit > OTA_BOOTCTL_RECORD_SIZE ? flash->write_unit : OTA_BOOTCTL_RECORD_SIZE;
    /* write_unit and the record size are powers of two, so slot is a whole
     * number of write units. */
    for (uint8_t s = 0; s < bc->sectors; s++) {
        if (slot > OTA_BOOTCTL_SLOT_MAX || slot > bc->sector_size[s] || slot % flash->write_unit != 0u) {
            return OTA_ERR_NOT_SUPPORTED;
        }
    }
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

/* What one sector of the area holds. */
typedef struct bootctl_sector_scan {
    bool any_used;
    bool suspect;     /* a used slot after a blank one: only an interrupted erase leaves that */
    bool found;       /* a valid record */
    uint32_t next;    /* first slot after the last used one */
    ota_bootctl_record_t newest;
} bootctl_sector_scan_t;

static int scan_sector(const ota_bootctl_t *bc, uint8_t s, bootctl_sector_scan_t *out)
{
    uint8_t slot[OTA_BOOTCTL_SLOT_MAX];
    bool seen_blank = false;

    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < bc->sector_size[s] / bc->slot_size; i++) {
        int err = bc->flash->read(bc->flash->ctx, bc->sector_addr[s] + i * bc->slot_size, slot, bc->slot_size);
        if (err != OTA_OK) {
            return err;
        }
        if (is_blank(slot, bc->slot_size)) {
            seen_blank = true;
            continue;
        }
        out->any_used = true;
        out->suspect = out->suspect || seen_blank;
        out->next = i + 1u;
        ota_bootctl_record_t rec;
        if (ota_bootctl_decode(slot, &rec) == OTA_OK && (!out->found || seq_newer(rec.seq, out->newest.seq))) {
            out->newest = rec;
            out->found = true;
        }
    }
    return OTA_OK;
}

/*
 * One pass over the area: the newest valid record, the sector it is in (the
 * active one: appends go there), its append point, and whether it shows an
 * interrupted erase.
 *
 * With two sectors the log moves from one to the other when the active one
 * is full: the other is erased and the newest record written into it while
 * the full one still holds the record before. So the erase, the one window
 * of a one-sector log without any record, never touches the sector holding
 * the newest record; whatever an interrupted erase leaves in the other
 * sector is older than it.
 */
static int bootctl_scan(ota_bootctl_t *bc, ota_bootctl_record_t *newest, bool *found)
{
    bootctl_sector_scan_t scan[OTA_BOOTCTL_SECTORS_MAX];
    bool any_used = false;

    *found = false;
    bc->active = 0;
    for (uint8_t s = 0; s < bc->sectors; s++) {
        int err = scan_sector(bc, s, &scan[s]);
        if (err != OTA_OK) {
            return err;
        }
        any_used = any_used || scan[s].any_used;
        if (scan[s].found && (!*found || seq_newer(scan[s].newest.seq, newest->seq))) {
            *newest = scan[s].newest;
            *found = true;
            bc->active = s;
        }
    }
    const bootctl_sector_scan_t *act = &scan[bc->active];
    bc->slots = bc->sector_size[bc->active] / bc->slot_size;
    bc->next_slot = act->next;
    bc->needs_erase = act->suspect;
    bc->last_seq = *found ? newest->seq : 0; /* the next append continues from the newest */
    bc->scanned = true;
    if (!any_used) {
        return OTA_ERR_NOT_FOUND;
    }
    if (act->suspect || !*found) {
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
        /* Move to the other sector (with one sector: start it over). With two,
         * a cut during this erase leaves the full sector with the newest
         * record, and a half-erased one holding only older records. With
         * one: a blank or half-erased sector, read as NOT_FOUND or CORRUPT;
         * the bootloader rebuilds the record from the database and a digest
         * check of program flash. */
        uint8_t target = bc->sectors > 1 ? (uint8_t)(1u - bc->active) : bc->active;
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
    rec->seq = bc->last_seq + 1u;
    memset(slot, OTA_FLASH_ERASED, bc->slot_size);
    ota_bootctl_encode(rec, slot);
    uint32_t at = bc->sector_addr[bc->active] + bc->next_slot * bc->slot_size;
    /* The slot is consumed whatever happens: even a failed or torn program may
     * have cleared bits, and a write unit is never programmed twice. */
    bc->next_slot++;
    /* Cut during this program: the slot is blank, garbage or the new record;
     * the previous record is still the newest valid one unless this one landed. */
    int err = bc->flash->program(bc->flash->ctx, at, slot, bc->slot_size);
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

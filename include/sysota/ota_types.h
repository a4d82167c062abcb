/*
 * sysota RAM layouts: the types that the public structs (ota_boot_t,
 * ota_service_t) embed, and the boot control record that ota_app_running()
 * returns. They are here so that an application can allocate those structs
 * statically; treat every field as private except the record's. The
 * functions that work on them are internal to the core.
 */
#ifndef SYSOTA_OTA_TYPES_H
#define SYSOTA_OTA_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_port.h"
#include "sysota/ota_security.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the boot control area (its record log in two flash sectors) -------- */

/** Most stored images the boot control record lists (its candidate table). */
#define OTA_BOOT_TABLE_MAX OTA_DB_MAX_ROWS

/**
 * Flag of a table entry: its status was decided through the record (by the
 * bootloader, or by the application's confirm, rollback or factory reset)
 * and the image database has not been told yet. The service applies it to
 * the database at its next start (ota_app_sync).
 */
#define OTA_BOOT_ENTRY_AHEAD 0x01u

/**
 * One stored image as the bootloader sees it: the service writes the table
 * from the image database, so the bootloader never parses the CSV.
 */
typedef struct ota_boot_entry {
    uint32_t version;
    uint32_t size;                     /**< bytes of the stored file; 0: the file was missing */
    uint8_t status;                    /**< OTA_STATUS_* */
    uint8_t flags;                     /**< OTA_BOOT_ENTRY_* */
    char name[OTA_STORE_NAME_MAX + 1]; /**< store file name, NUL-terminated */
    uint8_t digest[OTA_SHA256_LEN];
} ota_boot_entry_t;

/** The record of the image in program flash, and the candidate table. */
typedef struct ota_bootctl_record {
    uint8_t status;   /**< OTA_STATUS_* of the image in program flash */
    uint8_t type;     /**< OTA_TYPE_PRODUCTION or OTA_TYPE_FACTORY */
    uint8_t attempts; /**< boots started while OTA_STATUS_UNBOOTED */
    uint32_t seq;     /**< sequence number (set by ota_bootctl_write) */
    uint32_t version;
    uint32_t size;      /**< image bytes programmed */
    uint32_t boot_addr; /**< where the bootloader jumps */
    uint8_t digest[OTA_SHA256_LEN];
    uint32_t golden_version; /**< 0 when no golden image is known */
    uint32_t golden_size;
    uint8_t golden_digest[OTA_SHA256_LEN];
    uint32_t manifest_seq;                      /**< highest Sequence of a signed manifest accepted, 0: none yet */
    uint32_t floor;                             /**< the downgrade floor: nothing below it is installed, 0: none */
    uint32_t pending_version;                   /**< the version whose confirmation raises the floor, 0: none */
    uint32_t pending_floor;                     /**< the floor it raises to */
    uint8_t table_count;                        /**< entries of table[] in use */
    ota_boot_entry_t table[OTA_BOOT_TABLE_MAX]; /**< the stored images but the golden one */
} ota_bootctl_record_t;

/** Sectors of a boot control area: two, so that the log is never without a record. */
#define OTA_BOOTCTL_SECTORS_MAX 2

/** A handle on the boot control area. */
typedef struct ota_bootctl {
    const ota_flash_t *flash;
    uint32_t addr; /**< first byte of the area */
    uint32_t slot_size;
    uint32_t sector_addr[OTA_BOOTCTL_SECTORS_MAX]; /**< the area's sectors */
    uint32_t sector_size[OTA_BOOTCTL_SECTORS_MAX];
    uint8_t sectors;    /**< 1 or 2 */
    uint8_t active;     /**< the sector holding the newest record */
    uint32_t slots;     /**< slots of the active sector */
    uint32_t next_slot; /**< first slot after the last non-blank one in the active sector (== slots: full) */
    uint32_t last_seq;  /**< sequence number of the newest record seen */
    bool needs_erase;   /**< the active sector holds an interrupted erase: erase before appending */
    bool scanned;
} ota_bootctl_t;

/* ---- the image database (the CSV in the store, in RAM) ------------------- */

/** One stored image. */
typedef struct ota_db_row {
    char name[OTA_STORE_NAME_MAX + 1]; /**< store file name, validated */
    uint8_t status;                    /**< OTA_STATUS_* */
    uint32_t version;
    uint8_t digest[OTA_SHA256_LEN];
} ota_db_row_t;

/** The database in RAM. */
typedef struct ota_db {
    uint8_t count;
    ota_db_row_t rows[OTA_DB_MAX_ROWS];
    uint16_t bad_lines;      /**< malformed lines skipped by the last load */
    uint16_t first_bad_line; /**< 1-based line number of the first one, 0 if none */
} ota_db_t;

/* ---- a delta patch being applied ------------------------------------------ */

/**
 * Room for the service's delta-patch bookkeeping (the base, the patch's
 * file, the handles and the decoder's callbacks; the decoder's own state
 * lives in the service's buffer while an image is rebuilt): the core checks
 * at build time that it fits. Opaque; the type exists so that ota_service_t
 * can be allocated statically.
 */
#define OTA_DELTA_SPACE_WORDS 24
typedef struct ota_delta_space {
    union {
        uint64_t u64[OTA_DELTA_SPACE_WORDS];
        void *ptr;
    } u;
} ota_delta_space_t;

/* ---- the manifest ------------------------------------------------------------ */

/** A "Patch" record's "Format" (the values of the core's ota_delta_format_t). */
#define OTA_PATCH_JOJODIFF 0u /**< "jojodiff", the default */
#define OTA_PATCH_VCDIFF 1u   /**< "vcdiff" */

/** One usable "Patch" record of an entry: the entry's image rebuilt from a base the device may hold. */
typedef struct ota_manifest_patch {
    uint32_t base_version;                /**< "BaseVersion" */
    uint32_t size;                        /**< "PatchSize": the patch's exact length; 0 when not given */
    uint8_t format;                       /**< OTA_PATCH_* */
    uint8_t base_digest[OTA_SHA256_LEN];  /**< "BaseVerDigest": the base's SHA-256 */
    uint8_t patch_digest[OTA_SHA256_LEN]; /**< "PatchDigest": the patch file's SHA-256 */
    char url[OTA_URL_MAX + 1];            /**< "PatchURL", NUL-terminated */
} ota_manifest_patch_t;

/** One accepted entry of the "ota" array. */
typedef struct ota_manifest_entry {
    uint32_t version;               /**< 1 .. 2^32-1 */
    uint32_t size;                  /**< "Size": the image's exact length; 0 when not given */
    uint32_t floor;                 /**< "Floor": the device's floor once this image is confirmed; 0: none */
    bool has_rollout;               /**< "Rollout" was given */
    uint8_t rollout;                /**< "Rollout": the percentage of the fleet that takes it, 0..100 */
    bool erase;                     /**< "EraseVer": true */
    bool golden;                    /**< "Golden": true: the image replaces the golden copy */
    bool has_digest;                /**< false only for an erase entry without "Digest" */
    bool has_signature;             /**< "Signature" was given */
    uint8_t digest[OTA_SHA256_LEN]; /**< "Digest", decoded from 64 hex digits */
    uint8_t signature[OTA_SIG_LEN]; /**< "Signature", decoded from base64: r||s over digest */
    char url[OTA_URL_MAX + 1];      /**< "URL", NUL-terminated; "" only for an erase entry without "URL" */
    uint8_t patch_count;            /**< usable "Patch" records kept, in manifest order */
#if OTA_MANIFEST_MAX_PATCHES > 0
    ota_manifest_patch_t patch[OTA_MANIFEST_MAX_PATCHES];
#endif
} ota_manifest_entry_t;

/** The manifest's own keys (besides "ota"). */
typedef struct ota_manifest_header {
    bool has_sequence;
    bool has_hardware_id;
    bool has_expires;
    uint32_t sequence;                         /**< "Sequence": grows with every published manifest */
    uint64_t expires;                          /**< "Expires": seconds since 1970 (UTC) */
    char hardware_id[OTA_HARDWARE_ID_MAX + 1]; /**< "HardwareId", NUL-terminated */
} ota_manifest_header_t;

/** What the service should do with a manifest. */
typedef struct ota_manifest_choice {
    ota_manifest_header_t header; /**< the manifest's own keys */
    bool has_update;              /**< an entry to act on exists */
    ota_manifest_entry_t update;  /**< the highest such entry (a Golden one first), when has_update */
    uint8_t erase_count;
    uint32_t erase[OTA_MANIFEST_MAX_ENTRIES]; /**< versions to erase from the store */
    uint8_t accepted;                         /**< entries accepted */
    uint8_t rejected;                         /**< entries rejected */
    uint8_t held_back;             /**< entries this device is not in the rollout of (not counted as rejected) */
    int first_reject_err;          /**< reason of the first rejected entry, OTA_OK if none */
    const char *first_reject_what; /**< its description, NULL if none */
    unsigned first_reject_index;   /**< its index in the "ota" array */
} ota_manifest_choice_t;

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_TYPES_H */

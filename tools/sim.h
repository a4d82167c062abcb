/*
 * `sysota sim`: a simulated device kept in a host folder, so that every
 * command (init, flash, run, status) finds the state the previous one left,
 * including the state a simulated power cut left.
 *
 *   DEV/device.conf    key=value: geometry, store size, service options, seed,
 *                      the trusted keys (their points in hex) and the hardware id
 *   DEV/flash.bin      internal NOR flash (+ flash.bin.wu: programmed units)
 *   DEV/store/         external store, one host file per store file
 *   DEV/last_run       key=value results of the last `run` (for `status`)
 *
 * Private to tools/cmd_sim.c and tools/sim_*.c.
 */
#ifndef SYSOTA_TOOLS_SIM_H
#define SYSOTA_TOOLS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_device.h"
#include "sysota/ota_service.h"

#define SIMCMD_CONF_FILE "device.conf"
#define SIMCMD_FLASH_FILE "flash.bin"
#define SIMCMD_STORE_DIR "store"
#define SIMCMD_LAST_RUN_FILE "last_run"

#define SIMCMD_STR(x) #x
#define SIMCMD_XSTR(x) SIMCMD_STR(x)

#define SIMCMD_PATH_MAX 1024
#define SIMCMD_URL_MAX 512

/** HEX address of internal flash offset 0 (PIC32MZ program flash, kseg0). */
#define SIMCMD_DEFAULT_HEX_BASE 0x9D000000u
/** Where the default device's application region starts: after its two 4 KiB boot control sectors. */
#define SIMCMD_DEFAULT_APP_OFFSET 0x2000u
/** The profile `sim init` uses without --profile (its addresses above). */
#define SIMCMD_DEFAULT_PROFILE "pic32mz-ef"
#define SIMCMD_PROFILE_NAME_MAX 32
/** Where `mkimage --bootloader` puts its stand-in (PIC32MZ boot flash). */
#define SIMCMD_BOOT_FLASH_ADDR 0x1FC00000u

/* ---- device configuration (sim_config.c) ------------------------------------ */

/** DEV/device.conf in memory. */
typedef struct simcmd_config {
    char profile[SIMCMD_PROFILE_NAME_MAX]; /* the profile init started from */
    uint32_t nvm_size;
    uint32_t sector_size;
    uint32_t write_unit;
    uint32_t bootctl_offset; /* flash offset of the boot control sector */
    uint32_t app_offset;     /* flash offset of the application region; 0: right after boot control */
    uint64_t store_size;     /* bytes, 0: unlimited */
    uint32_t hex_base;
    uint64_t seed;
    uint32_t max_attempts; /* bootloader's limit for an unconfirmed image */
    uint32_t max_images;   /* service: rows kept, golden included */
    bool periodic;
    uint32_t interval_s;
    /* the service's network limits (ota_service_config_t's fields of the same
     * names; defaults from ota_service_config_defaults) */
    uint32_t connect_timeout_ms;
    uint32_t idle_timeout_ms;
    uint32_t min_rate; /* bytes a second; 0: no rate limit */
    uint32_t rate_window_ms;
    bool require_tls;
    bool insecure;
    char manifest_url[SIMCMD_URL_MAX];
    char ca_file[SIMCMD_PATH_MAX];
    ota_keys_t keys;                           /* the bootloader's and the service's; count 0: unsigned updates */
    char hardware_id[OTA_HARDWARE_ID_MAX + 1]; /* the service's; "": any */
    char device_id[OTA_DEVICE_ID_MAX + 1];     /* the system port's, for staged rollouts; "": none */
} simcmd_config_t;

/** The defaults of `sim init`. */
void simcmd_config_defaults(simcmd_config_t *c);

/**
 * Set one key from its text value. Returns OTA_OK, OTA_ERR_NOT_FOUND for an
 * unknown key, or OTA_ERR_INVALID_ARG for a bad value (*why says which).
 */
int simcmd_config_set(simcmd_config_t *c, const char *key, const char *value, const char **why);

/** Cross-field checks of the geometry and layout. OTA_ERR_INVALID_ARG with *why set. */
int simcmd_config_check(const simcmd_config_t *c, const char **why);

/** The simulated device's configuration (no paths) that c describes. */
void simcmd_config_device(const simcmd_config_t *c, sim_device_config_t *dc);

/** The keys fixed at init (geometry and layout): `sim config` refuses to change them. */
bool simcmd_config_key_fixed(const char *key);

/* ---- trusted keys (sim_keys.c) ----------------------------------------------- */

/** A key id in hex, as the tools print it, plus the NUL. */
#define SIMCMD_KEY_ID_HEX_SIZE (2 * OTA_KEY_ID_LEN + 1)

/**
 * Add the public key in path (PEM or DER, ECDSA P-256) to keys. Prints why
 * a key is refused, prefixed "sysota sim cmd": a file that is not a public
 * key, a key of another kind, the same key twice, or more than OTA_KEYS_MAX.
 * OTA_OK or the error.
 */
int simcmd_keys_add(const char *cmd, ota_keys_t *keys, const char *path);

/** The key id of point in hex (what `sysota key` and a manifest's .sig name). */
int simcmd_key_id_hex(const ota_crypto_t *crypto, const uint8_t point[OTA_PUBKEY_LEN],
                      char out[SIMCMD_KEY_ID_HEX_SIZE]);

/** The key ids of keys as "id, id", or "none" (cap bytes). */
void simcmd_keys_text(const ota_crypto_t *crypto, const ota_keys_t *keys, char *out, size_t cap);

/** Read DEV/device.conf. OTA_ERR_NOT_FOUND when DEV is not a device; msg says why. */
int simcmd_config_load(const char *dev, simcmd_config_t *c, char *msg, size_t cap);

/** Write DEV/device.conf atomically. */
int simcmd_config_save(const char *dev, const simcmd_config_t *c);

/** Print the configuration as key=value lines. */
void simcmd_config_print(const simcmd_config_t *c, FILE *out);

/** "DEV/name" into out. OTA_ERR_TOO_LARGE if it does not fit. */
int simcmd_path(char *out, size_t cap, const char *dev, const char *name);

/* ---- device profiles (sim_profile.c) ---------------------------------------- */

/** The layout of a real part: what `sim init --profile NAME` starts from. */
typedef struct simcmd_profile {
    const char *name;
    const char *summary; /* for --help; lines separated by '\n' */
    uint32_t hex_base;
    uint32_t nvm_size;
    uint32_t sector_size;
    uint32_t write_unit;
    uint32_t bootctl_offset;
    uint32_t app_offset; /* 0: right after the boot control sector */
} simcmd_profile_t;

/** The i-th profile, NULL past the last. */
const simcmd_profile_t *simcmd_profile_at(size_t i);

/** The profile of that name, or NULL. */
const simcmd_profile_t *simcmd_profile_find(const char *name);

/** Set c's profile name, hex_base, geometry and layout from p. */
void simcmd_profile_apply(const simcmd_profile_t *p, simcmd_config_t *c);

/** Each profile's name and summary, indented, for a --help text. */
void simcmd_profile_print_list(FILE *out);

/* ---- an opened device (sim_config.c) ---------------------------------------- */

typedef struct simcmd_device {
    char dir[SIMCMD_PATH_MAX];
    char flash_path[SIMCMD_PATH_MAX];
    char store_path[SIMCMD_PATH_MAX];
    simcmd_config_t cfg;
    sim_device_t dev;
} simcmd_device_t;

/**
 * Load DEV's configuration and open its flash and store; seed overrides the
 * configured seed unless it is NULL. Prints the reason on failure
 * (prefixed with cmd). Returns OTA_OK or an error.
 */
int simcmd_device_open(simcmd_device_t *d, const char *cmd, const char *dev, const uint64_t *seed);

/** Close the files (their contents stay). */
void simcmd_device_close(simcmd_device_t *d);

/**
 * Remove every file of DEV's store (a blank external flash), and
 * DEV/last_run. The device must not be open. OTA_OK or OTA_ERR_IO.
 */
int simcmd_store_clear(const char *dev);

/* ---- the results of the last run (sim_config.c) ----------------------------- */

typedef struct simcmd_last_run {
    bool present;
    uint64_t ops;    /* flash + store mutating operations of the run */
    char result[16]; /* ok | cut | failed */
    char until[16];
    char reason[256];
    uint64_t cut_after; /* 0: no cut was armed */
    char cut_mode[8];
    unsigned boots;
    unsigned resets;
    uint32_t version; /* running version when the run ended, 0 unknown */
    sim_nor_counters_t flash;
    sim_store_counters_t store;
} simcmd_last_run_t;

int simcmd_last_run_save(const char *dev, const simcmd_last_run_t *r);
/** A missing file is OTA_OK with r->present false. */
int simcmd_last_run_load(const char *dev, simcmd_last_run_t *r);
/** Remove DEV/last_run (after `flash`). */
void simcmd_last_run_clear(const char *dev);

/* ---- the simulated image format (sim_image.c) ------------------------------- */

/*
 * A simulated application image: a 32-byte header, then filler derived from
 * the version and flags (so two versions never share a digest):
 *
 *   0  8  magic "SOTA-SIM"      16 4  version (LE)
 *   8  4  format 1 (LE)         20 4  size: whole image in bytes (LE)
 *   12 4  flags (LE)            24 4  reserved 0
 *                               28 4  CRC-32 of bytes 0..27 (LE)
 */
#define SIMCMD_IMAGE_HEADER_SIZE 32u
#define SIMCMD_IMAGE_NO_CONFIRM 0x1u /* never confirms its first boot */

typedef struct simcmd_image_info {
    uint32_t version;
    uint32_t flags;
    uint32_t size;
} simcmd_image_info_t;

/** Fill buf (size >= SIMCMD_IMAGE_HEADER_SIZE bytes) with the image. */
int simcmd_image_build(uint8_t *buf, uint32_t size, uint32_t version, uint32_t flags);

/** Decode a header. OTA_ERR_NOT_FOUND when buf is not a simulated image. */
int simcmd_image_parse(const uint8_t *buf, size_t len, simcmd_image_info_t *out);

/* ---- the original's boot control page (sim_fwheader.c) ---------------------- */

/*
 * An application built for Microchip's OTA service carries the page before
 * it in its HEX file: a 256-byte FIRMWARE_IMAGE_HEADER v1 (sim_fwheader.c
 * has the layout), zeros, and a copy of the status in the last byte.
 */
#define SIMCMD_FWHDR_PAGE_SIZE 4096u
#define SIMCMD_FWHDR_SIZE 256u

typedef struct simcmd_fwhdr {
    uint8_t status;
    uint8_t slot;
    uint8_t order;
    uint8_t type;  /* 0 programmer, 1 production, 2 debug, 3 factory reset */
    uint32_t size; /* 0xFFFFFFFF in a fresh build */
    uint32_t version;
    uint32_t boot_addr; /* kseg1 (0xB0021000 on a W1) */
    uint8_t digest[32];
    uint8_t status_copy; /* the page's last byte */
} simcmd_fwhdr_t;

/**
 * Decode a page of SIMCMD_FWHDR_PAGE_SIZE bytes (0xFF where the HEX holds
 * nothing). OTA_ERR_NOT_FOUND when it does not have the header's shape;
 * why (cap bytes) then says which byte gave it away.
 */
int simcmd_fwhdr_parse(const uint8_t *page, simcmd_fwhdr_t *out, char *why, size_t cap);

/** The header names a version (neither 0 nor 0xFFFFFFFF). */
bool simcmd_fwhdr_has_version(const simcmd_fwhdr_t *h);

/** The boot address is addr in any MIPS segment, or not set (0xFFFFFFFF). */
bool simcmd_fwhdr_boot_addr_is(const simcmd_fwhdr_t *h, uint32_t addr);

/** "factory reset" style name of an image type. */
const char *simcmd_fwhdr_type_name(uint8_t type);

/* ---- printing what the device does (sim_events.c) --------------------------- */

typedef struct simcmd_printer {
    bool tty;                 /* stdout is a terminal: progress bar with \r */
    bool bar_open;            /* a bar line is on screen without its newline */
    unsigned next_pct;        /* non-terminal: next percentage worth a line */
    uint32_t running;         /* running version, for "check: ..." lines */
    const simcmd_device_t *d; /* the device, to explain a refusal with its state; may be NULL */
    uint32_t seq;             /* the manifest Sequence the record held at the last look */
    uint32_t patch_bytes;     /* the last patch downloaded, for the bytes a delta update saved */
} simcmd_printer_t;

void simcmd_printer_init(simcmd_printer_t *p);

/** Explain refusals and signed checks with d's keys and record from now on. */
void simcmd_printer_attach(simcmd_printer_t *p, const simcmd_device_t *d);

/** printf a whole line (ends an open progress bar first). */
void simcmd_say(simcmd_printer_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** One line (or progress update) for a service event. */
void simcmd_print_event(simcmd_printer_t *p, ota_service_event_t ev, const ota_service_event_data_t *d);

/** "F8 (valid)" style names of status bytes. */
const char *simcmd_status_name(uint8_t status);

/* ---- the simulated application (sim_app.c) ----------------------------------- */

/** When `run` stops. */
typedef enum simcmd_until {
    SIMCMD_UNTIL_BOOT = 0, /* the bootloader handed over */
    SIMCMD_UNTIL_IDLE,     /* a check finished and nothing is pending */
    SIMCMD_UNTIL_READY,    /* an update is downloaded and published, before the reset */
    SIMCMD_UNTIL_CONFIRMED /* the running image is confirmed and a check after it found nothing */
} simcmd_until_t;

/** How one boot's worth of application ended. */
typedef enum simcmd_app_end {
    SIMCMD_APP_MET = 0, /* the --until condition holds */
    SIMCMD_APP_RESET,   /* the service reset the device (an update is ready) */
    SIMCMD_APP_CRASH,   /* a no-confirm image hung after its check: watchdog reset */
    SIMCMD_APP_FAILED,  /* a check, download or verification failed (why says) */
    SIMCMD_APP_CUT,     /* the power was cut */
    SIMCMD_APP_TIMEOUT  /* the run's time is up */
} simcmd_app_end_t;

/** What the application needs from the run. */
typedef struct simcmd_app {
    simcmd_device_t *d;
    simcmd_printer_t *out;
    const ota_transport_t *transport;
    const char *manifest_url; /* NULL or "": none */
    simcmd_until_t until;
    bool check_now;       /* ask for a check at once (else the periodic timer does) */
    uint32_t retries;     /* failed checks/downloads the run lives through (--retries) */
    uint32_t failures;    /* failed checks/downloads so far in this run */
    uint64_t deadline_ms; /* simcmd_now_ms() at which the run gives up */
    char why[256];        /* set for SIMCMD_APP_FAILED and SIMCMD_APP_TIMEOUT */
    uint32_t version;     /* the running version, once known */
} simcmd_app_t;

/**
 * Run the application the bootloader handed over to (res) until it resets,
 * crashes, fails, loses power, or the until condition holds.
 */
/* The application's start alone (ota_app_sync, and what it kept): MET, or
 * why it could not start. simcmd_app_run begins with it. */
simcmd_app_end_t simcmd_app_start(simcmd_app_t *app, const ota_boot_result_t *res);
simcmd_app_end_t simcmd_app_run(simcmd_app_t *app, const ota_boot_result_t *res);

/** Real monotonic milliseconds. */
uint64_t simcmd_now_ms(void);

/* ---- subcommands ------------------------------------------------------------- */

int simcmd_cmd_init(int argc, char **argv);
int simcmd_cmd_config(int argc, char **argv);
int simcmd_cmd_flash(int argc, char **argv);
int simcmd_cmd_run(int argc, char **argv);
int simcmd_cmd_status(int argc, char **argv);
int simcmd_cmd_mkimage(int argc, char **argv);
int simcmd_cmd_keys(int argc, char **argv);

/** Parse a number option (K/M suffixes) for cmd; prints the error. OTA_OK or an error. */
int simcmd_opt_number(const char *cmd, const char *opt, const char *val, uint64_t max, uint64_t *out);

/** The value after argv[*i] (advancing *i), or NULL with a usage error printed. */
const char *simcmd_opt_value(const char *cmd, int argc, char **argv, int *i);

#endif /* SYSOTA_TOOLS_SIM_H */

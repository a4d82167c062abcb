/*
 * sysota port-conformance suite: checks a port against the rules of
 * sysota/ota_port.h, and nothing else. Written against ota_port.h only (no
 * host call, no allocation, no printf), so it also runs on the target.
 *
 * How to use it with a new port:
 *
 *   conformance_config_t cfg = {0};
 *   cfg.flash = &my_flash;               // NULL: flash cases skipped
 *   cfg.flash_scratch_addr = 0x60000;    // whole sectors the suite may erase
 *   cfg.flash_scratch_size = 0x20000;
 *   cfg.store = &my_store;               // NULL: store cases skipped
 *   cfg.store_capacity = 0;              // > 0: the store is filled to check OTA_ERR_NO_SPACE
 *   cfg.crypto = &my_crypto;
 *   cfg.sys = &my_system;
 *   cfg.print = my_print;                // one line per case ("ok - ...", "FAIL - ...: why")
 *   conformance_result_t res;
 *   int failed = conformance_run(&cfg, &res); // 0: the port keeps every rule checked
 *
 * What it needs from the port under test:
 *  - flash: a scratch area of whole sectors (at least one; two or more also
 *    check that an erase stays in its sector) whose contents it destroys and
 *    leaves erased;
 *  - store: files whose names start with "cf" are the suite's (it creates,
 *    overwrites and removes them; other files are left alone); it holds at
 *    most one handle at a time and never calls the store from a list()
 *    callback, as the core does, so a port with a single handle passes;
 *  - nothing else of the device: reset() is never called.
 * The transport has no cases here: it needs a server (tests/transport has
 * the host port's, against real ones).
 */
#ifndef SYSOTA_CONFORMANCE_H
#define SYSOTA_CONFORMANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The ports to check; a NULL port skips its cases. */
typedef struct conformance_config {
    const ota_flash_t *flash;
    uint32_t flash_scratch_addr; /**< first byte of the scratch area (a sector start) */
    uint32_t flash_scratch_size; /**< bytes of whole sectors from flash_scratch_addr */
    const ota_store_t *store;
    /**
     * The store's capacity in bytes when it has a small one the suite may
     * fill (it writes up to capacity + 4 KiB to see OTA_ERR_NO_SPACE, then
     * removes it); 0: not checked.
     */
    uint64_t store_capacity;
    /**
     * true: the store accepts names beyond the store name rule (a host
     * directory could take "a b"); the core never passes one, so that is
     * allowed, and the refusal cases are skipped. false: every name the rule
     * refuses must fail with OTA_ERR_NAME.
     */
    bool store_names_loose;
    const ota_crypto_t *crypto;
    const ota_system_t *sys;
    /** One result line (no newline); NULL: silent. */
    void (*print)(void *arg, const char *line);
    void *print_arg;
} conformance_config_t;

typedef struct conformance_result {
    unsigned passed;
    unsigned failed;
    unsigned skipped;
} conformance_result_t;

/** Run every case the configuration allows. Returns the number of failed cases. */
int conformance_run(const conformance_config_t *cfg, conformance_result_t *res);

/* The groups on their own (conformance_run calls them all); each adds to *res. */
void conformance_flash(const conformance_config_t *cfg, conformance_result_t *res);
void conformance_store(const conformance_config_t *cfg, conformance_result_t *res);
void conformance_crypto(const conformance_config_t *cfg, conformance_result_t *res);
void conformance_system(const conformance_config_t *cfg, conformance_result_t *res);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_CONFORMANCE_H */

/*
 * `sysota sim keys` and the trusted keys of a simulated device.
 *
 * A real device carries its public keys in its build: the bootloader's and
 * the application's (ota_boot_config_t.keys, ota_service_config_t.keys).
 * The simulator keeps them in device.conf, as the points in hex, and hands
 * them to both on every `run`; changing them with `sim keys` stands for a
 * firmware built with other keys (a key rotation). The boot control record
 * (the Sequence accepted, the floor) and the store stay as they are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_hex.h"
#include "tool_hostfile.h"
#include "ota_trust.h"
#include "sim.h"
#include "sysota_cmd.h"

int simcmd_key_id_hex(const ota_crypto_t *crypto, const uint8_t point[OTA_PUBKEY_LEN], char out[SIMCMD_KEY_ID_HEX_SIZE])
{
    uint8_t id[OTA_KEY_ID_LEN];
    int err = ota_key_id(crypto, point, id);
    if (err == OTA_OK) {
        err = ota_hex_encode(id, sizeof id, out);
    }
    if (err != OTA_OK) {
        snprintf(out, SIMCMD_KEY_ID_HEX_SIZE, "?");
    }
    return err;
}

void simcmd_keys_text(const ota_crypto_t *crypto, const ota_keys_t *keys, char *out, size_t cap)
{
    size_t n = 0;
    snprintf(out, cap, "none");
    for (unsigned i = 0; i < keys->count && i < OTA_KEYS_MAX && n < cap; i++) {
        char id[SIMCMD_KEY_ID_HEX_SIZE];
        (void)simcmd_key_id_hex(crypto, keys->point[i], id);
        int w = snprintf(out + n, cap - n, "%s%s", i ? ", " : "", id);
        n += w > 0 ? (size_t)w : 0u;
    }
}

/* Why a file that posix_crypto_pubkey_load refused is no key for a device. */
static const char *refusal(int err, const char *data)
{
    if (err == OTA_ERR_NOT_SUPPORTED) {
        return "a key, but not ECDSA P-256 (the only kind a sysota device verifies)";
    }
    /* tool_hostfile_read ends the text with a NUL; a DER file stops early, harmlessly. */
    if (strstr(data, "PRIVATE KEY") != NULL) {
        return "a private key: a device holds the public half only (`sysota key pub KEY.pem -o KEY.pub.pem`)";
    }
    if (strstr(data, "PUBLIC KEY") != NULL) {
        return "a public key, but not ECDSA P-256 (the only kind a sysota device verifies)";
    }
    return "not a public key file (PEM or DER SubjectPublicKeyInfo; `sysota key pub` writes one)";
}

int simcmd_keys_add(const char *cmd, ota_keys_t *keys, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    uint8_t point[OTA_PUBKEY_LEN];

    if (keys->count >= OTA_KEYS_MAX) {
        fprintf(stderr,
                "sysota sim %s: %s: a device trusts at most %d keys at once (the old and the new one of a "
                "rotation)\n",
                cmd, path, OTA_KEYS_MAX);
        return OTA_ERR_TOO_LARGE;
    }
    int err = tool_hostfile_read(path, &data, &len);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota sim %s: %s: %s\n", cmd, path, strerror(errno));
        return err;
    }
    err = posix_crypto_pubkey_load((const uint8_t *)data, len, point);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota sim %s: %s: %s\n", cmd, path, refusal(err, data));
    }
    free(data);
    for (unsigned i = 0; err == OTA_OK && i < keys->count; i++) {
        if (memcmp(keys->point[i], point, OTA_PUBKEY_LEN) == 0) {
            fprintf(stderr, "sysota sim %s: %s: this key is given twice\n", cmd, path);
            err = OTA_ERR_EXISTS;
        }
    }
    if (err == OTA_OK) {
        memcpy(keys->point[keys->count++], point, OTA_PUBKEY_LEN);
    }
    return err;
}

/* ---- sim keys ------------------------------------------------------------------ */

static void keys_usage(FILE *out)
{
    fprintf(out,
            "usage: sysota sim keys DEV [--pubkey KEY.pub.pem [--pubkey KEY2.pub.pem] | --none]\n"
            "\n"
            "Without options, list the keys DEV trusts. --pubkey replaces them (ECDSA P-256\n"
            "public keys, PEM or DER; at most %d: the old and the new one of a rotation);\n"
            "--none removes them all (compatibility mode: unsigned manifests and images).\n"
            "A device's keys are built into its bootloader and application: this stands for\n"
            "a firmware carrying other keys. The boot control record (the Sequence accepted,\n"
            "the floor) and the store are kept.\n",
            OTA_KEYS_MAX);
}

static void print_keys(const char *dev, const ota_crypto_t *crypto, const ota_keys_t *keys)
{
    if (keys->count == 0) {
        printf("%s: no key (compatibility mode: unsigned manifests and images are accepted)\n", dev);
        return;
    }
    printf("%s: %u key%s (signed manifests and images only)\n", dev, (unsigned)keys->count,
           keys->count == 1 ? "" : "s");
    for (unsigned i = 0; i < keys->count && i < OTA_KEYS_MAX; i++) {
        char id[SIMCMD_KEY_ID_HEX_SIZE];
        (void)simcmd_key_id_hex(crypto, keys->point[i], id);
        printf("  key id %s\n", id);
    }
}

int simcmd_cmd_keys(int argc, char **argv)
{
    char msg[SIMCMD_PATH_MAX + 200];
    const char *dev = NULL;
    bool none = false, change = false;
    ota_keys_t keys;
    ota_crypto_t crypto;
    memset(&keys, 0, sizeof keys);
    (void)posix_crypto_default(&crypto);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            keys_usage(stdout);
            return SYSOTA_EXIT_OK;
        } else if (strcmp(a, "--none") == 0) {
            none = change = true;
        } else if (strcmp(a, "--pubkey") == 0) {
            const char *v = simcmd_opt_value("keys", argc, argv, &i);
            if (v == NULL) {
                return SYSOTA_EXIT_USAGE;
            }
            if (simcmd_keys_add("keys", &keys, v) != OTA_OK) {
                return SYSOTA_EXIT_INPUT;
            }
            change = true;
        } else if (a[0] != '-' && dev == NULL) {
            dev = a;
        } else {
            fprintf(stderr, "sysota sim keys: unexpected argument '%s'\n", a);
            keys_usage(stderr);
            return SYSOTA_EXIT_USAGE;
        }
    }
    if (dev == NULL || (none && keys.count > 0)) {
        if (dev != NULL) {
            fprintf(stderr, "sysota sim keys: --none and --pubkey contradict each other\n");
        }
        keys_usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    simcmd_config_t cfg;
    if (simcmd_config_load(dev, &cfg, msg, sizeof msg) != OTA_OK) {
        fprintf(stderr, "sysota sim keys: %s\n", msg);
        return SYSOTA_EXIT_INPUT;
    }
    if (change) {
        cfg.keys = keys;
        if (simcmd_config_save(dev, &cfg) != OTA_OK) {
            fprintf(stderr, "sysota sim keys: %s: cannot write %s\n", dev, SIMCMD_CONF_FILE);
            return SYSOTA_EXIT_INPUT;
        }
    }
    print_keys(dev, &crypto, &cfg.keys);
    return SYSOTA_EXIT_OK;
}

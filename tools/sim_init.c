/*
 * `sysota sim init` and `sysota sim config`: create a device folder, and
 * read or change what its configuration says.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"
#include "sysota_cmd.h"

static void init_usage(FILE *out)
{
    fprintf(out,
            "usage: sysota sim init DEV [--profile NAME] [--nvm-size N] [--sector N] [--write-unit N]\n"
            "                           [--bootctl-offset N] [--app-offset N] [--hex-base ADDR]\n"
            "                           [--store-size N] [--manifest URL] [--ca-file PATH] [--max-attempts N]\n"
            "                           [--max-images N] [--interval S] [--seed S]\n"
            "                           [--pubkey KEY.pub.pem [--pubkey KEY2.pub.pem]] [--hardware-id ID] [--force]\n"
            "\n"
            "Create the folder DEV holding a simulated device: internal NOR flash (a boot\n"
            "control sector and an application region) and an external store.\n"
            "\n"
            "  --profile NAME    the layout of a real part; the options below change\n"
            "                    single values of it:\n");
    simcmd_profile_print_list(out);
    fprintf(out,
            "  --nvm-size N      internal flash bytes (default 1M); K and M suffixes allowed\n"
            "  --sector N        erase sector (default 4K)\n"
            "  --write-unit N    program unit (default 16: the PIC32MZ quad word), at most %u\n"
            "  --bootctl-offset N  flash offset of the boot control sector (default 0)\n"
            "  --app-offset N    flash offset of the application region, which runs to the end\n"
            "                    of flash (default 0: right after the boot control sector)\n"
            "  --store-size N    external store capacity (default 0: unlimited)\n"
            "  --manifest URL    the OTA manifest the application's service polls\n"
            "  --ca-file PATH    CA bundle for an https:// manifest and images\n"
            "  --max-attempts N  boots of an unconfirmed image before rollback (default %u)\n"
            "  --max-images N    images the service keeps in the store, golden included (default 3)\n"
            "  --interval S      seconds between periodic checks (default 3600; simulated time)\n"
            "  --seed S          seed of torn writes and poll jitter (default 1)\n"
            "  --hex-base ADDR   HEX address of flash offset 0 (default: the profile's)\n"
            "  --pubkey FILE     a public key the device trusts (ECDSA P-256, PEM or DER; at most\n"
            "                    %d, the old and the new one of a rotation): the bootloader and\n"
            "                    the service then take signed manifests and images only.\n"
            "                    Without: unsigned updates, as the original (`sim keys` changes it)\n"
            "  --hardware-id ID  this hardware's id: a manifest whose HardwareId differs is refused\n"
            "  --device-id ID    this device's own id (a serial number): it decides which entries\n"
            "                    with a Rollout percentage the device takes (none: only 100 %%)\n"
            "  --force           re-initialise an existing device folder (erases it)\n",
            OTA_BOOT_BUF_SIZE, OTA_BOOT_MAX_ATTEMPTS, OTA_KEYS_MAX);
}

static const struct {
    const char *opt;
    const char *key;
} init_opts[] = {
    { "--nvm-size", "nvm_size" },         { "--sector", "sector_size" },
    { "--write-unit", "write_unit" },     { "--store-size", "store_size" },
    { "--manifest", "manifest_url" },     { "--ca-file", "ca_file" },
    { "--max-attempts", "max_attempts" }, { "--max-images", "max_images" },
    { "--interval", "interval_s" },       { "--seed", "seed" },
    { "--hex-base", "hex_base" },         { "--bootctl-offset", "bootctl_offset" },
    { "--app-offset", "app_offset" },     { "--hardware-id", "hardware_id" },
    { "--device-id", "device_id" },
};

static int set_key(const char *cmd, simcmd_config_t *c, const char *key, const char *value)
{
    const char *why;
    char abs[PATH_MAX];
    /* A relative CA path would mean something else from another folder. */
    if (strcmp(key, "ca_file") == 0 && value[0] != '\0' && value[0] != '/' && realpath(value, abs) != NULL) {
        value = abs;
    }
    int err = simcmd_config_set(c, key, value, &why);
    if (err == OTA_ERR_NOT_FOUND) {
        fprintf(stderr, "sysota sim %s: unknown key '%s'\n", cmd, key);
    } else if (err != OTA_OK) {
        fprintf(stderr, "sysota sim %s: %s=%s: %s\n", cmd, key, value, why);
    }
    return err;
}

/* An existing folder is reused only when it is empty, or with --force when it is a device. */
static int prepare_dir(const char *dev, bool force)
{
    char conf[SIMCMD_PATH_MAX];
    char path[SIMCMD_PATH_MAX];
    struct stat st;
    if (stat(dev, &st) != 0) {
        if (mkdir(dev, 0777) != 0) {
            fprintf(stderr, "sysota sim init: %s: %s\n", dev, strerror(errno));
            return OTA_ERR_IO;
        }
        return OTA_OK;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "sysota sim init: %s exists and is not a folder\n", dev);
        return OTA_ERR_EXISTS;
    }
    if (simcmd_path(conf, sizeof conf, dev, SIMCMD_CONF_FILE) != OTA_OK) {
        return OTA_ERR_TOO_LARGE;
    }
    if (access(conf, F_OK) == 0) {
        if (!force) {
            fprintf(stderr, "sysota sim init: %s is already a device (--force re-initialises it)\n", dev);
            return OTA_ERR_EXISTS;
        }
        /* A new flash file of the new geometry, a blank store. */
        if (simcmd_store_clear(dev) != OTA_OK) {
            fprintf(stderr, "sysota sim init: %s: cannot empty the store\n", dev);
            return OTA_ERR_IO;
        }
        simcmd_path(path, sizeof path, dev, SIMCMD_FLASH_FILE);
        (void)unlink(path);
        simcmd_path(path, sizeof path, dev, SIMCMD_FLASH_FILE ".wu");
        (void)unlink(path);
        return OTA_OK;
    }
    if (rmdir(dev) == 0 && mkdir(dev, 0777) == 0) {
        return OTA_OK; /* it was empty */
    }
    fprintf(stderr, "sysota sim init: %s is a folder that is not empty and not a device\n", dev);
    return OTA_ERR_EXISTS;
}

static void print_size(char *out, size_t cap, uint64_t n)
{
    if (n >= (1u << 20) && n % (1u << 20) == 0) {
        snprintf(out, cap, "%llu MiB", (unsigned long long)(n >> 20));
    } else if (n >= 1024 && n % 1024 == 0) {
        snprintf(out, cap, "%llu KiB", (unsigned long long)(n >> 10));
    } else {
        snprintf(out, cap, "%llu bytes", (unsigned long long)n);
    }
}

int simcmd_cmd_init(int argc, char **argv)
{
    const char *dev = NULL;
    bool force = false;
    simcmd_config_t cfg;
    simcmd_config_defaults(&cfg);

    /* The profile first, wherever it stands: the other options change
     * single values of it. */
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--profile") == 0 && set_key("init", &cfg, "profile", argv[i + 1]) != OTA_OK) {
            return SYSOTA_EXIT_USAGE;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool known = false;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            init_usage(stdout);
            return SYSOTA_EXIT_OK;
        }
        if (strcmp(a, "--force") == 0) {
            force = true;
            continue;
        }
        if (strcmp(a, "--profile") == 0) {
            if (simcmd_opt_value("init", argc, argv, &i) == NULL) {
                return SYSOTA_EXIT_USAGE;
            }
            continue;
        }
        if (strcmp(a, "--pubkey") == 0) {
            const char *v = simcmd_opt_value("init", argc, argv, &i);
            if (v == NULL) {
                return SYSOTA_EXIT_USAGE;
            }
            if (simcmd_keys_add("init", &cfg.keys, v) != OTA_OK) {
                return SYSOTA_EXIT_INPUT;
            }
            continue;
        }
        for (size_t k = 0; k < sizeof init_opts / sizeof init_opts[0]; k++) {
            if (strcmp(a, init_opts[k].opt) == 0) {
                const char *v = simcmd_opt_value("init", argc, argv, &i);
                if (v == NULL || set_key("init", &cfg, init_opts[k].key, v) != OTA_OK) {
                    return SYSOTA_EXIT_USAGE;
                }
                known = true;
                break;
            }
        }
        if (known) {
            continue;
        }
        if (a[0] == '-' || dev != NULL) {
            fprintf(stderr, "sysota sim init: unexpected argument '%s'\n", a);
            init_usage(stderr);
            return SYSOTA_EXIT_USAGE;
        }
        dev = a;
    }
    if (dev == NULL) {
        init_usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    const char *why;
    if (simcmd_config_check(&cfg, &why) != OTA_OK) {
        fprintf(stderr, "sysota sim init: %s\n", why);
        return SYSOTA_EXIT_USAGE;
    }
    if (prepare_dir(dev, force) != OTA_OK) {
        return SYSOTA_EXIT_INPUT;
    }
    if (simcmd_config_save(dev, &cfg) != OTA_OK) {
        fprintf(stderr, "sysota sim init: %s: cannot write %s\n", dev, SIMCMD_CONF_FILE);
        return SYSOTA_EXIT_INPUT;
    }
    simcmd_device_t d;
    if (simcmd_device_open(&d, "init", dev, NULL) != OTA_OK) {
        return SYSOTA_EXIT_INPUT;
    }
    ota_boot_config_t bc = d.dev.boot_cfg;

    char nvm[32], sector[32], store[32];
    print_size(nvm, sizeof nvm, cfg.nvm_size);
    print_size(sector, sizeof sector, cfg.sector_size);
    print_size(store, sizeof store, cfg.store_size);
    printf("%s: simulated device created (profile %s)\n", dev, cfg.profile);
    printf("  internal flash  %s, %s sectors, %u-byte write unit (NOR rules, strict)\n", nvm, sector,
           (unsigned)cfg.write_unit);
    if (bc.layout.bootctl_addr > 0) {
        printf("    not used      0x%08X-0x%08X (HEX 0x%08X): the part's bootloader (sysota's runs on the host)\n", 0u,
               (unsigned)bc.layout.bootctl_addr - 1u, (unsigned)cfg.hex_base);
    }
    uint32_t bootctl_end = bc.layout.bootctl_addr + bc.layout.bootctl_size;
    printf("    boot control  0x%08X-0x%08X (HEX 0x%08X, two sectors)\n", (unsigned)bc.layout.bootctl_addr,
           (unsigned)(bootctl_end - 1u), (unsigned)(cfg.hex_base + bc.layout.bootctl_addr));
    if (bc.layout.app_addr > bootctl_end) {
        printf("    not used      0x%08X-0x%08X\n", (unsigned)bootctl_end, (unsigned)bc.layout.app_addr - 1u);
    }
    printf("    application   0x%08X-0x%08X (HEX 0x%08X)\n", (unsigned)bc.layout.app_addr, (unsigned)cfg.nvm_size - 1u,
           (unsigned)(cfg.hex_base + bc.layout.app_addr));
    printf("  external store  %s\n", cfg.store_size ? store : "unlimited");
    printf("  manifest        %s\n", cfg.manifest_url[0] ? cfg.manifest_url : "(none: set it with --manifest)");
    char keys[OTA_KEYS_MAX * (SIMCMD_KEY_ID_HEX_SIZE + 2)];
    simcmd_keys_text(&d.dev.crypto, &cfg.keys, keys, sizeof keys);
    if (cfg.keys.count) {
        printf("  trusted keys    %s: signed manifests and images only\n", keys);
    } else {
        printf("  trusted keys    none: unsigned updates, as the original (--pubkey for signed ones)\n");
    }
    if (cfg.device_id[0]) {
        printf("  device id       %s (for staged rollouts)\n", cfg.device_id);
    }
    if (cfg.hardware_id[0]) {
        printf("  hardware id     %s\n", cfg.hardware_id);
    }
    printf("next: sysota sim flash %s FACTORY.hex|.bin%s\n", dev,
           cfg.keys.count ? " --sign-key KEY.pem (or --signature FILE.sig64)" : "");
    simcmd_device_close(&d);
    return SYSOTA_EXIT_OK;
}

/* ---- sim config ---------------------------------------------------------------- */

static void config_usage(FILE *out)
{
    fprintf(out, "usage: sysota sim config DEV [KEY=VALUE...]\n"
                 "\n"
                 "Without KEY=VALUE, print the device's configuration. Otherwise change it.\n"
                 "The geometry and layout (profile, nvm_size, sector_size, write_unit,\n"
                 "bootctl_offset, app_offset) are fixed at init.\n"
                 "Keys: store_size hex_base seed max_attempts max_images periodic interval_s\n"
                 "      connect_timeout_ms idle_timeout_ms min_rate rate_window_ms\n"
                 "      require_tls insecure manifest_url ca_file hardware_id device_id\n"
                 "The trusted keys are shown here and changed with `sysota sim keys`.\n");
}

int simcmd_cmd_config(int argc, char **argv)
{
    char msg[SIMCMD_PATH_MAX + 200];
    if (argc < 2 || argv[1][0] == '-') {
        bool help = argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0);
        config_usage(help ? stdout : stderr);
        return help ? SYSOTA_EXIT_OK : SYSOTA_EXIT_USAGE;
    }
    const char *dev = argv[1];
    simcmd_config_t cfg;
    if (simcmd_config_load(dev, &cfg, msg, sizeof msg) != OTA_OK) {
        fprintf(stderr, "sysota sim config: %s\n", msg);
        return SYSOTA_EXIT_INPUT;
    }
    if (argc == 2) {
        simcmd_config_print(&cfg, stdout);
        return SYSOTA_EXIT_OK;
    }
    for (int i = 2; i < argc; i++) {
        char key[64];
        const char *eq = strchr(argv[i], '=');
        if (eq == NULL || (size_t)(eq - argv[i]) >= sizeof key) {
            fprintf(stderr, "sysota sim config: '%s' is not KEY=VALUE\n", argv[i]);
            return SYSOTA_EXIT_USAGE;
        }
        memcpy(key, argv[i], (size_t)(eq - argv[i]));
        key[eq - argv[i]] = '\0';
        if (simcmd_config_key_fixed(key)) {
            fprintf(stderr, "sysota sim config: %s is fixed at init (sysota sim init --force)\n", key);
            return SYSOTA_EXIT_USAGE;
        }
        if (strcmp(key, "keys") == 0) {
            /* sim keys reads key files and checks them as P-256 keys. */
            fprintf(stderr, "sysota sim config: keys: use `sysota sim keys %s --pubkey KEY.pub.pem`\n", dev);
            return SYSOTA_EXIT_USAGE;
        }
        if (set_key("config", &cfg, key, eq + 1) != OTA_OK) {
            return SYSOTA_EXIT_USAGE;
        }
    }
    const char *why;
    if (simcmd_config_check(&cfg, &why) != OTA_OK) {
        fprintf(stderr, "sysota sim config: %s\n", why);
        return SYSOTA_EXIT_USAGE;
    }
    if (simcmd_config_save(dev, &cfg) != OTA_OK) {
        fprintf(stderr, "sysota sim config: %s: cannot write %s\n", dev, SIMCMD_CONF_FILE);
        return SYSOTA_EXIT_INPUT;
    }
    return SYSOTA_EXIT_OK;
}

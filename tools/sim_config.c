/*
 * `sysota sim`: the device folder's files. device.conf says what the
 * device is (fixed at init) and how its application behaves (changeable);
 * last_run keeps what the last `run` did so that `status` (and a script
 * sweeping power cuts) can read it after the process is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool_cliarg.h"
#include "ota_hex.h"
#include "tool_hostfile.h"
#include "sim.h"

/* A point in device.conf: 2 * OTA_PUBKEY_LEN hex digits. */
#define POINT_HEX_LEN (2u * OTA_PUBKEY_LEN)
_Static_assert(POINT_HEX_LEN == 130, "the messages below say 130 digits");

void simcmd_config_defaults(simcmd_config_t *c)
{
    memset(c, 0, sizeof *c);
    simcmd_profile_apply(simcmd_profile_find(SIMCMD_DEFAULT_PROFILE), c);
    c->seed = 1;
    c->max_attempts = OTA_BOOT_MAX_ATTEMPTS;
    c->max_images = 3;
    c->periodic = true;
    c->interval_s = 3600;
    /* The network limits start as the service's own defaults. */
    ota_service_config_t svc;
    ota_service_config_defaults(&svc);
    c->connect_timeout_ms = svc.connect_timeout_ms;
    c->idle_timeout_ms = svc.idle_timeout_ms;
    c->min_rate = svc.min_rate;
    c->rate_window_ms = svc.rate_window_ms;
}

int simcmd_path(char *out, size_t cap, const char *dev, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dev, name);
    return n < 0 || (size_t)n >= cap ? OTA_ERR_TOO_LARGE : OTA_OK;
}

static int parse_bool(const char *v, bool *out)
{
    if (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0) {
        *out = true;
        return OTA_OK;
    }
    if (strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0) {
        *out = false;
        return OTA_OK;
    }
    return OTA_ERR_INVALID_ARG;
}

static int parse_num(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    int err = tool_cliarg_number(v, hi, out);
    return err == OTA_OK && *out >= lo ? OTA_OK : OTA_ERR_INVALID_ARG;
}

/*
 * "keys": the points of the trusted keys in hex, comma-separated; "" for
 * none. Only the shape is checked here (an uncompressed point, 04 first):
 * `sim init` and `sim keys` took them from key files the host port checked
 * as P-256, and a point off the curve verifies nothing.
 */
static int parse_keys(const char *v, ota_keys_t *out)
{
    ota_keys_t keys;
    memset(&keys, 0, sizeof keys);
    while (*v != '\0') {
        const char *end = strchr(v, ',');
        size_t len = end != NULL ? (size_t)(end - v) : strlen(v);
        if (keys.count >= OTA_KEYS_MAX || len != POINT_HEX_LEN ||
            ota_hex_decode(v, len, keys.point[keys.count], OTA_PUBKEY_LEN) != OTA_OK ||
            keys.point[keys.count][0] != 0x04) {
            return OTA_ERR_INVALID_ARG;
        }
        keys.count++;
        v += len;
        if (*v == ',') {
            v++;
        }
    }
    *out = keys;
    return OTA_OK;
}

/* A hardware or device id (at most max bytes): one device.conf line. */
static int parse_id(const char *v, char *out, size_t max)
{
    size_t n = strlen(v);
    if (n > max) {
        return OTA_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7F) {
            return OTA_ERR_INVALID_ARG;
        }
    }
    memcpy(out, v, n + 1);
    return OTA_OK;
}

static bool pow2(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

int simcmd_config_set(simcmd_config_t *c, const char *key, const char *v, const char **why)
{
    uint64_t n = 0;
    int err = OTA_OK;
    *why = "";

    if (strcmp(key, "profile") == 0) {
        /* Written first in device.conf: the keys after it say what was changed. */
        const simcmd_profile_t *p = simcmd_profile_find(v);
        *why = "not a profile (sysota sim init --help lists them)";
        err = p != NULL ? OTA_OK : OTA_ERR_INVALID_ARG;
        if (p != NULL) {
            simcmd_profile_apply(p, c);
        }
    } else if (strcmp(key, "nvm_size") == 0) {
        *why = "2 sectors .. 256M";
        err = parse_num(v, 2, 256u << 20, &n);
        c->nvm_size = (uint32_t)n;
    } else if (strcmp(key, "sector_size") == 0) {
        *why = "a power of two, 256 .. 1M";
        err = parse_num(v, 256, 1u << 20, &n);
        err = err == OTA_OK && pow2(n) ? OTA_OK : OTA_ERR_INVALID_ARG;
        c->sector_size = (uint32_t)n;
    } else if (strcmp(key, "write_unit") == 0) {
        /* The bootloader copies through a OTA_BOOT_BUF_SIZE buffer and the
         * boot control log needs whole slots: both want a divisor of it. */
        *why = "a power of two, 1 .. " SIMCMD_XSTR(OTA_BOOT_BUF_SIZE);
        err = parse_num(v, 1, OTA_BOOT_BUF_SIZE, &n);
        err = err == OTA_OK && pow2(n) ? OTA_OK : OTA_ERR_INVALID_ARG;
        c->write_unit = (uint32_t)n;
    } else if (strcmp(key, "bootctl_offset") == 0 || strcmp(key, "app_offset") == 0) {
        *why = "a flash offset (app_offset 0: right after the boot control sector)";
        err = parse_num(v, 0, UINT32_MAX, &n);
        *(key[0] == 'b' ? &c->bootctl_offset : &c->app_offset) = (uint32_t)n;
    } else if (strcmp(key, "store_size") == 0) {
        *why = "bytes, 0 for unlimited";
        err = parse_num(v, 0, UINT64_MAX, &n);
        c->store_size = n;
    } else if (strcmp(key, "hex_base") == 0) {
        *why = "an address";
        err = parse_num(v, 0, UINT32_MAX, &n);
        c->hex_base = (uint32_t)n;
    } else if (strcmp(key, "seed") == 0) {
        *why = "a number";
        err = parse_num(v, 0, UINT64_MAX, &n);
        c->seed = n;
    } else if (strcmp(key, "max_attempts") == 0) {
        *why = "1 .. 255";
        err = parse_num(v, 1, 255, &n);
        c->max_attempts = (uint32_t)n;
    } else if (strcmp(key, "max_images") == 0) {
        *why = "2 .. " SIMCMD_XSTR(OTA_DB_MAX_ROWS);
        err = parse_num(v, 2, OTA_DB_MAX_ROWS, &n);
        c->max_images = (uint32_t)n;
    } else if (strcmp(key, "interval_s") == 0) {
        *why = "seconds, 1 .. 2000000";
        err = parse_num(v, 1, 2000000, &n);
        c->interval_s = (uint32_t)n;
    } else if (strcmp(key, "connect_timeout_ms") == 0 || strcmp(key, "idle_timeout_ms") == 0 ||
               strcmp(key, "rate_window_ms") == 0) {
        /* 0 would mean "no limit" to the service: a device that may wait
         * forever on a dead link is not one to simulate by accident. */
        *why = "milliseconds, 1 .. 86400000";
        err = parse_num(v, 1, 86400000u, &n);
        *(key[0] == 'c'   ? &c->connect_timeout_ms
          : key[0] == 'i' ? &c->idle_timeout_ms
                          : &c->rate_window_ms) = (uint32_t)n;
    } else if (strcmp(key, "min_rate") == 0) {
        *why = "bytes a second, 0 (no minimum) .. 2^32-1";
        err = parse_num(v, 0, UINT32_MAX, &n);
        c->min_rate = (uint32_t)n;
    } else if (strcmp(key, "periodic") == 0) {
        *why = "yes or no";
        err = parse_bool(v, &c->periodic);
    } else if (strcmp(key, "require_tls") == 0) {
        *why = "yes or no";
        err = parse_bool(v, &c->require_tls);
    } else if (strcmp(key, "insecure") == 0) {
        *why = "yes or no";
        err = parse_bool(v, &c->insecure);
    } else if (strcmp(key, "manifest_url") == 0) {
        *why = "too long";
        err = strlen(v) < sizeof c->manifest_url ? OTA_OK : OTA_ERR_INVALID_ARG;
        if (err == OTA_OK) {
            strcpy(c->manifest_url, v);
        }
    } else if (strcmp(key, "ca_file") == 0) {
        *why = "too long";
        err = strlen(v) < sizeof c->ca_file ? OTA_OK : OTA_ERR_INVALID_ARG;
        if (err == OTA_OK) {
            strcpy(c->ca_file, v);
        }
    } else if (strcmp(key, "keys") == 0) {
        *why = "the keys' points in hex (130 digits from 04), comma-separated, at most " SIMCMD_XSTR(OTA_KEYS_MAX);
        err = parse_keys(v, &c->keys);
    } else if (strcmp(key, "hardware_id") == 0) {
        *why = "at most " SIMCMD_XSTR(OTA_HARDWARE_ID_MAX) " bytes, no control characters";
        err = parse_id(v, c->hardware_id, OTA_HARDWARE_ID_MAX);
    } else if (strcmp(key, "device_id") == 0) {
        *why = "at most " SIMCMD_XSTR(OTA_DEVICE_ID_MAX) " bytes, no control characters";
        err = parse_id(v, c->device_id, OTA_DEVICE_ID_MAX);
    } else {
        return OTA_ERR_NOT_FOUND;
    }
    return err;
}

void simcmd_config_device(const simcmd_config_t *c, sim_device_config_t *dc)
{
    memset(dc, 0, sizeof *dc);
    dc->nvm_size = c->nvm_size;
    dc->sector_size = c->sector_size;
    dc->write_unit = c->write_unit;
    dc->bootctl_offset = c->bootctl_offset;
    dc->app_offset = c->app_offset;
    dc->store_capacity = c->store_size;
    dc->seed = c->seed;
    dc->max_attempts = (uint8_t)c->max_attempts;
    dc->keys = c->keys.count ? &c->keys : NULL;
}

int simcmd_config_check(const simcmd_config_t *c, const char **why)
{
    sim_device_config_t dc;
    sim_device_layout_t lay;
    simcmd_config_device(c, &dc);
    if (c->write_unit > c->sector_size) {
        *why = "write_unit larger than sector_size";
    } else if (c->nvm_size % c->sector_size != 0) {
        *why = "nvm_size is not a multiple of sector_size";
    } else if (sim_device_layout(&dc, &lay, why) != OTA_OK) {
        /* *why says it */
    } else if ((uint64_t)c->hex_base + c->nvm_size > ((uint64_t)1 << 32)) {
        *why = "hex_base + nvm_size passes the end of the 4 GiB address space";
    } else {
        *why = "";
        return OTA_OK;
    }
    return OTA_ERR_INVALID_ARG;
}

bool simcmd_config_key_fixed(const char *key)
{
    static const char *const fixed[] = { "profile",    "nvm_size",       "sector_size",
                                         "write_unit", "bootctl_offset", "app_offset" };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (strcmp(key, fixed[i]) == 0) {
            return true;
        }
    }
    return false;
}

void simcmd_config_print(const simcmd_config_t *c, FILE *out)
{
    fprintf(out, "profile=%s\n", c->profile);
    fprintf(out, "nvm_size=%" PRIu32 "\n", c->nvm_size);
    fprintf(out, "sector_size=%" PRIu32 "\n", c->sector_size);
    fprintf(out, "write_unit=%" PRIu32 "\n", c->write_unit);
    fprintf(out, "bootctl_offset=0x%08" PRIX32 "\n", c->bootctl_offset);
    fprintf(out, "app_offset=0x%08" PRIX32 "\n", c->app_offset);
    fprintf(out, "store_size=%" PRIu64 "\n", c->store_size);
    fprintf(out, "hex_base=0x%08" PRIX32 "\n", c->hex_base);
    fprintf(out, "seed=%" PRIu64 "\n", c->seed);
    fprintf(out, "max_attempts=%" PRIu32 "\n", c->max_attempts);
    fprintf(out, "max_images=%" PRIu32 "\n", c->max_images);
    fprintf(out, "periodic=%s\n", c->periodic ? "yes" : "no");
    fprintf(out, "interval_s=%" PRIu32 "\n", c->interval_s);
    fprintf(out, "connect_timeout_ms=%" PRIu32 "\n", c->connect_timeout_ms);
    fprintf(out, "idle_timeout_ms=%" PRIu32 "\n", c->idle_timeout_ms);
    fprintf(out, "min_rate=%" PRIu32 "\n", c->min_rate);
    fprintf(out, "rate_window_ms=%" PRIu32 "\n", c->rate_window_ms);
    fprintf(out, "require_tls=%s\n", c->require_tls ? "yes" : "no");
    fprintf(out, "insecure=%s\n", c->insecure ? "yes" : "no");
    fprintf(out, "manifest_url=%s\n", c->manifest_url);
    fprintf(out, "ca_file=%s\n", c->ca_file);
    fputs("keys=", out);
    for (unsigned i = 0; i < c->keys.count && i < OTA_KEYS_MAX; i++) {
        char hex[POINT_HEX_LEN + 1];
        (void)ota_hex_encode(c->keys.point[i], OTA_PUBKEY_LEN, hex);
        fprintf(out, "%s%s", i ? "," : "", hex);
    }
    fprintf(out, "\nhardware_id=%s\n", c->hardware_id);
    fprintf(out, "device_id=%s\n", c->device_id);
}

/* Strip a trailing "\r\n" or "\n". */
static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
}

int simcmd_config_load(const char *dev, simcmd_config_t *c, char *msg, size_t cap)
{
    char path[SIMCMD_PATH_MAX];
    char line[SIMCMD_PATH_MAX + 64];
    unsigned long lineno = 0;

    simcmd_config_defaults(c);
    if (simcmd_path(path, sizeof path, dev, SIMCMD_CONF_FILE) != OTA_OK) {
        snprintf(msg, cap, "%s: path too long", dev);
        return OTA_ERR_TOO_LARGE;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(msg, cap, "%s: not a simulated device (no %s: %s); create one with `sysota sim init %s`", dev,
                 SIMCMD_CONF_FILE, strerror(errno), dev);
        return OTA_ERR_NOT_FOUND;
    }
    int err = OTA_OK;
    const char *why = "";
    while (err == OTA_OK && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        chomp(line);
        if (line[0] == '\0' || line[0] == '#') {
            continue;
        }
        char *eq = strchr(line, '=');
        why = "no '='";
        if (eq != NULL) {
            *eq = '\0';
            err = simcmd_config_set(c, line, eq + 1, &why);
            if (err == OTA_ERR_NOT_FOUND) {
                why = "unknown key";
            }
        } else {
            err = OTA_ERR_CORRUPT;
        }
        if (err != OTA_OK) {
            snprintf(msg, cap, "%s line %lu: %s (%s)", path, lineno, line, why);
            err = OTA_ERR_CORRUPT;
        }
    }
    fclose(f);
    return err;
}

static int simcmd_write_text(const char *path, const char *text, size_t len)
{
    tool_hostfile_out_t out;
    int err = tool_hostfile_begin(&out, path);
    if (err != OTA_OK) {
        return err;
    }
    err = tool_hostfile_write(&out, text, len);
    if (err != OTA_OK) {
        tool_hostfile_abort(&out);
        return err;
    }
    return tool_hostfile_commit(&out);
}

int simcmd_config_save(const char *dev, const simcmd_config_t *c)
{
    char path[SIMCMD_PATH_MAX];
    char *text = NULL;
    size_t len = 0;
    int err = simcmd_path(path, sizeof path, dev, SIMCMD_CONF_FILE);
    if (err != OTA_OK) {
        return err;
    }
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    fprintf(mem, "# sysota simulated device (sysota sim config DEV KEY=VALUE changes it)\n");
    simcmd_config_print(c, mem);
    fclose(mem);
    err = simcmd_write_text(path, text, len);
    free(text);
    return err;
}

int simcmd_device_open(simcmd_device_t *d, const char *cmd, const char *dev, const uint64_t *seed)
{
    char msg[SIMCMD_PATH_MAX + 200];
    memset(d, 0, sizeof *d);
    if (strlen(dev) >= sizeof d->dir) {
        fprintf(stderr, "sysota sim %s: %s: path too long\n", cmd, dev);
        return OTA_ERR_TOO_LARGE;
    }
    strcpy(d->dir, dev);
    const char *why;
    int err = simcmd_config_load(dev, &d->cfg, msg, sizeof msg);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota sim %s: %s\n", cmd, msg);
        return err;
    }
    if (simcmd_config_check(&d->cfg, &why) != OTA_OK) {
        fprintf(stderr, "sysota sim %s: %s/%s: %s\n", cmd, dev, SIMCMD_CONF_FILE, why);
        return OTA_ERR_CORRUPT;
    }
    if (simcmd_path(d->flash_path, sizeof d->flash_path, dev, SIMCMD_FLASH_FILE) != OTA_OK ||
        simcmd_path(d->store_path, sizeof d->store_path, dev, SIMCMD_STORE_DIR) != OTA_OK) {
        fprintf(stderr, "sysota sim %s: %s: path too long\n", cmd, dev);
        return OTA_ERR_TOO_LARGE;
    }
    sim_device_config_t dc;
    simcmd_config_device(&d->cfg, &dc);
    dc.flash_path = d->flash_path;
    dc.store_path = d->store_path;
    if (seed != NULL) {
        dc.seed = *seed;
    }
    err = sim_device_open(&d->dev, &dc);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota sim %s: %s: cannot open the device: %s (%s)\n", cmd, dev, ota_err_name(err),
                ota_err_describe(err));
        return err;
    }
    /* The core's log lines are for --verbose; commands print their own. */
    (void)posix_system_set_log(&d->dev.sys_posix, OTA_LOG_ERROR, "", false, NULL, NULL);
    (void)posix_system_set_device_id(&d->dev.sys_posix, d->cfg.device_id, strlen(d->cfg.device_id));
    return OTA_OK;
}

void simcmd_device_close(simcmd_device_t *d)
{
    (void)sim_device_close(&d->dev);
}

/* ---- last_run ------------------------------------------------------------- */

int simcmd_last_run_save(const char *dev, const simcmd_last_run_t *r)
{
    char path[SIMCMD_PATH_MAX];
    char *text = NULL;
    size_t len = 0;
    int err = simcmd_path(path, sizeof path, dev, SIMCMD_LAST_RUN_FILE);
    if (err != OTA_OK) {
        return err;
    }
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    fprintf(mem, "ops=%" PRIu64 "\nresult=%s\nuntil=%s\nreason=%s\ncut_after=%" PRIu64 "\ncut_mode=%s\n", r->ops,
            r->result, r->until, r->reason, r->cut_after, r->cut_mode);
    fprintf(mem, "boots=%u\nresets=%u\nversion=%" PRIu32 "\n", r->boots, r->resets, r->version);
    fprintf(mem,
            "flash_erases=%" PRIu64 "\nflash_programs=%" PRIu64 "\nflash_bytes_programmed=%" PRIu64
            "\nflash_violations=%" PRIu64 "\n",
            r->flash.erases, r->flash.programs, r->flash.bytes_programmed, r->flash.violations);
    fprintf(mem, "store_mutating_ops=%" PRIu64 "\nstore_bytes_written=%" PRIu64 "\nstore_bytes_read=%" PRIu64 "\n",
            r->store.mutating_ops, r->store.bytes_written, r->store.bytes_read);
    fclose(mem);
    err = simcmd_write_text(path, text, len);
    free(text);
    return err;
}

static void copy_field(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

int simcmd_last_run_load(const char *dev, simcmd_last_run_t *r)
{
    char path[SIMCMD_PATH_MAX];
    char line[512];
    memset(r, 0, sizeof *r);
    int err = simcmd_path(path, sizeof path, dev, SIMCMD_LAST_RUN_FILE);
    if (err != OTA_OK) {
        return err;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return errno == ENOENT ? OTA_OK : OTA_ERR_IO;
    }
    r->present = true;
    while (fgets(line, sizeof line, f) != NULL) {
        chomp(line);
        char *eq = strchr(line, '=');
        if (eq == NULL) {
            continue;
        }
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        uint64_t n = strtoull(v, NULL, 10);
        if (strcmp(k, "ops") == 0) {
            r->ops = n;
        } else if (strcmp(k, "result") == 0) {
            copy_field(r->result, sizeof r->result, v);
        } else if (strcmp(k, "until") == 0) {
            copy_field(r->until, sizeof r->until, v);
        } else if (strcmp(k, "reason") == 0) {
            copy_field(r->reason, sizeof r->reason, v);
        } else if (strcmp(k, "cut_after") == 0) {
            r->cut_after = n;
        } else if (strcmp(k, "cut_mode") == 0) {
            copy_field(r->cut_mode, sizeof r->cut_mode, v);
        } else if (strcmp(k, "boots") == 0) {
            r->boots = (unsigned)n;
        } else if (strcmp(k, "resets") == 0) {
            r->resets = (unsigned)n;
        } else if (strcmp(k, "version") == 0) {
            r->version = (uint32_t)n;
        } else if (strcmp(k, "flash_erases") == 0) {
            r->flash.erases = n;
        } else if (strcmp(k, "flash_programs") == 0) {
            r->flash.programs = n;
        } else if (strcmp(k, "flash_bytes_programmed") == 0) {
            r->flash.bytes_programmed = n;
        } else if (strcmp(k, "flash_violations") == 0) {
            r->flash.violations = n;
        } else if (strcmp(k, "store_mutating_ops") == 0) {
            r->store.mutating_ops = n;
        } else if (strcmp(k, "store_bytes_written") == 0) {
            r->store.bytes_written = n;
        } else if (strcmp(k, "store_bytes_read") == 0) {
            r->store.bytes_read = n;
        }
    }
    fclose(f);
    return OTA_OK;
}

void simcmd_last_run_clear(const char *dev)
{
    char path[SIMCMD_PATH_MAX];
    if (simcmd_path(path, sizeof path, dev, SIMCMD_LAST_RUN_FILE) == OTA_OK) {
        (void)unlink(path);
    }
}

int simcmd_store_clear(const char *dev)
{
    char dir[SIMCMD_PATH_MAX];
    char path[SIMCMD_PATH_MAX * 2];
    int err = simcmd_path(dir, sizeof dir, dev, SIMCMD_STORE_DIR);
    if (err != OTA_OK) {
        return err;
    }
    simcmd_last_run_clear(dev);
    DIR *d = opendir(dir);
    if (d == NULL) {
        return errno == ENOENT ? OTA_OK : OTA_ERR_IO;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0 && errno != ENOENT) {
            err = OTA_ERR_IO;
        }
    }
    closedir(d);
    return err;
}

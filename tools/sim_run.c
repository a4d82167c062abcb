/*
 * `sysota sim run`: power the device on and follow it, reset by reset:
 * the bootloader (ota_boot_run) decides and installs, then the simulated
 * application runs its OTA service, until the --until condition holds or
 * something stops it.
 *
 * Power cuts: every flash erase/program and every mutating store operation
 * of the run is counted in one sequence (the device's shared power object),
 * from the start of the run. --cut-after N cuts the power after operation N
 * (the victim done, not done, or torn: --torn), the run exits 3, and the
 * folder keeps exactly what the power left, so the next `run` boots from
 * it. last_run records the count, so a script can sweep every cut point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ota_codec.h"
#include "sim.h"
#include "sysota_cmd.h"
#include "transport_curl.h"

typedef struct run_opts {
    const char *dev;
    const char *manifest;
    simcmd_until_t until;
    bool check_now;
    uint64_t max_resets;
    uint64_t cut_after;
    sim_cut_mode_t mode;
    bool have_seed;
    uint64_t seed;
    uint64_t timeout_s;
    uint64_t retries;
    bool verbose;
    bool trusted_time;
    uint64_t utc_start; /* the trusted time at power on */
} run_opts_t;

static const char *const until_names[] = { "boot", "idle", "ready", "confirmed" };

static void run_usage(FILE *out)
{
    fprintf(out, "usage: sysota sim run DEV [--manifest URL] [--check-now] [--until EVENT] [--max-resets N]\n"
                 "                          [--retries N] [--cut-after N [--torn MODE]] [--seed S] [--timeout S]\n"
                 "                          [--trusted-time now|TIME] [-v]\n"
                 "\n"
                 "Power the device on: the bootloader runs, then the application and its OTA\n"
                 "service, following resets as the real device would, until EVENT:\n"
                 "  boot       the bootloader handed over and the application started (the\n"
                 "             database brought in line with what the bootloader did)\n"
                 "  idle       an update check finished and nothing is pending (default)\n"
                 "  ready      an update is downloaded, verified and published, before the reset\n"
                 "  confirmed  the running image is confirmed and a check after it found nothing\n"
                 "\n"
                 "  --manifest URL  poll this manifest instead of the configured one\n"
                 "  --check-now     check at once instead of at the periodic timer's first tick\n"
                 "  --max-resets N  give up after N resets (default 10)\n"
                 "  --retries N     live through N failed checks or downloads (default 0: the\n"
                 "                  first ends the run): the service tries again at its next\n"
                 "                  periodic check and resumes a download the network cut\n"
                 "  --cut-after N   cut the power after the N-th flash or store write of this run\n"
                 "                  (flash erase/program and store writes in one count); exit 3\n"
                 "  --torn MODE     what the N-th operation does: skip (not done), whole (done),\n"
                 "                  torn (partly done: the default)\n"
                 "  --seed S        seed of torn bytes and poll jitter (default: the device's)\n"
                 "  --timeout S     give up after S seconds of real time (default 60)\n"
                 "  --trusted-time now|TIME  give the device a trusted clock (a secure RTC) set at\n"
                 "                  power on to the host's clock (now) or to TIME (RFC 3339, e.g.\n"
                 "                  2030-01-01T00:00:00Z), advancing with simulated time: a signed\n"
                 "                  manifest past its Expires is then refused. Without it the device\n"
                 "                  has no trusted time and Expires is not checked\n"
                 "  -v, --verbose   also print the core's log lines\n"
                 "\n"
                 "Exit status: 0 EVENT reached, 1 not reached (the reason is printed), 2 usage,\n"
                 "3 power cut (`sysota sim status DEV` shows the state it left).\n");
}

static int parse_run_opts(int argc, char **argv, run_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->until = SIMCMD_UNTIL_IDLE;
    o->max_resets = 10;
    o->mode = SIM_CUT_TORN;
    o->timeout_s = 60;
    bool have_mode = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            run_usage(stdout);
            return 1;
        } else if (strcmp(a, "--check-now") == 0) {
            o->check_now = true;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->verbose = true;
        } else if (strcmp(a, "--manifest") == 0) {
            if ((o->manifest = simcmd_opt_value("run", argc, argv, &i)) == NULL) {
                return -1;
            }
        } else if (strcmp(a, "--until") == 0) {
            if ((v = simcmd_opt_value("run", argc, argv, &i)) == NULL) {
                return -1;
            }
            size_t k = 0;
            while (k < sizeof until_names / sizeof until_names[0] && strcmp(v, until_names[k]) != 0) {
                k++;
            }
            if (k == sizeof until_names / sizeof until_names[0]) {
                fprintf(stderr, "sysota sim run: --until takes boot, idle, ready or confirmed, not '%s'\n", v);
                return -1;
            }
            o->until = (simcmd_until_t)k;
        } else if (strcmp(a, "--trusted-time") == 0) {
            if ((v = simcmd_opt_value("run", argc, argv, &i)) == NULL) {
                return -1;
            }
            o->trusted_time = true;
            if (strcmp(v, "now") == 0) {
                o->utc_start = (uint64_t)time(NULL);
            } else if (ota_rfc3339_parse(v, strlen(v), &o->utc_start) != OTA_OK) {
                fprintf(stderr,
                        "sysota sim run: --trusted-time takes now or an RFC 3339 time "
                        "(2030-01-01T00:00:00Z), not '%s'\n",
                        v);
                return -1;
            }
        } else if (strcmp(a, "--torn") == 0) {
            if ((v = simcmd_opt_value("run", argc, argv, &i)) == NULL) {
                return -1;
            }
            if (sim_power_mode_parse(v, &o->mode) != OTA_OK) {
                fprintf(stderr, "sysota sim run: --torn takes skip, whole or torn, not '%s'\n", v);
                return -1;
            }
            have_mode = true;
        } else if (strcmp(a, "--max-resets") == 0 || strcmp(a, "--cut-after") == 0 || strcmp(a, "--seed") == 0 ||
                   strcmp(a, "--timeout") == 0 || strcmp(a, "--retries") == 0) {
            if ((v = simcmd_opt_value("run", argc, argv, &i)) == NULL) {
                return -1;
            }
            uint64_t *dst = a[2] == 'm'   ? &o->max_resets
                            : a[2] == 'c' ? &o->cut_after
                            : a[2] == 's' ? &o->seed
                            : a[2] == 'r' ? &o->retries
                                          : &o->timeout_s;
            uint64_t max = a[2] == 's' ? UINT64_MAX : a[2] == 't' ? 86400u : UINT32_MAX;
            if (simcmd_opt_number("run", a, v, max, dst) != OTA_OK) {
                return -1;
            }
            o->have_seed = o->have_seed || a[2] == 's';
        } else if (a[0] != '-' && o->dev == NULL) {
            o->dev = a;
        } else {
            fprintf(stderr, "sysota sim run: unexpected argument '%s'\n", a);
            return -1;
        }
    }
    if (o->dev == NULL) {
        fprintf(stderr, "sysota sim run: DEV is required\n");
        return -1;
    }
    if (have_mode && o->cut_after == 0) {
        fprintf(stderr, "sysota sim run: --torn needs --cut-after N\n");
        return -1;
    }
    if (o->timeout_s == 0) {
        fprintf(stderr, "sysota sim run: --timeout must be at least 1\n");
        return -1;
    }
    return 0;
}

static void log_line(void *arg, ota_log_level_t level, const char *msg, int32_t value, const char *line)
{
    (void)level;
    (void)msg;
    (void)value;
    simcmd_say(arg, "  log: %s", line);
}

/* One line per decision of the bootloader. before: the record it started from. */
static void print_boot(simcmd_printer_t *out, const simcmd_device_t *d, bool had_before,
                       const ota_bootctl_record_t *before, const ota_boot_result_t *res)
{
    unsigned v = (unsigned)res->version;
    unsigned max = d->cfg.max_attempts;
    ota_bootctl_record_t now;
    bool have_now = ota_app_running(&d->dev.boot_cfg, &now) == OTA_OK;

    if (had_before && before->status == OTA_STATUS_UNBOOTED && before->attempts >= max) {
        simcmd_say(out, "boot: v%u was not confirmed within %u boots: disabled (its table entry F0), rolling back",
                   (unsigned)before->version, max);
    }
    if (res->rejected) {
        simcmd_say(out, "boot: %u candidate(s) passed over (failed verification or unreadable)",
                   (unsigned)res->rejected);
    }
    if (res->direct) {
        simcmd_say(out, "boot: v%u confirmed (record F8): direct jump", v);
    } else if (res->installed && res->status == OTA_STATUS_UNBOOTED) {
        simcmd_say(out, "boot: installed v%u (first boot, attempt 1 of %u)", v, max);
    } else if (res->installed) {
        simcmd_say(out, "boot: installed v%u (%s)", v,
                   res->type == OTA_TYPE_FACTORY ? "the factory image" : "confirmed before");
    } else if (res->status == OTA_STATUS_UNBOOTED) {
        simcmd_say(out, "boot: v%u not confirmed yet: attempt %u of %u", v, have_now ? (unsigned)now.attempts : 0u,
                   max);
    } else {
        simcmd_say(out, "boot: program flash already holds v%u (verified): jump", v);
    }
}

typedef struct run_result {
    int exit;
    const char *result;
    char reason[256];
} run_result_t;

static void finish(const run_opts_t *o, simcmd_device_t *d, unsigned boots, unsigned resets, const run_result_t *r)
{
    simcmd_last_run_t lr;
    memset(&lr, 0, sizeof lr);
    lr.present = true;
    lr.ops = sim_power_ops(&d->dev.power);
    snprintf(lr.result, sizeof lr.result, "%s", r->result);
    snprintf(lr.until, sizeof lr.until, "%s", until_names[o->until]);
    snprintf(lr.reason, sizeof lr.reason, "%s", r->reason);
    lr.cut_after = o->cut_after;
    snprintf(lr.cut_mode, sizeof lr.cut_mode, "%s", o->cut_after ? sim_power_mode_name(o->mode) : "");
    lr.boots = boots;
    lr.resets = resets;
    (void)sim_nor_counters(&d->dev.nor, &lr.flash);
    (void)sim_store_counters(&d->dev.store_sim, &lr.store);
    /* Only to read the record for the report: nothing is written any more. */
    (void)sim_power_reboot(&d->dev.power);
    ota_bootctl_record_t rec;
    if (ota_app_running(&d->dev.boot_cfg, &rec) == OTA_OK) {
        lr.version = rec.version;
    }
    if (simcmd_last_run_save(o->dev, &lr) != OTA_OK) {
        fprintf(stderr, "sysota sim run: warning: cannot write %s/%s\n", o->dev, SIMCMD_LAST_RUN_FILE);
    }
}

static void power_cut(run_result_t *r, const simcmd_device_t *d, simcmd_printer_t *out)
{
    unsigned long long op = (unsigned long long)sim_power_cut_op(&d->dev.power);
    simcmd_say(out, "power cut after operation %llu", op);
    r->exit = SYSOTA_EXIT_POWER_CUT;
    r->result = "cut";
    snprintf(r->reason, sizeof r->reason, "power cut after operation %llu", op);
}

static void run_device(const run_opts_t *o, simcmd_device_t *d, const ota_transport_t *tp, simcmd_printer_t *out,
                       unsigned *boots, unsigned *resets, run_result_t *r)
{
    ota_boot_t *boot = calloc(1, sizeof *boot);
    simcmd_app_t app;
    memset(&app, 0, sizeof app);
    app.d = d;
    app.out = out;
    app.transport = tp;
    app.manifest_url = o->manifest != NULL ? o->manifest : d->cfg.manifest_url;
    app.until = o->until;
    app.check_now = o->check_now;
    app.retries = (uint32_t)o->retries;
    app.deadline_ms = simcmd_now_ms() + o->timeout_s * 1000u;
    r->exit = SYSOTA_EXIT_INPUT;
    r->result = "failed";
    if (boot == NULL) {
        snprintf(r->reason, sizeof r->reason, "out of memory");
        return;
    }
    simcmd_say(out, "power on");
    for (;;) {
        ota_bootctl_record_t before;
        ota_boot_result_t res;
        (*boots)++;
        bool had_before = ota_app_running(&d->dev.boot_cfg, &before) == OTA_OK;
        int err = ota_boot_run(boot, &d->dev.boot_cfg, &res);
        if (sim_power_is_on(&d->dev.power) != 1) {
            power_cut(r, d, out);
            break;
        }
        if (err == OTA_ERR_NO_IMAGE) {
            simcmd_say(out, "boot: no valid image anywhere: the device halts");
            snprintf(r->reason, sizeof r->reason, "the bootloader found no valid image and halted");
            break;
        }
        if (err != OTA_OK) {
            snprintf(r->reason, sizeof r->reason, "the bootloader failed: %s (%s)", ota_err_name(err),
                     ota_err_describe(err));
            break;
        }
        print_boot(out, d, had_before, &before, &res);
        /* --until boot: the device is up once its application has started
         * (which brings the database in line with what the bootloader did). */
        simcmd_app_end_t end =
            o->until == SIMCMD_UNTIL_BOOT ? simcmd_app_start(&app, &res) : simcmd_app_run(&app, &res);
        if (end == SIMCMD_APP_CUT) {
            power_cut(r, d, out);
            break;
        }
        if (end == SIMCMD_APP_MET) {
            r->exit = SYSOTA_EXIT_OK;
            r->result = "ok";
            break;
        }
        if (end == SIMCMD_APP_FAILED || end == SIMCMD_APP_TIMEOUT) {
            snprintf(r->reason, sizeof r->reason, "%s", app.why);
            break;
        }
        /* A reset (requested, or the watchdog's): the power stays on, so
         * the armed cut and the operation count go on into the next boot. */
        (void)posix_system_take_reset(&d->dev.sys_posix);
        (*resets)++;
        if (*resets > o->max_resets) {
            snprintf(r->reason, sizeof r->reason, "more than %llu resets (--max-resets)",
                     (unsigned long long)o->max_resets);
            break;
        }
        simcmd_say(out, "reset");
    }
    free(boot);
}

int simcmd_cmd_run(int argc, char **argv)
{
    run_opts_t o;
    int rc = parse_run_opts(argc, argv, &o);
    if (rc != 0) {
        if (rc < 0) {
            run_usage(stderr);
        }
        return rc > 0 ? SYSOTA_EXIT_OK : SYSOTA_EXIT_USAGE;
    }
    simcmd_device_t *d = calloc(1, sizeof *d);
    if (d == NULL) {
        fprintf(stderr, "sysota sim run: out of memory\n");
        return SYSOTA_EXIT_INPUT;
    }
    if (simcmd_device_open(d, "run", o.dev, o.have_seed ? &o.seed : NULL) != OTA_OK) {
        free(d);
        return SYSOTA_EXIT_INPUT;
    }
    simcmd_printer_t out;
    simcmd_printer_init(&out);
    simcmd_printer_attach(&out, d);
    if (o.verbose) {
        (void)posix_system_set_log(&d->dev.sys_posix, OTA_LOG_DEBUG, "", false, log_line, &out);
    }
    (void)posix_system_fake_clock(&d->dev.sys_posix, 0);
    if (o.trusted_time) {
        (void)sim_device_trusted_time(&d->dev, o.utc_start);
    }
    (void)sim_power_reset_count(&d->dev.power);
    if (o.cut_after) {
        (void)sim_power_arm(&d->dev.power, o.cut_after, o.mode);
    }
    (void)sim_nor_reset_counters(&d->dev.nor);
    (void)sim_store_reset_counters(&d->dev.store_sim);

    posix_transport_curl_t *curl = calloc(1, sizeof *curl);
    ota_transport_t tp;
    run_result_t r;
    unsigned boots = 0, resets = 0;
    memset(&r, 0, sizeof r);
    if (curl == NULL || posix_transport_curl_init(curl, NULL, &tp) != OTA_OK) {
        fprintf(stderr, "sysota sim run: the HTTP transport did not start\n");
        simcmd_device_close(d);
        free(curl);
        free(d);
        return SYSOTA_EXIT_INPUT;
    }
    run_device(&o, d, &tp, &out, &boots, &resets, &r);
    unsigned long long ops = (unsigned long long)sim_power_ops(&d->dev.power);
    finish(&o, d, boots, resets, &r);
    if (r.exit == SYSOTA_EXIT_OK) {
        simcmd_say(&out, "run: %s reached (%u boot%s, %u reset%s, %llu flash/store writes)", until_names[o.until],
                   boots, boots == 1 ? "" : "s", resets, resets == 1 ? "" : "s", ops);
    } else if (r.exit == SYSOTA_EXIT_POWER_CUT) {
        simcmd_say(&out, "run: the device stays as the power left it; the next run boots from there");
    } else {
        simcmd_say(&out, "run: %s not reached: %s", until_names[o.until], r.reason);
        if (!out.tty) {
            fprintf(stderr, "sysota sim run: %s not reached: %s\n", until_names[o.until], r.reason);
        }
    }
    posix_transport_curl_deinit(curl);
    free(curl);
    simcmd_device_close(d);
    free(d);
    return r.exit;
}

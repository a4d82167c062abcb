/*
 * `sysota sim`: a simulated device in a folder. This file dispatches to the
 * subcommands (tools/sim_*.c) and holds the option helpers they share.
 */
#include <stdio.h>
#include <string.h>

#include "tool_cliarg.h"
#include "sim.h"
#include "sysota_cmd.h"

struct simcmd_subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct simcmd_subcommand simcmd_subcommands[] = {
    { "init", simcmd_cmd_init, "create a device folder (internal flash + external store)" },
    { "config", simcmd_cmd_config, "show or change a device's configuration" },
    { "keys", simcmd_cmd_keys, "show or change the public keys a device trusts (signed updates)" },
    { "flash", simcmd_cmd_flash, "program a factory image as an external programmer would" },
    { "run", simcmd_cmd_run, "power on: bootloader, then the application and its OTA service" },
    { "status", simcmd_cmd_status, "running image, database, store, counters of the last run" },
    { "mkimage", simcmd_cmd_mkimage, "make a simulated application image (.hex or .bin)" },
};

static void simcmd_usage(FILE *out)
{
    fprintf(out, "usage: sysota sim <command> DEV [options]   (sysota sim <command> --help)\n\n"
                 "A simulated device kept in the folder DEV: NOR internal flash (boot control\n"
                 "sector + application region), an external store, and the real bootloader\n"
                 "and OTA service of sysota running on them.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof simcmd_subcommands / sizeof simcmd_subcommands[0]; i++) {
        fprintf(out, "  %-8s %s\n", simcmd_subcommands[i].name, simcmd_subcommands[i].summary);
    }
    fprintf(out, "\nExit status: 0 ok, 1 failed or bad input, 2 usage, 3 simulated power cut.\n");
}

int sysota_cmd_sim(int argc, char **argv)
{
    if (argc < 2) {
        simcmd_usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        simcmd_usage(stdout);
        return SYSOTA_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof simcmd_subcommands / sizeof simcmd_subcommands[0]; i++) {
        if (strcmp(argv[1], simcmd_subcommands[i].name) == 0) {
            return simcmd_subcommands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "sysota sim: unknown command '%s'\n", argv[1]);
    simcmd_usage(stderr);
    return SYSOTA_EXIT_USAGE;
}

int simcmd_opt_number(const char *cmd, const char *opt, const char *val, uint64_t max, uint64_t *out)
{
    int err = tool_cliarg_number(val, max, out);
    if (err == OTA_ERR_RANGE) {
        fprintf(stderr, "sysota sim %s: %s %s: at most %llu\n", cmd, opt, val, (unsigned long long)max);
    } else if (err != OTA_OK) {
        fprintf(stderr, "sysota sim %s: %s needs a number (0x.. hex, decimal, K/M suffix), not '%s'\n", cmd, opt, val);
    }
    return err;
}

const char *simcmd_opt_value(const char *cmd, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "sysota sim %s: %s needs a value\n", cmd, argv[*i]);
        return NULL;
    }
    (*i)++;
    return argv[*i];
}

/* The `sysota` command: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "sysota_cmd.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    { "hex2bin", sysota_cmd_hex2bin, "convert Intel HEX to a binary image and print its SHA-256" },
    { "merge", sysota_cmd_merge, "merge Intel HEX files (bootloader + application) into one factory image" },
    { "manifest", sysota_cmd_manifest, "create, update, sign and check an OTA manifest" },
    { "key", sysota_cmd_key, "make a signing key; its public key as PEM or as a C array for a device" },
    { "delta", sysota_cmd_delta, "make a delta patch (VCDIFF, by xdelta3), or apply one with the device's decoder" },
    { "sim", sysota_cmd_sim, "a simulated device: init, flash, run, status, mkimage" },
};

static void usage(FILE *out)
{
    fprintf(out, "usage: sysota <command> [args]   (sysota <command> --help for details)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        fprintf(out, "  %-9s %s\n", subcommands[i].name, subcommands[i].summary);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return SYSOTA_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0) {
            return subcommands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "sysota: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return SYSOTA_EXIT_USAGE;
}

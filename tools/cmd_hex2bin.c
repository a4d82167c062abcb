/* Placeholder until the 'hex2bin' subcommand lands; replaced by its implementation. */
#include <stdio.h>

#include "sysota_cmd.h"

int sysota_cmd_hex2bin(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "sysota %s: not built yet\n", argv[0]);
    return SYSOTA_EXIT_USAGE;
}

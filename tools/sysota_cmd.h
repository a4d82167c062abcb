/*
 * The `sysota` host command: one function per subcommand, each in
 * tools/cmd_<name>.c. Exit codes: 0 ok, 1 bad input, 2 usage (3: the sim's
 * simulated power cut).
 */
#ifndef SYSOTA_TOOLS_CMD_H
#define SYSOTA_TOOLS_CMD_H

#define SYSOTA_EXIT_OK 0
#define SYSOTA_EXIT_INPUT 1
#define SYSOTA_EXIT_USAGE 2
#define SYSOTA_EXIT_POWER_CUT 3

/* argv[0] is the subcommand's name; argv[argc] is NULL. */
int sysota_cmd_hex2bin(int argc, char **argv);
int sysota_cmd_merge(int argc, char **argv);
int sysota_cmd_manifest(int argc, char **argv);
int sysota_cmd_key(int argc, char **argv);
int sysota_cmd_sim(int argc, char **argv);
int sysota_cmd_delta(int argc, char **argv);

/* Shared by `delta make` and `manifest add --patch-from` (cmd_delta.c). */
#include <stddef.h>
#include <stdint.h>

#include "ota_delta.h"

/* Why neither makes a JojoDiff patch, and where to get one. */
#define SYSOTA_NO_JOJO_ENCODER                                                                            \
    "no JojoDiff encoder is packaged (Debian has none); make the patch with JojoDiff's own jdiff 0.8.5\n" \
    "  (jojodiff.sourceforge.net): jdiff -j OLD NEW PATCH\n"                                              \
    "  and check it with `sysota delta apply OLD PATCH -o NEW.check` (devices apply both formats)"

/* "vcdiff" or "jojodiff". */
const char *sysota_delta_format_name(ota_delta_format_t format);

/*
 * Apply patch to base with the device's decoder; it must rebuild image
 * exactly. SYSOTA_EXIT_OK, or SYSOTA_EXIT_INPUT having said why (cmd leads
 * the message).
 */
int sysota_delta_check(const char *cmd, ota_delta_format_t format, const uint8_t *base, size_t base_len,
                       const uint8_t *patch, size_t patch_len, const uint8_t *image, size_t image_len);

#endif

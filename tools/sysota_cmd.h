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

#endif

/*
 * Arm semihosting: the calls a program makes to its debugger (here QEMU,
 * run with -semihosting-config enable=on,target=native) through the
 * instruction bkpt 0xAB. On this board it stands for what a product does
 * over its UART (the console) and its SPI flash (the files), and it is how
 * a program ends QEMU with an exit status. Every program of the board and
 * of the target build (bootloader, application, core tests) goes through
 * this one module.
 *
 * Files are host files, named relative to QEMU's working directory.
 */
#ifndef MPS2_SEMIHOST_H
#define MPS2_SEMIHOST_H

#include <stdint.h>

/* Open modes (the semihosting ISO C fopen modes, binary). */
#define SEMIHOST_RB 1u  /* read an existing file */
#define SEMIHOST_RPB 3u /* read and write an existing file */
#define SEMIHOST_WB 5u  /* create or truncate, write */
#define SEMIHOST_AB 9u  /* create or append */

/** Print a NUL-terminated string on the host's console. */
void semihost_puts(const char *s);

/** Print len bytes on the host's console. */
void semihost_print(const char *s, uint32_t len);

/** Print a signed number in decimal (no printf in the firmware). */
void semihost_print_int(int32_t v);

/** Print a number in hexadecimal, "0x" and 8 digits. */
void semihost_print_hex(uint32_t v);

/** Open a host file; a handle >= 0 or -1. */
int semihost_open(const char *path, unsigned mode);

/** Close a handle: 0 or -1. */
int semihost_close(int fh);

/** Read up to len bytes: the count read (0 at the end), or -1. */
int32_t semihost_read(int fh, void *buf, uint32_t len);

/** Write all len bytes: 0, or -1. */
int semihost_write(int fh, const void *buf, uint32_t len);

/** Move to byte pos from the start: 0 or -1. */
int semihost_seek(int fh, uint32_t pos);

/** The file's length, or -1. */
int32_t semihost_flen(int fh);

/** Remove a host file: 0 or -1 (also when it did not exist). */
int semihost_remove(const char *path);

/** Rename a host file, replacing to (the host's rename(2): atomic): 0 or -1. */
int semihost_rename(const char *from, const char *to);

/**
 * The command line QEMU was given (-semihosting-config ...,arg=A,arg=B: "A B"),
 * NUL-terminated in buf: 0, or -1 (none, or longer than cap).
 */
int semihost_cmdline(char *buf, uint32_t cap);

/** End the program: QEMU exits with status code. */
__attribute__((noreturn)) void semihost_exit(uint32_t code);

#endif /* MPS2_SEMIHOST_H */

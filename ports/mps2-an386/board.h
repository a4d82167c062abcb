/*
 * The mps2-an386 board as QEMU emulates it (a Cortex-M4 with 4 MiB of code
 * memory at 0x00000000 and 4 MiB of RAM at 0x20000000), and what sysota's
 * programs need from it: the memory map, the exit statuses a run ends with,
 * a millisecond tick, a free-running counter, the watchdog, the hand-over
 * from the bootloader to the application, and stack painting.
 *
 * On a real chip the same calls are a few lines over its BSP; what is
 * QEMU's here (a "reset" that ends the run, semihosting) says so.
 */
#ifndef MPS2_BOARD_H
#define MPS2_BOARD_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Internal flash: the first MPS2_FLASH_SIZE bytes of code memory, which a
 * host file (MPS2_FLASH_FILE) holds across runs: QEMU loads it at address 0
 * when it starts, and the flash port writes every erase and program through
 * to it. Offsets of the flash port are code memory addresses.
 *
 *   0x00000000 .. 0x0000FFFF  bootloader (its vector table at 0: the reset vector)
 *   0x00010000 .. 0x00011FFF  boot control area (two 4 KiB sectors)
 *   0x00012000 .. 0x000FFFFF  application region (its vector table first)
 *
 * The linker scripts (boot.ld, app.ld) name the same regions.
 */
#define MPS2_FLASH_SIZE 0x00100000u
#define MPS2_FLASH_SECTOR 0x1000u
#define MPS2_FLASH_WRITE_UNIT 8u
#define MPS2_BOOT_ADDR 0x00000000u
#define MPS2_BOOT_SIZE 0x00010000u
#define MPS2_BOOTCTL_ADDR 0x00010000u
#define MPS2_BOOTCTL_SIZE 0x00002000u
#define MPS2_APP_ADDR 0x00012000u
#define MPS2_APP_SIZE (MPS2_FLASH_SIZE - MPS2_APP_ADDR)

/** The memory map as sysota's ota_layout_t (shared by bootloader and application). */
#define MPS2_LAYOUT                                                                                      \
    {                                                                                                    \
        .bootctl_addr = MPS2_BOOTCTL_ADDR, .bootctl_size = MPS2_BOOTCTL_SIZE, .app_addr = MPS2_APP_ADDR, \
        .app_size = MPS2_APP_SIZE                                                                        \
    }

/** Host files, relative to QEMU's working directory (the device's folder). */
#define MPS2_FLASH_FILE "flash.bin"
#define MPS2_STORE_DIR "store"
#define MPS2_SERVER_DIR "www"

/*
 * How a run ends: QEMU's exit status. The runner (target/run-qemu.sh)
 * restarts QEMU for the statuses that stand for a reset.
 */
#define MPS2_EXIT_OK 0u         /* the program finished what it was asked to do */
#define MPS2_EXIT_FAILED 1u     /* it finished and reports a failure (a test failed) */
#define MPS2_EXIT_RESET 64u     /* software reset (the system port's reset()): power on again */
#define MPS2_EXIT_WATCHDOG 65u  /* the watchdog expired: power on again */
#define MPS2_EXIT_POWER_CUT 66u /* the power-cut hook stopped the board after operation N */
#define MPS2_EXIT_HALT 67u      /* the bootloader found no verified image: halted */
#define MPS2_EXIT_FAULT 70u     /* a CPU fault (HardFault, BusFault, ...) */

/*
 * The hand-over area: the first 256 bytes of RAM, which neither program's
 * start-up code clears, so the bootloader can leave figures for the
 * application in the same power-on (QEMU starts with RAM zeroed; the
 * magic tells a hand-over from that).
 */
#define MPS2_HANDOFF_MAGIC 0x4F544131u /* "OTA1" */
typedef struct mps2_handoff {
    uint32_t magic;
    uint32_t boot_counter; /* the free-running counter just before the jump */
    uint32_t boot_stack;   /* the bootloader's stack high-water mark, bytes */
    uint32_t boot_stack_size;
    uint32_t ops;          /* mutating flash and store operations so far in this power-on */
    uint32_t cut_after;    /* stop the board after this operation (0: never) */
    int32_t boot_result;   /* ota_boot_run's return */
    uint32_t boot_version; /* the version it handed over */
} mps2_handoff_t;

extern mps2_handoff_t mps2_handoff; /* at the start of RAM (the linker scripts' .handoff) */

/** Start the millisecond tick (SysTick) and the free-running counter. */
void mps2_tick_start(void);

/** Milliseconds since mps2_tick_start(); wraps at 2^32. */
uint32_t mps2_millis(void);

/**
 * The free-running 25 MHz counter of the board's FPGA block since power-on.
 * Under QEMU with -icount shift=0 a count is 40 instructions.
 */
uint32_t mps2_counter(void);

/** Start the watchdog: it must be fed within ms milliseconds, or the run ends with MPS2_EXIT_WATCHDOG. */
void mps2_watchdog_start(uint32_t ms);

/** Feed the watchdog. */
void mps2_watchdog_feed(void);

/**
 * Hand over to the program whose vector table is at addr: vector table
 * offset (VTOR), main stack pointer, then its reset handler. Never returns.
 */
__attribute__((noreturn)) void mps2_jump(uint32_t addr);

/** The stack's size and its high-water mark, in bytes (painted at reset, scanned now). */
uint32_t mps2_stack_size(void);
uint32_t mps2_stack_used(void);

/**
 * The value of "key=N" on QEMU's semihosting command line (-semihosting-config
 * ...,arg=key=N), or def when absent.
 */
uint32_t mps2_arg(const char *key, uint32_t def);

/** True when the word appears alone on the command line. */
bool mps2_flag(const char *word);

/** End the run with status (see MPS2_EXIT_*). */
__attribute__((noreturn)) void mps2_exit(uint32_t status);

/** Count one mutating flash or store operation: the power-cut hook (ends the run after operation cut=N). */
void mps2_power_op(void);

#endif /* MPS2_BOARD_H */

/*
 * The board's bootloader, at the reset vector: ota_boot_run() decides what
 * runs (the confirmed image straight away; or it verifies, installs and
 * verifies again the newest stored image; or rolls back one that never
 * confirmed), then the hand-over: the watchdog started, the vector table
 * offset and stack pointer set from the application's vector table, a jump
 * to its reset handler. With no verified image it halts: it never runs code
 * it has not verified.
 *
 * For `make bench` it leaves in the hand-over area the free-running
 * counter at the jump (instructions from reset, under QEMU's -icount) and
 * its stack's high-water mark, and prints the latter.
 */
#include "board.h"
#include "device.h"
#include "semihost.h"

/* Static, not on the stack: the copy buffer and the image database. */
static ota_boot_t boot;

int main(void)
{
    ota_boot_config_t cfg;
    ota_boot_result_t res;

    mps2_handoff = (mps2_handoff_t){ .magic = MPS2_HANDOFF_MAGIC, .cut_after = mps2_arg("cut", 0) };
    mps2_device_config(&cfg, "");
    int err = ota_boot_run(&boot, &cfg, &res);
    mps2_handoff.boot_result = err;
    if (err != OTA_OK) {
        semihost_puts("boot: no verified image to run, halted (");
        semihost_puts(ota_err_name(err));
        semihost_puts(")\n");
        return (int)MPS2_EXIT_HALT;
    }
    mps2_handoff.boot_version = res.version;
    mps2_handoff.boot_stack = mps2_stack_used();
    mps2_handoff.boot_stack_size = mps2_stack_size();
    semihost_puts("boot: jump to v");
    semihost_print_int((int32_t)res.version);
    semihost_puts(res.installed ? " (installed this boot)" : res.direct ? " (direct)" : "");
    semihost_puts(res.status == OTA_STATUS_UNBOOTED ? ", not confirmed yet\n" : "\n");
    mps2_watchdog_start(MPS2_WATCHDOG_MS);
    mps2_handoff.boot_counter = mps2_counter();
    mps2_jump(res.boot_addr);
}

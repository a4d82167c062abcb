/*
 * The "bootloader alone" footprint image: reset -> ota_boot_run() on the
 * stub ports -> jump to the application, or halt when there is no valid
 * image. Nothing else is linked. Built with FOOTPRINT_ECDSA it is the
 * signed bootloader: provisioned with one key, it installs a stored image
 * only when the image's signature verifies (stub_ecdsa.c).
 */
#include <stdint.h>

#include "ports/stub_ports.h"
#include "sysota/ota_boot.h"
#if defined(FOOTPRINT_ECDSA)
#include "ecdsa_vector.h"
#include "sysota/ota_security.h"
#endif

/* Static, not on the stack: the bootloader's RAM is part of the figure. */
static ota_boot_t boot;

static void jump(uint32_t addr)
{
    const volatile uint32_t *vec = (const volatile uint32_t *)(uintptr_t)(STUB_FLASH_BASE + addr);
    uint32_t sp = vec[0], pc = vec[1];
    /* The application's vector table, stack, and reset handler. */
    *(volatile uint32_t *)0xE000ED08u = STUB_FLASH_BASE + addr; /* SCB->VTOR */
    __asm volatile("msr msp, %0\n\tbx %1" : : "r"(sp), "r"(pc) : "memory");
}

#if defined(FOOTPRINT_ECDSA)
/* The provisioned key, in flash as a product keeps it. */
static const ota_keys_t keys = { .count = 1, .point = { FP_VECTOR_KEY_INIT } };
#endif

int main(void)
{
    static const ota_boot_config_t cfg = {
        .flash = &stub_flash,
        .store = &stub_store,
        .crypto = &stub_crypto,
        .sys = &stub_system,
#if defined(FOOTPRINT_ECDSA)
        .keys = &keys,
#endif
        .layout = { .bootctl_addr = STUB_BOOTCTL_ADDR, .app_addr = STUB_APP_ADDR, .app_size = STUB_APP_SIZE },
    };
    ota_boot_result_t res;
    if (ota_boot_run(&boot, &cfg, &res) == OTA_OK) {
        jump(res.boot_addr);
    }
    /* No verified image anywhere: halt rather than run garbage. */
    for (;;) {
    }
}

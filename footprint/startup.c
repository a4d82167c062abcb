/*
 * Minimal Cortex-M4 start-up for the footprint images: vector table, .data
 * copy, .bss clear, main(). Just enough to make a linkable image whose size
 * is the code's; no clock or peripheral set-up.
 */
#include <stdint.h>
#include <string.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

int main(void);
void Reset_Handler(void);
void Default_Handler(void);

void Reset_Handler(void)
{
    memcpy(&_sdata, &_sidata, (size_t)((uintptr_t)&_edata - (uintptr_t)&_sdata));
    memset(&_sbss, 0, (size_t)((uintptr_t)&_ebss - (uintptr_t)&_sbss));
    (void)main();
    for (;;) {
    }
}

void Default_Handler(void)
{
    /* A fault in a bootloader has nowhere to go: wait for the watchdog. */
    for (;;) {
    }
}

typedef void (*vector_t)(void);

/* Initial stack pointer, then reset, NMI, HardFault, MemManage, BusFault,
 * UsageFault; the rest of the table is not needed to link. */
__attribute__((section(".isr_vector"), used)) static const vector_t vectors[7] = {
    (vector_t)(uintptr_t)&_estack,
    Reset_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
};

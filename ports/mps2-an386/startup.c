/*
 * Start-up of every program on the board: the vector table, the reset
 * handler (stack paint, .data copy, .bss clear, main) and the fault
 * handlers, which end the run with a status of their own instead of
 * looping (a loop would leave QEMU running until the runner's timeout).
 */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "semihost.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start__[], __bss_end__[], __stack_top[];

int main(void);
void Reset_Handler(void);
void NMI_Handler(void);
void Fault_Handler(void);
void SysTick_Handler(void);
void mps2_stack_paint(void);

__attribute__((section(".handoff"))) mps2_handoff_t mps2_handoff;

void Reset_Handler(void)
{
    mps2_stack_paint();
    memcpy(__data_start, __data_load, (size_t)((uintptr_t)__data_end - (uintptr_t)__data_start));
    memset(__bss_start__, 0, (size_t)((uintptr_t)__bss_end__ - (uintptr_t)__bss_start__));
    mps2_exit((uint32_t)main());
}

/* The board's watchdog raises the NMI at its first time-out: the reset it
 * announces is what ends this run. */
void NMI_Handler(void)
{
    semihost_puts("watchdog: expired\n");
    mps2_exit(MPS2_EXIT_WATCHDOG);
}

/* Every fault and every interrupt nobody enabled: say which and where
 * (frame: the registers the exception pushed; its 7th word is the PC). */
void mps2_fault_report(const uint32_t *frame);
void mps2_fault_report(const uint32_t *frame)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    semihost_puts("fault: exception ");
    semihost_print_int((int32_t)(ipsr & 0x1FFu));
    semihost_puts(" at pc ");
    semihost_print_hex(frame[6]);
    semihost_puts(", CFSR ");
    semihost_print_hex(*(volatile uint32_t *)0xE000ED28u);
    semihost_puts("\n");
    mps2_exit(MPS2_EXIT_FAULT);
}

/* Naked: the stack the exception pushed its frame on, before any push of ours. */
__attribute__((naked)) void Fault_Handler(void)
{
    __asm__ volatile("tst lr, #4\n\t"
                     "ite eq\n\t"
                     "mrseq r0, msp\n\t"
                     "mrsne r0, psp\n\t"
                     "b mps2_fault_report\n\t");
}

typedef void (*vector_t)(void);

/* The 16 system exceptions and the board's 32 interrupts. */
__attribute__((section(".isr_vector"), used)) const vector_t mps2_vectors[48] = {
    [0] = (vector_t)(uintptr_t)__stack_top,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = Fault_Handler,  /* HardFault */
    [4] = Fault_Handler,  /* MemManage */
    [5] = Fault_Handler,  /* BusFault */
    [6] = Fault_Handler,  /* UsageFault */
    [11] = Fault_Handler, /* SVCall */
    [12] = Fault_Handler, /* DebugMonitor */
    [14] = Fault_Handler, /* PendSV */
    [15] = SysTick_Handler,
    [16 ... 47] = Fault_Handler,
};

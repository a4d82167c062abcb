/*
 * The board's few services (see board.h): SysTick, the FPGA counter, the
 * CMSDK watchdog, the jump, stack painting and the command line.
 */
#include "board.h"

#include <string.h>

#include "semihost.h"

/* Cortex-M4 system registers. */
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)

/* The FPGA block's free-running counter (sysclk, 25 MHz). */
#define FPGAIO_COUNTER (*(volatile uint32_t *)0x40028018u)

/* CMSDK APB watchdog (sysclk): its first time-out raises the NMI. */
#define WDOG_LOAD (*(volatile uint32_t *)0x40008000u)
#define WDOG_CTRL (*(volatile uint32_t *)0x40008008u)
#define WDOG_INTCLR (*(volatile uint32_t *)0x4000800Cu)
#define WDOG_LOCK (*(volatile uint32_t *)0x40008C00u)
#define WDOG_UNLOCK 0x1ACCE551u

#define SYSCLK_HZ 25000000u

static volatile uint32_t ticks;
static uint32_t wdog_load;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    ticks++;
}

void mps2_tick_start(void)
{
    SYST_RVR = SYSCLK_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

uint32_t mps2_millis(void)
{
    return ticks;
}

uint32_t mps2_counter(void)
{
    return FPGAIO_COUNTER;
}

void mps2_watchdog_start(uint32_t ms)
{
    wdog_load = ms * (SYSCLK_HZ / 1000u);
    WDOG_LOCK = WDOG_UNLOCK;
    WDOG_LOAD = wdog_load;
    WDOG_CTRL = 1u; /* interrupt (the NMI) at the first time-out */
    WDOG_LOCK = 0;
}

void mps2_watchdog_feed(void)
{
    if (wdog_load != 0u) {
        WDOG_LOCK = WDOG_UNLOCK;
        WDOG_LOAD = wdog_load; /* writing LOAD restarts the count */
        WDOG_LOCK = 0;
    }
}

void mps2_jump(uint32_t addr)
{
    const volatile uint32_t *vec = (const volatile uint32_t *)(uintptr_t)addr;
    uint32_t sp = vec[0];
    uint32_t pc = vec[1];
    SYST_CSR = 0; /* the application starts its own tick */
    SCB_VTOR = addr;
    __asm__ volatile("dsb\n\tisb\n\tmsr msp, %0\n\tbx %1" : : "r"(sp), "r"(pc) : "memory");
    __builtin_unreachable();
}

/* ---- stack painting ------------------------------------------------------- */

/* From the linker script: the stack is [__stack_bottom, __stack_top). */
extern uint32_t __stack_bottom[], __stack_top[];

#define STACK_PAINT 0xC0FFEE5Au

/* Called first thing by the reset handler: every word below the current
 * frame gets the paint, so the lowest word that lost it is the deepest the
 * stack ever went. */
void mps2_stack_paint(void);
void mps2_stack_paint(void)
{
    uint32_t here;
    __asm__ volatile("mov %0, sp" : "=r"(here));
    for (uint32_t *p = __stack_bottom; (uintptr_t)p < here - 64u; p++) {
        *p = STACK_PAINT;
    }
}

uint32_t mps2_stack_size(void)
{
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_bottom);
}

uint32_t mps2_stack_used(void)
{
    const uint32_t *p = __stack_bottom;
    while (p < __stack_top && *p == STACK_PAINT) {
        p++;
    }
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

/* ---- command line ---------------------------------------------------------- */

static const char *cmdline(void)
{
    static char line[256];
    static bool read;
    if (!read) {
        read = true;
        if (semihost_cmdline(line, sizeof line) != 0) {
            line[0] = '\0';
        }
    }
    return line;
}

/* The word of the command line starting with prefix (of n bytes), or NULL. */
static const char *word(const char *prefix, size_t n, bool whole)
{
    const char *p = cmdline();
    while (*p != '\0') {
        while (*p == ' ') {
            p++;
        }
        size_t len = strcspn(p, " ");
        if (len >= n && memcmp(p, prefix, n) == 0 && (!whole || len == n)) {
            return p + n;
        }
        p += len;
    }
    return NULL;
}

uint32_t mps2_arg(const char *key, uint32_t def)
{
    char prefix[32];
    size_t n = strlen(key);
    if (n + 2u > sizeof prefix) {
        return def;
    }
    memcpy(prefix, key, n);
    prefix[n] = '=';
    const char *v = word(prefix, n + 1u, false);
    if (v == NULL || *v < '0' || *v > '9') {
        return def;
    }
    uint32_t x = 0;
    while (*v >= '0' && *v <= '9') {
        x = x * 10u + (uint32_t)(*v++ - '0');
    }
    return x;
}

bool mps2_flag(const char *w)
{
    return word(w, strlen(w), true) != NULL;
}

void mps2_exit(uint32_t status)
{
    semihost_exit(status);
}

void mps2_power_op(void)
{
    mps2_handoff.ops++;
    if (mps2_handoff.cut_after != 0u && mps2_handoff.ops == mps2_handoff.cut_after) {
        semihost_puts("power cut after operation ");
        semihost_print_int((int32_t)mps2_handoff.ops);
        semihost_puts("\n");
        mps2_exit(MPS2_EXIT_POWER_CUT);
    }
}

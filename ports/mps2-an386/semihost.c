/*
 * Arm semihosting through bkpt 0xAB (see semihost.h). Each call passes an
 * operation number in r0 and a pointer to its argument block in r1; the
 * result comes back in r0.
 */
#include "semihost.h"

#include <string.h>

enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_SEEK = 0x0A,
    SYS_FLEN = 0x0C,
    SYS_REMOVE = 0x0E,
    SYS_RENAME = 0x0F,
    SYS_GET_CMDLINE = 0x15,
    SYS_EXIT_EXTENDED = 0x20,
};

/* ADP_Stopped_ApplicationExit: with SYS_EXIT_EXTENDED, the second word is the exit status. */
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int32_t call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

/* Handle 1 is not the console in semihosting: ":tt" opened for writing is,
 * and QEMU sends it to its stdout (SYS_WRITE0's text would go to stderr). */
static int console(void)
{
    static int tt = -1;
    if (tt < 0) {
        tt = semihost_open(":tt", 4u /* "w" */);
    }
    return tt;
}

void semihost_print(const char *s, uint32_t len)
{
    int fh = console();
    if (fh >= 0) {
        (void)semihost_write(fh, s, len);
    }
}

void semihost_puts(const char *s)
{
    semihost_print(s, (uint32_t)strlen(s));
}

void semihost_print_int(int32_t v)
{
    char buf[12];
    char *p = buf + sizeof buf;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    *--p = '\0';
    do {
        *--p = (char)('0' + u % 10u);
        u /= 10u;
    } while (u != 0u);
    if (v < 0) {
        *--p = '-';
    }
    semihost_puts(p);
}

void semihost_print_hex(uint32_t v)
{
    static const char digits[] = "0123456789ABCDEF";
    char buf[11];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 8; i++) {
        buf[2 + i] = digits[(v >> (28 - 4 * i)) & 0xFu];
    }
    buf[10] = '\0';
    semihost_puts(buf);
}

int semihost_open(const char *path, unsigned mode)
{
    const uint32_t arg[3] = { (uint32_t)(uintptr_t)path, mode, (uint32_t)strlen(path) };
    return call(SYS_OPEN, arg);
}

int semihost_close(int fh)
{
    const uint32_t arg[1] = { (uint32_t)fh };
    return call(SYS_CLOSE, arg) == 0 ? 0 : -1;
}

int32_t semihost_read(int fh, void *buf, uint32_t len)
{
    const uint32_t arg[3] = { (uint32_t)fh, (uint32_t)(uintptr_t)buf, len };
    int32_t left = call(SYS_READ, arg); /* bytes NOT read */
    if (left < 0 || (uint32_t)left > len) {
        return -1;
    }
    return (int32_t)(len - (uint32_t)left);
}

int semihost_write(int fh, const void *buf, uint32_t len)
{
    const uint32_t arg[3] = { (uint32_t)fh, (uint32_t)(uintptr_t)buf, len };
    return call(SYS_WRITE, arg) == 0 ? 0 : -1;
}

int semihost_seek(int fh, uint32_t pos)
{
    const uint32_t arg[2] = { (uint32_t)fh, pos };
    return call(SYS_SEEK, arg) == 0 ? 0 : -1;
}

int32_t semihost_flen(int fh)
{
    const uint32_t arg[1] = { (uint32_t)fh };
    return call(SYS_FLEN, arg);
}

int semihost_remove(const char *path)
{
    const uint32_t arg[2] = { (uint32_t)(uintptr_t)path, (uint32_t)strlen(path) };
    return call(SYS_REMOVE, arg) == 0 ? 0 : -1;
}

int semihost_rename(const char *from, const char *to)
{
    const uint32_t arg[4] = { (uint32_t)(uintptr_t)from, (uint32_t)strlen(from), (uint32_t)(uintptr_t)to,
                              (uint32_t)strlen(to) };
    return call(SYS_RENAME, arg) == 0 ? 0 : -1;
}

int semihost_cmdline(char *buf, uint32_t cap)
{
    uint32_t arg[2] = { (uint32_t)(uintptr_t)buf, cap };
    if (cap == 0u || call(SYS_GET_CMDLINE, arg) != 0) {
        return -1;
    }
    return 0;
}

void semihost_exit(uint32_t code)
{
    const uint32_t arg[2] = { ADP_STOPPED_APPLICATION_EXIT, code };
    for (;;) {
        (void)call(SYS_EXIT_EXTENDED, arg);
    }
}

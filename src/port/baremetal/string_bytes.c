/*
 * Byte-at-a-time memcpy, memmove, memset, memcmp and strlen for bare-metal
 * images where flash matters more than copy speed (a bootloader).
 *
 * Why: newlib's versions are unrolled and word-aligned for speed; the five
 * that the core reaches cost a Cortex-M4 bootloader about 1 KB of flash,
 * against ~100 bytes here. The core's own loops are bounded by its buffers
 * (256 bytes at a time in the bootloader), so the speed lost is noise next
 * to a flash program or a SHA-256 block. Link this file into the image
 * (before the C library) to take them; an application that copies large
 * buffers keeps the C library's.
 *
 * Compile it with -fno-builtin and -fno-tree-loop-distribute-patterns:
 * otherwise the compiler recognises these loops as memcpy/memset and calls
 * them, that is, itself.
 */
#include <stddef.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n-- > 0) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n-- > 0) {
            *d++ = *s++;
        }
    } else {
        while (n-- > 0) {
            d[n] = s[n];
        }
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n-- > 0) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a;
    const unsigned char *y = b;
    for (; n > 0; n--, x++, y++) {
        if (*x != *y) {
            return *x - *y;
        }
    }
    return 0;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p != '\0') {
        p++;
    }
    return (size_t)(p - s);
}

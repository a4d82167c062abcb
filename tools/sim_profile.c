/*
 * `sysota sim` device profiles: the address layout of a real part, so that
 * the HEX files its toolchain writes land where they would on the chip.
 * A profile only fills simcmd_config_t fields; any of them can still be
 * changed by its own `sim init` option.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

static const simcmd_profile_t profiles[] = {
    {
        .name = "pic32mz-ef",
        .summary = "PIC32MZ EF program flash seen through kseg0 (0x9D000000):\n"
                   "boot control in its first two sectors, the application right after",
        .hex_base = 0x9D000000u,
        .nvm_size = 1024u * 1024u,
        .sector_size = 4096u,
        .write_unit = 16u,
        .bootctl_offset = 0u,
        .app_offset = 0u, /* right after the boot control area, whatever --sector says */
    },
    {
        .name = "pic32mz-w1",
        .summary = "PIC32MZ W1 as Microchip's OTA service lays it out: program\n"
                   "flash at the physical 0x10000000, the boot control page at\n"
                   "0x10020000 (sysota's area: 0x1001F000-0x10020FFF, two pages),\n"
                   "the application from 0x10021000; 4 KiB pages",
        .hex_base = 0x10000000u,
        .nvm_size = 1024u * 1024u,
        .sector_size = 4096u,
        .write_unit = 16u,
        .bootctl_offset = 0x1F000u, /* two pages, the second the original's */
        .app_offset = 0x21000u,
    },
};

const simcmd_profile_t *simcmd_profile_at(size_t i)
{
    return i < sizeof profiles / sizeof profiles[0] ? &profiles[i] : NULL;
}

const simcmd_profile_t *simcmd_profile_find(const char *name)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
        if (strcmp(profiles[i].name, name) == 0) {
            return &profiles[i];
        }
    }
    return NULL;
}

void simcmd_profile_apply(const simcmd_profile_t *p, simcmd_config_t *c)
{
    snprintf(c->profile, sizeof c->profile, "%s", p->name);
    c->hex_base = p->hex_base;
    c->nvm_size = p->nvm_size;
    c->sector_size = p->sector_size;
    c->write_unit = p->write_unit;
    c->bootctl_offset = p->bootctl_offset;
    c->app_offset = p->app_offset;
}

void simcmd_profile_print_list(FILE *out)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
        const simcmd_profile_t *p = &profiles[i];
        fprintf(out, "                    %s%s\n", p->name,
                strcmp(p->name, SIMCMD_DEFAULT_PROFILE) == 0 ? " (the default)" : "");
        const char *line = p->summary;
        while (*line != '\0') {
            const char *nl = strchr(line, '\n');
            size_t n = nl != NULL ? (size_t)(nl - line) : strlen(line);
            fprintf(out, "                      %.*s\n", (int)n, line);
            line += n + (nl != NULL ? 1 : 0);
        }
    }
}

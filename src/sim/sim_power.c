/*
 * The simulated power supply: one operation count, one cut, one generator
 * shared by every storage device of a simulated device, and the cut
 * protocol every device model's mutating operation goes through.
 */
#include "sim_power.h"

#include <stddef.h>
#include <string.h>

int sim_power_init(sim_power_t *p, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->mode = SIM_CUT_SKIP;
    p->rng = seed;
    return OTA_OK;
}

int sim_power_seed(sim_power_t *p, uint64_t seed)
{
    p->rng = seed;
    return OTA_OK;
}

int sim_power_arm(sim_power_t *p, uint64_t cut_after, sim_cut_mode_t mode)
{
    if (mode != SIM_CUT_SKIP && mode != SIM_CUT_WHOLE && mode != SIM_CUT_TORN) {
        return OTA_ERR_INVALID_ARG;
    }
    p->cut_after = cut_after;
    p->mode = mode;
    p->was_cut = false;
    p->cut_op = 0;
    return OTA_OK;
}

int sim_power_fail_at(sim_power_t *p, uint64_t op, int err)
{
    if (op != 0 && err >= 0) {
        return OTA_ERR_INVALID_ARG;
    }
    p->fail_op = op;
    p->fail_err = err;
    return OTA_OK;
}

int sim_power_reset_count(sim_power_t *p)
{
    p->ops = 0;
    p->was_cut = false;
    p->cut_op = 0;
    return OTA_OK;
}

int sim_power_reboot(sim_power_t *p)
{
    p->off = false;
    p->cut_after = 0;
    return OTA_OK;
}

int sim_power_cut(sim_power_t *p)
{
    if (p->off) {
        return OTA_ERR_POWER_LOST;
    }
    p->off = true;
    p->was_cut = true;
    p->cut_op = p->ops;
    /* Listeners run while the power is already off, so nothing they call
     * through a device model can count as a new operation. */
    for (size_t i = 0; i < SIM_POWER_MAX_LISTENERS; i++) {
        if (p->listeners[i].cb != NULL) {
            p->listeners[i].cb(p->listeners[i].arg);
        }
    }
    return OTA_OK;
}

int sim_power_tick(sim_power_t *p, sim_cut_mode_t *mode)
{
    if (p->off) {
        return OTA_ERR_POWER_LOST;
    }
    p->ops++;
    /* A cut and an injected fault on the same operation: the cut wins,
     * since a device that loses power never gets to report a fault. */
    if (p->cut_after != 0 && p->ops == p->cut_after) {
        if (mode != NULL) {
            *mode = p->mode;
        }
        return SIM_POWER_VICTIM;
    }
    if (p->fail_op != 0 && p->ops == p->fail_op) {
        p->fail_op = 0;
        return p->fail_err;
    }
    return SIM_POWER_RUN;
}

int sim_power_run(sim_power_t *p, bool atomic, sim_power_op_fn op, void *arg)
{
    sim_cut_mode_t mode = SIM_CUT_WHOLE;
    int rc = sim_power_tick(p, &mode);
    if (rc < 0) {
        return rc;
    }
    if (rc == SIM_POWER_RUN) {
        return op(arg, SIM_CUT_WHOLE);
    }
    if (atomic && mode == SIM_CUT_TORN) {
        mode = (sim_power_random(p) & 1) != 0 ? SIM_CUT_WHOLE : SIM_CUT_SKIP;
    }
    if (mode != SIM_CUT_SKIP) {
        (void)op(arg, mode);
    }
    /* The operation (or what the cut let of it) is on the medium; now the
     * supply is gone, and the listeners drop what was not durable. */
    sim_power_cut(p);
    return OTA_ERR_POWER_LOST;
}

int sim_power_check(const sim_power_t *p)
{
    return p->off ? OTA_ERR_POWER_LOST : OTA_OK;
}

int sim_power_listen(sim_power_t *p, sim_power_cut_cb cb, void *arg)
{
    if (cb == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < SIM_POWER_MAX_LISTENERS; i++) {
        if (p->listeners[i].cb == NULL) {
            p->listeners[i].cb = cb;
            p->listeners[i].arg = arg;
            return OTA_OK;
        }
    }
    return OTA_ERR_FULL;
}

int sim_power_unlisten(sim_power_t *p, sim_power_cut_cb cb, void *arg)
{
    for (size_t i = 0; i < SIM_POWER_MAX_LISTENERS; i++) {
        if (p->listeners[i].cb == cb && p->listeners[i].arg == arg) {
            p->listeners[i].cb = NULL;
            p->listeners[i].arg = NULL;
            return OTA_OK;
        }
    }
    return OTA_ERR_NOT_FOUND;
}

uint64_t sim_power_random(sim_power_t *p)
{
    /* splitmix64: tiny state, full period, good enough to scatter torn bytes
     * and reproducible from one seed. */
    uint64_t z = (p->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t sim_power_random_below(sim_power_t *p, uint64_t n)
{
    if (n == 0) {
        return 0;
    }
    return sim_power_random(p) % n;
}

uint64_t sim_power_ops(const sim_power_t *p)
{
    return p->ops;
}

int sim_power_was_cut(const sim_power_t *p)
{
    return p->was_cut ? 1 : 0;
}

int sim_power_is_on(const sim_power_t *p)
{
    return p->off ? 0 : 1;
}

uint64_t sim_power_cut_op(const sim_power_t *p)
{
    return p->cut_op;
}

static const char *const mode_names[] = { "skip", "whole", "torn" };

const char *sim_power_mode_name(sim_cut_mode_t mode)
{
    if ((unsigned)mode < sizeof mode_names / sizeof mode_names[0]) {
        return mode_names[mode];
    }
    return "?";
}

int sim_power_mode_parse(const char *name, sim_cut_mode_t *mode)
{
    if (name == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    for (unsigned i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++) {
        if (strcmp(name, mode_names[i]) == 0) {
            *mode = (sim_cut_mode_t)i;
            return OTA_OK;
        }
    }
    return OTA_ERR_INVALID_ARG;
}

/*
 * sysota simulator: the simulated power supply of one simulated device.
 *
 * The NOR flash model and the store wrapper of one device share one
 * sim_power_t, so that "cut after operation k" counts flash AND store
 * operations in one sequence: a power-cut sweep arms k = 1, 2, 3, ... and
 * must reach every instant at which the device could lose power.
 *
 * Only MUTATING operations are counted (flash erase and program; store
 * open-for-write/append, write, sync, close of a handle opened for writing,
 * rename, remove). A cut between two reads leaves the same state as a cut
 * right after the mutating operation before them, so counting reads would
 * only make sweeps longer without reaching new states.
 *
 * The cut protocol, written once in sim_power_run() and followed by every
 * mutating operation of a device model (sim_nor.c, sim_store.c): the
 * model first refuses what it refuses for its arguments (not counted), then
 * hands the operation to sim_power_run(), which counts it and runs it whole,
 * not at all, or torn, cutting the power after a victim. Non-mutating
 * operations call sim_power_check(p) first.
 *
 * Not thread-safe: one simulated device is driven by one thread.
 */
#ifndef SYSOTA_SIM_POWER_H
#define SYSOTA_SIM_POWER_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What happens to the operation that is running when the power is cut. */
typedef enum sim_cut_mode {
    SIM_CUT_SKIP = 0,  /**< the victim operation is not done at all */
    SIM_CUT_WHOLE = 1, /**< the victim operation is done completely, then power off */
    SIM_CUT_TORN = 2   /**< the victim is partly done (device-specific, pseudo-random) */
} sim_cut_mode_t;

/** sim_power_tick(): perform the operation normally. */
#define SIM_POWER_RUN 0
/** sim_power_tick(): this operation is the cut's victim (see the protocol above). */
#define SIM_POWER_VICTIM 1

/** Most on-cut listeners one power object holds. */
#define SIM_POWER_MAX_LISTENERS 8

/** Called at the instant of a cut, before any later operation can run. */
typedef void (*sim_power_cut_cb)(void *arg);

/**
 * One mutating operation of a device model, as sim_power_run() runs it:
 * how is SIM_CUT_WHOLE (do it all: a normal call, or a victim that completes
 * before the cut) or SIM_CUT_TORN (do part of it, as the device would when
 * the supply dies halfway). Returns the operation's own result.
 */
typedef int (*sim_power_op_fn)(void *arg, sim_cut_mode_t how);

/**
 * One power supply. Allocate it anywhere and call sim_power_init(); treat
 * the fields as private and read them through the accessors below.
 */
typedef struct sim_power {
    uint64_t ops;       /* mutating operations since init / reset_count */
    uint64_t cut_after; /* victim's operation number, 0: disarmed */
    sim_cut_mode_t mode;
    bool off;         /* power is off: every operation fails */
    bool was_cut;     /* a cut happened since init / arm / reset_count */
    uint64_t cut_op;  /* operation number of that cut */
    uint64_t fail_op; /* operation that fails once with fail_err, 0: none */
    int fail_err;
    uint64_t rng; /* splitmix64 state */
    struct {
        sim_power_cut_cb cb;
        void *arg;
    } listeners[SIM_POWER_MAX_LISTENERS];
} sim_power_t;

/**
 * Power on, nothing armed, operation count 0, generator seeded with seed
 * (same seed, same operations => same torn bytes). Returns OTA_OK.
 */
int sim_power_init(sim_power_t *p, uint64_t seed);

/** Re-seed the pseudo-random generator. Returns OTA_OK. */
int sim_power_seed(sim_power_t *p, uint64_t seed);

/**
 * Arm a cut: the mutating operation number cut_after (1-based, counted since
 * init or the last sim_power_reset_count) is the victim, handled as mode
 * says. cut_after 0 disarms. Arming also clears the "was cut" flag.
 * An operation number already passed never fires.
 * Returns OTA_OK, or OTA_ERR_INVALID_ARG for an unknown mode.
 */
int sim_power_arm(sim_power_t *p, uint64_t cut_after, sim_cut_mode_t mode);

/**
 * A non-power fault: mutating operation number op (same count as
 * sim_power_arm) fails once with err (a negative OTA_ERR_*, e.g.
 * OTA_ERR_IO or OTA_ERR_NO_SPACE); nothing is done and power stays on.
 * op 0 cancels. Returns OTA_OK, or OTA_ERR_INVALID_ARG when err >= 0.
 */
int sim_power_fail_at(sim_power_t *p, uint64_t op, int err);

/** Restart the operation count at 0 and clear the "was cut" flag. Returns OTA_OK. */
int sim_power_reset_count(sim_power_t *p);

/**
 * Power back on after a cut. The operation count goes on; the cut is
 * disarmed (a sweep arms again for the next run). Returns OTA_OK.
 */
int sim_power_reboot(sim_power_t *p);

/**
 * Cut the power now: mark it off, record the current operation number, and
 * call every listener once, in registration order. Device models call it
 * after performing their victim operation; a simulator may call it at any
 * time (a cut between operations). Returns OTA_OK; OTA_ERR_POWER_LOST if the
 * power was already off (listeners are then not called again).
 */
int sim_power_cut(sim_power_t *p);

/**
 * Account for one mutating operation. Returns SIM_POWER_RUN,
 * SIM_POWER_VICTIM (with *mode set), OTA_ERR_POWER_LOST when the power is
 * off, or the error injected by sim_power_fail_at. mode may be NULL when
 * the caller treats every cut mode the same.
 */
int sim_power_tick(sim_power_t *p, sim_cut_mode_t *mode);

/**
 * The cut protocol: count one mutating operation and run it.
 *  - power off, or a fault injected by sim_power_fail_at: return that error,
 *    op is not called;
 *  - an ordinary operation: return op(arg, SIM_CUT_WHOLE);
 *  - the armed victim: op is not called (SKIP), called whole (WHOLE) or torn
 *    (TORN), then the power is cut (listeners run) and OTA_ERR_POWER_LOST is
 *    returned whatever op returned. An atomic operation (a rename, a sync)
 *    cannot be torn: a TORN victim is then done whole or not at all, one
 *    pseudo-random bit deciding.
 */
int sim_power_run(sim_power_t *p, bool atomic, sim_power_op_fn op, void *arg);

/** OTA_OK while the power is on, OTA_ERR_POWER_LOST after a cut (for reads). */
int sim_power_check(const sim_power_t *p);

/**
 * Register a listener called at the instant of every cut (the store applies
 * its loss of unsynced data there). Returns OTA_OK or OTA_ERR_FULL.
 */
int sim_power_listen(sim_power_t *p, sim_power_cut_cb cb, void *arg);

/** Remove a listener registered with the same cb and arg. OTA_ERR_NOT_FOUND if absent. */
int sim_power_unlisten(sim_power_t *p, sim_power_cut_cb cb, void *arg);

/** Next 64 pseudo-random bits (splitmix64). */
uint64_t sim_power_random(sim_power_t *p);

/** A pseudo-random number in 0 .. n-1 (0 when n is 0). */
uint64_t sim_power_random_below(sim_power_t *p, uint64_t n);

/** Mutating operations counted since init or the last sim_power_reset_count. */
uint64_t sim_power_ops(const sim_power_t *p);

/** 1 when a cut happened since init, the last arm or reset_count; else 0. */
int sim_power_was_cut(const sim_power_t *p);

/** 1 while the power is on, 0 after a cut until sim_power_reboot. */
int sim_power_is_on(const sim_power_t *p);

/** Operation number at which the last cut happened (0 if none). */
uint64_t sim_power_cut_op(const sim_power_t *p);

/** Name of a cut mode ("skip", "whole", "torn"), "?" for an unknown one. */
const char *sim_power_mode_name(sim_cut_mode_t mode);

/** Parse "skip", "whole" or "torn" into *mode. OTA_ERR_INVALID_ARG otherwise. */
int sim_power_mode_parse(const char *name, sim_cut_mode_t *mode);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_SIM_POWER_H */

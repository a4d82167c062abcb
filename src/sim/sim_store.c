/*
 * The simulated store: the host port's directory store under the cut
 * protocol, with unsynced data lost at a cut (see sim_store.h).
 */
#include "sim_store.h"

#include <stdlib.h>
#include <string.h>

/* ---- unsynced-data bookkeeping ---------------------------------------- */

static sim_store_dirty_t *dirty_find(sim_store_t *ss, const char *name)
{
    for (size_t i = 0; i < ss->ndirty; i++) {
        if (strcmp(ss->dirty[i].name, name) == 0) {
            return &ss->dirty[i];
        }
    }
    return NULL;
}

static void dirty_drop(sim_store_t *ss, const char *name)
{
    sim_store_dirty_t *d = dirty_find(ss, name);
    if (d != NULL) {
        *d = ss->dirty[--ss->ndirty];
    }
}

/* Remember that name has volatile bytes beyond synced (first write since
 * its last sync); a later write keeps the older, shorter durable length. */
static int dirty_mark(sim_store_t *ss, const char *name, uint64_t synced)
{
    if (dirty_find(ss, name) != NULL) {
        return OTA_OK;
    }
    if (ss->ndirty == ss->cap_dirty) {
        size_t cap = ss->cap_dirty ? ss->cap_dirty * 2 : 8;
        sim_store_dirty_t *p = realloc(ss->dirty, cap * sizeof *p);
        if (p == NULL) {
            return OTA_ERR_IO;
        }
        ss->dirty = p;
        ss->cap_dirty = cap;
    }
    sim_store_dirty_t *d = &ss->dirty[ss->ndirty++];
    memcpy(d->name, name, strlen(name) + 1);
    d->synced = synced;
    return OTA_OK;
}

static void drop_handles(sim_store_t *ss)
{
    for (int i = 0; i < POSIX_STORE_DIR_MAX_OPEN; i++) {
        if (ss->handles[i].open) {
            (void)ss->under.close(ss->under.ctx, i);
            ss->handles[i].open = false;
        }
    }
}

/* The instant of the cut: whatever the disk cache had not written is gone.
 * Runs for cuts caused by the flash too, since both share one supply. */
static void on_cut(void *arg)
{
    sim_store_t *ss = arg;
    drop_handles(ss);
    for (size_t i = 0; i < ss->ndirty; i++) {
        sim_store_dirty_t *d = &ss->dirty[i];
        uint32_t cur;
        if (ss->under.stat(ss->under.ctx, d->name, &cur) != OTA_OK || cur <= d->synced) {
            continue;
        }
        uint64_t keep = d->synced + sim_power_random_below(ss->power, cur - d->synced + 1);
        (void)posix_store_dir_truncate(ss->dir, d->name, keep);
    }
    ss->ndirty = 0;
}

/* ---- helpers --------------------------------------------------------------- */

static int power_check(sim_store_t *ss)
{
    return ss->power != NULL ? sim_power_check(ss->power) : OTA_OK;
}

/* Every mutating operation goes through the one cut protocol. */
static int power_run(sim_store_t *ss, bool atomic, sim_power_op_fn op, void *arg)
{
    ss->counters.mutating_ops++;
    if (ss->power == NULL) {
        return op(arg, SIM_CUT_WHOLE);
    }
    return sim_power_run(ss->power, atomic, op, arg);
}

/* Every call starts alike: count it, fail after a cut. */
static int enter(sim_store_t *ss)
{
    ss->counters.ops++;
    return power_check(ss);
}

static int handle_enter(sim_store_t *ss, int fh, sim_store_handle_t **h)
{
    int rc = enter(ss);
    if (rc != OTA_OK) {
        return rc;
    }
    if (fh < 0 || fh >= POSIX_STORE_DIR_MAX_OPEN || !ss->handles[fh].open) {
        return OTA_ERR_INVALID_ARG;
    }
    *h = &ss->handles[fh];
    return OTA_OK;
}

static bool is_writer(const sim_store_handle_t *h)
{
    return (h->flags & (OTA_STORE_WRITE | OTA_STORE_APPEND)) != 0;
}

/* One operation for the cut protocol: the call's arguments and what it needs. */
typedef struct sim_op {
    sim_store_t *ss;
    int fh;
    const char *name;
    const char *to;
    unsigned flags;
    const void *buf;
    uint32_t len;
} sim_op_t;

/* ---- the ota_store_t functions ------------------------------------------ */

static int open_run(void *arg, sim_cut_mode_t how)
{
    (void)how; /* atomic */
    sim_op_t *op = arg;
    sim_store_t *ss = op->ss;
    int fh = ss->under.open(ss->under.ctx, op->name, op->flags);
    if (fh < 0 || fh >= POSIX_STORE_DIR_MAX_OPEN) {
        return fh < 0 ? fh : OTA_ERR_STATE;
    }
    sim_store_handle_t *h = &ss->handles[fh];
    h->open = true;
    h->flags = op->flags;
    memcpy(h->name, op->name, strlen(op->name) + 1);
    if (op->flags == OTA_STORE_WRITE) {
        /* The truncation is durable at once: nothing volatile remains. */
        dirty_drop(ss, op->name);
    }
    return fh;
}

static int sim_open(void *ctx, const char *name, unsigned flags)
{
    sim_store_t *ss = ctx;
    sim_op_t op = { .ss = ss, .name = name, .flags = flags };
    int rc = enter(ss);
    if (rc != OTA_OK) {
        return rc;
    }
    if (flags != OTA_STORE_READ && flags != OTA_STORE_WRITE && flags != OTA_STORE_APPEND) {
        return OTA_ERR_INVALID_ARG;
    }
    rc = posix_store_dir_check_name(name);
    if (rc != OTA_OK) {
        return rc;
    }
    if (posix_store_dir_open_handles(ss->dir) >= POSIX_STORE_DIR_MAX_OPEN) {
        return OTA_ERR_FULL;
    }
    if (flags == OTA_STORE_READ) {
        return open_run(&op, SIM_CUT_WHOLE);
    }
    return power_run(ss, true, open_run, &op);
}

static int sim_read(void *ctx, int fh, void *buf, uint32_t len)
{
    sim_store_t *ss = ctx;
    sim_store_handle_t *h;
    int rc = handle_enter(ss, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    rc = ss->under.read(ss->under.ctx, fh, buf, len);
    if (rc > 0) {
        ss->counters.bytes_read += (uint64_t)rc;
    }
    return rc;
}

static int sim_seek(void *ctx, int fh, uint32_t off)
{
    sim_store_t *ss = ctx;
    sim_store_handle_t *h;
    int rc = handle_enter(ss, fh, &h);
    return rc != OTA_OK ? rc : ss->under.seek(ss->under.ctx, fh, off);
}

static int write_run(void *arg, sim_cut_mode_t how)
{
    sim_op_t *op = arg;
    sim_store_t *ss = op->ss;
    const char *name = ss->handles[op->fh].name;
    uint32_t n = how == SIM_CUT_TORN ? (uint32_t)sim_power_random_below(ss->power, op->len) : op->len;
    if (n == 0) {
        return OTA_OK;
    }
    uint32_t before;
    int rc = ss->under.stat(ss->under.ctx, name, &before);
    if (rc == OTA_OK) {
        /* The first write since the last sync fixes the durable length. */
        rc = dirty_mark(ss, name, before);
    }
    if (rc == OTA_OK) {
        rc = ss->under.write(ss->under.ctx, op->fh, op->buf, n);
    }
    if (rc == OTA_OK) {
        ss->counters.bytes_written += n;
    }
    return rc;
}

static int sim_write(void *ctx, int fh, const void *buf, uint32_t len)
{
    sim_store_t *ss = ctx;
    sim_store_handle_t *h;
    sim_op_t op = { .ss = ss, .fh = fh, .buf = buf, .len = len };
    int rc = handle_enter(ss, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    if (!is_writer(h) || (buf == NULL && len > 0)) {
        return OTA_ERR_INVALID_ARG;
    }
    if (len == 0) {
        return OTA_OK;
    }
    if (!posix_store_dir_fits(ss->dir, len)) {
        return OTA_ERR_NO_SPACE;
    }
    return power_run(ss, false, write_run, &op);
}

static int sync_run(void *arg, sim_cut_mode_t how)
{
    (void)how; /* atomic */
    sim_op_t *op = arg;
    sim_store_t *ss = op->ss;
    int rc = ss->under.sync(ss->under.ctx, op->fh);
    if (rc == OTA_OK) {
        dirty_drop(ss, ss->handles[op->fh].name);
    }
    return rc;
}

static int sim_sync(void *ctx, int fh)
{
    sim_store_t *ss = ctx;
    sim_store_handle_t *h;
    sim_op_t op = { .ss = ss, .fh = fh };
    int rc = handle_enter(ss, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    if (!is_writer(h)) {
        return OTA_OK; /* nothing to make durable: not an operation */
    }
    return power_run(ss, true, sync_run, &op);
}

/* Whole or torn, a close ends the same: the handle is gone (and a cut right
 * after drops it anyway), so it needs no coin. */
static int close_run(void *arg, sim_cut_mode_t how)
{
    (void)how;
    sim_op_t *op = arg;
    sim_store_t *ss = op->ss;
    ss->handles[op->fh].open = false;
    return ss->under.close(ss->under.ctx, op->fh);
}

static int sim_close(void *ctx, int fh)
{
    sim_store_t *ss = ctx;
    sim_store_handle_t *h;
    sim_op_t op = { .ss = ss, .fh = fh };
    int rc = handle_enter(ss, fh, &h);
    if (rc != OTA_OK) {
        return rc;
    }
    if (!is_writer(h)) {
        return close_run(&op, SIM_CUT_WHOLE);
    }
    rc = power_run(ss, false, close_run, &op);
    if (rc < 0 && h->open) {
        /* An injected fault: the handle is released all the same, since a
         * caller that sees close fail has no way to retry it. */
        (void)close_run(&op, SIM_CUT_WHOLE);
    }
    return rc;
}

static int rename_run(void *arg, sim_cut_mode_t how)
{
    (void)how; /* atomic */
    sim_op_t *op = arg;
    sim_store_t *ss = op->ss;
    int rc = ss->under.rename(ss->under.ctx, op->name, op->to);
    if (rc == OTA_OK) {
        /* Unsynced bytes travel with the file to its new name. */
        dirty_drop(ss, op->to);
        sim_store_dirty_t *d = dirty_find(ss, op->name);
        if (d != NULL) {
            memcpy(d->name, op->to, strlen(op->to) + 1);
        }
    }
    return rc;
}

static int sim_rename(void *ctx, const char *from, const char *to)
{
    sim_store_t *ss = ctx;
    sim_op_t op = { .ss = ss, .name = from, .to = to };
    uint32_t size;
    int rc = enter(ss);
    if (rc != OTA_OK) {
        return rc;
    }
    if (posix_store_dir_check_name(from) != OTA_OK || posix_store_dir_check_name(to) != OTA_OK) {
        return OTA_ERR_NAME;
    }
    rc = ss->under.stat(ss->under.ctx, from, &size);
    if (rc != OTA_OK || strcmp(from, to) == 0) {
        return rc;
    }
    return power_run(ss, true, rename_run, &op);
}

static int remove_run(void *arg, sim_cut_mode_t how)
{
    (void)how; /* atomic */
    sim_op_t *op = arg;
    sim_store_t *ss = op->ss;
    int rc = ss->under.remove(ss->under.ctx, op->name);
    if (rc == OTA_OK) {
        dirty_drop(ss, op->name);
    }
    return rc;
}

static int sim_remove(void *ctx, const char *name)
{
    sim_store_t *ss = ctx;
    sim_op_t op = { .ss = ss, .name = name };
    uint32_t size;
    int rc = enter(ss);
    if (rc == OTA_OK) {
        rc = ss->under.stat(ss->under.ctx, name, &size);
    }
    if (rc != OTA_OK) {
        return rc;
    }
    return power_run(ss, true, remove_run, &op);
}

static int sim_stat(void *ctx, const char *name, uint32_t *size)
{
    sim_store_t *ss = ctx;
    int rc = enter(ss);
    return rc != OTA_OK ? rc : ss->under.stat(ss->under.ctx, name, size);
}

static int sim_list(void *ctx, ota_store_list_cb cb, void *arg)
{
    sim_store_t *ss = ctx;
    int rc = enter(ss);
    return rc != OTA_OK ? rc : ss->under.list(ss->under.ctx, cb, arg);
}

/* ---- lifetime ---------------------------------------------------------- */

int sim_store_open(sim_store_t *ss, posix_store_dir_t *dir, sim_power_t *power)
{
    if (ss == NULL || dir == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(ss, 0, sizeof *ss);
    ss->dir = dir;
    ss->power = power;
    (void)posix_store_dir_port(dir, &ss->under);
    if (power != NULL) {
        int rc = sim_power_listen(power, on_cut, ss);
        if (rc != OTA_OK) {
            ss->power = NULL;
            return rc;
        }
    }
    return OTA_OK;
}

int sim_store_close(sim_store_t *ss)
{
    drop_handles(ss);
    if (ss->power != NULL) {
        (void)sim_power_unlisten(ss->power, on_cut, ss);
    }
    free(ss->dirty);
    memset(ss, 0, sizeof *ss);
    return OTA_OK;
}

int sim_store_port(sim_store_t *ss, ota_store_t *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = ss;
    out->open = sim_open;
    out->read = sim_read;
    out->write = sim_write;
    out->sync = sim_sync;
    out->close = sim_close;
    out->rename = sim_rename;
    out->remove = sim_remove;
    out->stat = sim_stat;
    out->list = sim_list;
    out->seek = sim_seek;
    return OTA_OK;
}

int sim_store_counters(const sim_store_t *ss, sim_store_counters_t *out)
{
    *out = ss->counters;
    return OTA_OK;
}

int sim_store_reset_counters(sim_store_t *ss)
{
    memset(&ss->counters, 0, sizeof ss->counters);
    return OTA_OK;
}

int sim_store_open_handles(const sim_store_t *ss)
{
    int n = 0;
    for (int i = 0; i < POSIX_STORE_DIR_MAX_OPEN; i++) {
        n += ss->handles[i].open;
    }
    return n;
}

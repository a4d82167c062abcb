/*
 * What every implementation of store_dir.h shares: see store_dir_impl.h.
 */
#include "store_dir_impl.h"

#include <string.h>

#include "ota_name.h"

/* The core's store name rule: one rule for what the core writes and for what
 * this store accepts or lists. */
int posix_store_dir_check_name(const char *name)
{
    if (name == NULL) {
        return OTA_ERR_NAME;
    }
    const char *end = memchr(name, '\0', OTA_STORE_NAME_MAX + 1);
    return ota_name_check(name, end != NULL ? (size_t)(end - name) : OTA_STORE_NAME_MAX + 1, NULL);
}

void posix_store_dir_reset(posix_store_dir_t *st)
{
    memset(st, 0, sizeof *st);
    st->dirfd = -1;
    for (int i = 0; i < POSIX_STORE_DIR_MAX_OPEN; i++) {
        st->handles[i].fd = -1;
    }
}

int posix_store_dir_open_slot(const posix_store_dir_t *st, const char *name, unsigned flags)
{
    if (flags != OTA_STORE_READ && flags != OTA_STORE_WRITE && flags != OTA_STORE_APPEND) {
        return OTA_ERR_INVALID_ARG;
    }
    int rc = posix_store_dir_check_name(name);
    if (rc != OTA_OK) {
        return rc;
    }
    for (int i = 0; i < POSIX_STORE_DIR_MAX_OPEN; i++) {
        if (st->handles[i].fd < 0) {
            return i;
        }
    }
    return OTA_ERR_FULL;
}

int posix_store_dir_handle(posix_store_dir_t *st, int fh, posix_store_dir_handle_t **h)
{
    if (fh < 0 || fh >= POSIX_STORE_DIR_MAX_OPEN || st->handles[fh].fd < 0) {
        return OTA_ERR_INVALID_ARG;
    }
    *h = &st->handles[fh];
    return OTA_OK;
}

uint64_t posix_store_dir_used(const posix_store_dir_t *st)
{
    return st->used;
}

int posix_store_dir_open_handles(const posix_store_dir_t *st)
{
    int n = 0;
    for (int i = 0; i < POSIX_STORE_DIR_MAX_OPEN; i++) {
        n += st->handles[i].fd >= 0;
    }
    return n;
}

bool posix_store_dir_fits(const posix_store_dir_t *st, uint64_t len)
{
    return st->cfg.capacity == 0 || (st->used <= st->cfg.capacity && len <= st->cfg.capacity - st->used);
}

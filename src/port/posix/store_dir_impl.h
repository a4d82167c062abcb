/*
 * For the implementations of store_dir.h (the host's directory store,
 * store_dir.c, and the target build's RAM one): the parts of the contract
 * that touch no file, written once (store_dir_common.c).
 */
#ifndef SYSOTA_STORE_DIR_IMPL_H
#define SYSOTA_STORE_DIR_IMPL_H

#include "store_dir.h"

/** Every field zero, no directory, every handle slot free (fd -1). */
void posix_store_dir_reset(posix_store_dir_t *st);

/**
 * The checks of an open, before any file is touched: flags exactly one of
 * READ, WRITE, APPEND (else OTA_ERR_INVALID_ARG), the store name rule
 * (OTA_ERR_NAME), a free handle slot (OTA_ERR_FULL). Returns the slot.
 */
int posix_store_dir_open_slot(const posix_store_dir_t *st, const char *name, unsigned flags);

/** The open handle fh in *h, or OTA_ERR_INVALID_ARG. */
int posix_store_dir_handle(posix_store_dir_t *st, int fh, posix_store_dir_handle_t **h);

#endif /* SYSOTA_STORE_DIR_IMPL_H */

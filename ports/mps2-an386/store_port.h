/*
 * Store port of the board: the external store is the host folder
 * MPS2_STORE_DIR, reached through semihosting file calls. It stands for
 * the SPI flash file system (littlefs, FatFs) a product keeps its images
 * and database in: one host file per store file.
 *
 * Semihosting has no directory listing, so the port keeps the folder's
 * names itself, in the file "#index" there ('#' is never in a store name):
 * a name is added before its file is created and dropped after its file is
 * gone, so after a cut anywhere the index names every file (and perhaps one
 * that is no longer there, which list() passes over).
 */
#ifndef MPS2_STORE_PORT_H
#define MPS2_STORE_PORT_H

#include "sysota/ota_port.h"

/** Fill *out with the store port over MPS2_STORE_DIR. Returns OTA_OK. */
int mps2_store_port(ota_store_t *out);

#endif /* MPS2_STORE_PORT_H */

/*
 * Internal to the core: publishing a file atomically in the store, the one
 * sequence the core uses wherever a file must appear whole or not at all
 * (the image database, the golden copy).
 */
#ifndef SYSOTA_OTA_FILE_H
#define SYSOTA_OTA_FILE_H

#include "sysota/ota_port.h"

/**
 * Finish writing tmp through fh and publish it as final: sync (when err is
 * OTA_OK so far), close, rename over final. fh is always closed. On failure
 * tmp is removed (unless the power is gone: then nothing more can be done,
 * and the next writer truncates it). Returns err if it was already an error,
 * else the first failure of the sequence.
 */
int ota_file_publish(const ota_store_t *store, int fh, int err, const char *tmp, const char *final);

#endif /* SYSOTA_OTA_FILE_H */

/*
 * The RAM store's directories (store_dir_ram.c), for the target build's
 * test_tmpdir: a path names a directory until it is removed.
 */
#ifndef SYSOTA_TARGET_RAM_DIRS_H
#define SYSOTA_TARGET_RAM_DIRS_H

/** Drop every directory at or under prefix, with their files. OTA_OK, or OTA_ERR_NOT_FOUND when there was none. */
int ram_dirs_remove(const char *prefix);

#endif

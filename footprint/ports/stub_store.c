/*
 * External store stub. On a product this is the file system's API
 * (littlefs, FatFs) over SPI flash or an SD card: its size belongs to the
 * platform, not to sysota, so here every call fails as an empty medium
 * would. The core still links every call it makes, which is what counts.
 */
#include "stub_ports.h"

static int st_open(void *ctx, const char *name, unsigned flags)
{
    (void)ctx;
    (void)name;
    return (flags & OTA_STORE_READ) ? OTA_ERR_NOT_FOUND : OTA_ERR_NO_SPACE;
}

static int st_read(void *ctx, int fh, void *buf, uint32_t len)
{
    (void)ctx;
    (void)fh;
    (void)buf;
    (void)len;
    return OTA_ERR_IO;
}

static int st_write(void *ctx, int fh, const void *buf, uint32_t len)
{
    (void)ctx;
    (void)fh;
    (void)buf;
    (void)len;
    return OTA_ERR_IO;
}

static int st_handle(void *ctx, int fh)
{
    (void)ctx;
    (void)fh;
    return OTA_ERR_IO;
}

static int st_rename(void *ctx, const char *from, const char *to)
{
    (void)ctx;
    (void)from;
    (void)to;
    return OTA_ERR_NOT_FOUND;
}

static int st_remove(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return OTA_ERR_NOT_FOUND;
}

static int st_stat(void *ctx, const char *name, uint32_t *size)
{
    (void)ctx;
    (void)name;
    *size = 0;
    return OTA_ERR_NOT_FOUND;
}

static int st_list(void *ctx, ota_store_list_cb cb, void *arg)
{
    (void)ctx;
    (void)cb;
    (void)arg;
    return OTA_OK;
}

const ota_store_t stub_store = {
    .ctx = NULL,
    .open = st_open,
    .read = st_read,
    .write = st_write,
    .sync = st_handle,
    .close = st_handle,
    .rename = st_rename,
    .remove = st_remove,
    .stat = st_stat,
    .list = st_list,
};

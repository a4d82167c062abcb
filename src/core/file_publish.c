#include "ota_file.h"

int ota_file_publish(const ota_store_t *store, int fh, int err, const char *tmp, const char *final)
{
    if (err == OTA_OK) {
        /* The rename below must never publish a file whose data is not durable. */
        err = store->sync(store->ctx, fh);
    }
    int close_err = store->close(store->ctx, fh);
    if (err == OTA_OK) {
        err = close_err;
    }
    if (err == OTA_OK) {
        /* The commit point: a cut before it leaves the old file (or none) under
         * the final name, after it the new one; never a mix. */
        err = store->rename(store->ctx, tmp, final);
    }
    if (err != OTA_OK) {
        /* Whatever failed, the temporary file is garbage; if the store is
         * gone (a power cut) this remove fails too and the next write of
         * tmp truncates it. */
        (void)store->remove(store->ctx, tmp);
    }
    return err;
}

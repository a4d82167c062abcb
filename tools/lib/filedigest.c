/*
 * SHA-256 through libcrypto's EVP interface (see tool_filedigest.h).
 */
#include "tool_filedigest.h"

#include <errno.h>
#include <stdio.h>

#include <openssl/evp.h>

int tool_filedigest_start(tool_filedigest_t *d)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    d->md = md;
    if (md == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        tool_filedigest_abort(d);
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

int tool_filedigest_update(tool_filedigest_t *d, const void *data, size_t len)
{
    if (d->md == NULL) {
        return OTA_ERR_STATE;
    }
    if (len > 0 && EVP_DigestUpdate(d->md, data, len) != 1) {
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

int tool_filedigest_finish(tool_filedigest_t *d, uint8_t out[TOOL_FILEDIGEST_LEN])
{
    if (d->md == NULL) {
        return OTA_ERR_STATE;
    }
    unsigned int n = 0;
    int ok = EVP_DigestFinal_ex(d->md, out, &n);
    tool_filedigest_abort(d);
    return ok == 1 && n == TOOL_FILEDIGEST_LEN ? OTA_OK : OTA_ERR_IO;
}

void tool_filedigest_abort(tool_filedigest_t *d)
{
    EVP_MD_CTX_free(d->md);
    d->md = NULL;
}

int tool_filedigest_file(const char *path, uint8_t out[TOOL_FILEDIGEST_LEN], uint64_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return errno == ENOENT ? OTA_ERR_NOT_FOUND : OTA_ERR_IO;
    }
    tool_filedigest_t d;
    int err = tool_filedigest_start(&d);
    uint64_t total = 0;
    unsigned char buf[65536];
    while (err == OTA_OK) {
        size_t n = fread(buf, 1, sizeof buf, f);
        if (n == 0) {
            break;
        }
        total += n;
        err = tool_filedigest_update(&d, buf, n);
    }
    if (err == OTA_OK && ferror(f)) {
        err = OTA_ERR_IO;
    }
    int saved = errno;
    fclose(f);
    if (err != OTA_OK) {
        tool_filedigest_abort(&d);
        errno = saved;
        return err;
    }
    if (size != NULL) {
        *size = total;
    }
    return tool_filedigest_finish(&d, out);
}

void tool_filedigest_hex(const uint8_t digest[TOOL_FILEDIGEST_LEN], char out[TOOL_FILEDIGEST_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < TOOL_FILEDIGEST_LEN; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 0xF];
    }
    out[2 * TOOL_FILEDIGEST_LEN] = '\0';
}

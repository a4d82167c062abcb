/*
 * Keys and signatures for the host tools (see hostsign.h), through
 * libcrypto's OpenSSL 3.0 interfaces.
 */
#include "hostsign.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include "tool_filedigest.h"
#include "ota_hex.h"
#include "tool_hostfile.h"

/* Each half of r||s. */
#define SIG_HALF (OTA_SIG_LEN / 2)

/* The key is P-256 and nothing else: that is all a device verifies. */
static bool is_p256(EVP_PKEY *pkey)
{
    char group[64];
    return EVP_PKEY_is_a(pkey, "EC") &&
           EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) == 1 &&
           strcmp(group, SN_X9_62_prime256v1) == 0;
}

/* Refuses a passphrase: the tools read unencrypted keys only, and must
 * never stop to prompt in a script or a test. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* The PEM key in the file at path: a private one (want_private), or a
 * public one and failing that the public half of a private one. */
static int load_pem(tool_key_t *key, const char *path, bool want_private)
{
    char *text = NULL;
    size_t len = 0;
    key->pkey = NULL;
    int err = tool_hostfile_read(path, &text, &len);
    if (err != OTA_OK) {
        return err;
    }
    EVP_PKEY *pkey = NULL;
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    if (bio != NULL && !want_private) {
        pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
        if (pkey == NULL) {
            BIO_free(bio);
            bio = BIO_new_mem_buf(text, (int)len);
        }
    }
    if (bio != NULL && pkey == NULL) {
        pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    }
    BIO_free(bio);
    free(text);
    ERR_clear_error(); /* the failed attempts leave their reasons queued */
    if (pkey == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    if (!is_p256(pkey)) {
        EVP_PKEY_free(pkey);
        return OTA_ERR_NOT_SUPPORTED;
    }
    key->pkey = pkey;
    return OTA_OK;
}

const char *tool_key_load_error_text(int err)
{
    switch (err) {
    case OTA_ERR_NOT_FOUND:
        return "no such file";
    case OTA_ERR_INVALID_ARG:
        return "no unencrypted PEM key in it";
    case OTA_ERR_NOT_SUPPORTED:
        return "a key, but not ECDSA P-256";
    default:
        return strerror(errno);
    }
}

int tool_key_generate(tool_key_t *key)
{
    key->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return key->pkey != NULL ? OTA_OK : OTA_ERR_IO;
}

int tool_key_load_private(tool_key_t *key, const char *path)
{
    return load_pem(key, path, true);
}

int tool_key_load_public(tool_key_t *key, const char *path)
{
    return load_pem(key, path, false);
}

static bool has_private(const tool_key_t *key)
{
    BIGNUM *d = NULL;
    bool yes = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1;
    BN_clear_free(d);
    ERR_clear_error();
    return yes;
}

/* The PEM text of one half of key, malloc'ed (not NUL-terminated). */
static int pem_text(const tool_key_t *key, bool private_half, char **text, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *mem = NULL;
    long n = 0;
    int ok = bio != NULL && (private_half ? PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL)
                                          : PEM_write_bio_PUBKEY(bio, key->pkey));
    *text = NULL;
    if (ok == 1) {
        n = BIO_get_mem_data(bio, &mem);
    }
    if (n > 0 && (*text = malloc((size_t)n)) != NULL) {
        memcpy(*text, mem, (size_t)n);
        *len = (size_t)n;
    }
    if (mem != NULL && n > 0) {
        OPENSSL_cleanse(mem, (size_t)n); /* a private key lingers in freed memory otherwise */
    }
    BIO_free(bio);
    ERR_clear_error();
    return *text != NULL ? OTA_OK : OTA_ERR_IO;
}

int tool_key_public_pem(const tool_key_t *key, char **text, size_t *len)
{
    return pem_text(key, false, text, len);
}

/* The private key file, atomically, readable by its owner only: the mode
 * is set before a byte of the key is written. */
static int save_private_pem(const char *path, const char *text, size_t len)
{
    tool_hostfile_out_t out;
    int err = tool_hostfile_begin(&out, path);
    if (err != OTA_OK) {
        return err;
    }
    if (fchmod(fileno(out.f), 0600) != 0 || tool_hostfile_write(&out, text, len) != OTA_OK) {
        int saved = errno;
        tool_hostfile_abort(&out);
        errno = saved;
        return OTA_ERR_IO;
    }
    return tool_hostfile_commit(&out);
}

static int save_pem(const tool_key_t *key, const char *path, bool private_half)
{
    char *text = NULL;
    size_t len = 0;
    int err = pem_text(key, private_half, &text, &len);
    if (err != OTA_OK) {
        errno = EIO;
        return err;
    }
    err = private_half ? save_private_pem(path, text, len) : tool_hostfile_save(path, text, len);
    OPENSSL_cleanse(text, len);
    free(text);
    return err;
}

int tool_key_save_private(const tool_key_t *key, const char *path)
{
    if (!has_private(key)) {
        return OTA_ERR_INVALID_ARG;
    }
    return save_pem(key, path, true);
}

int tool_key_save_public(const tool_key_t *key, const char *path)
{
    return save_pem(key, path, false);
}

int tool_key_point(const tool_key_t *key, uint8_t point[OTA_PUBKEY_LEN])
{
    /* A key read from a file keeps the point form it was written in; ask
     * for the uncompressed one, the only form a device takes. */
    size_t n = 0;
    if (EVP_PKEY_set_utf8_string_param(key->pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                       OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1 ||
        EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_PUB_KEY, point, OTA_PUBKEY_LEN, &n) != 1 ||
        n != OTA_PUBKEY_LEN || point[0] != 0x04) {
        ERR_clear_error();
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

int tool_sign_sha256(const void *data, size_t len, uint8_t digest[OTA_SHA256_LEN])
{
    tool_filedigest_t d;
    int err = tool_filedigest_start(&d);
    if (err == OTA_OK) {
        err = tool_filedigest_update(&d, data, len);
    }
    if (err != OTA_OK) {
        tool_filedigest_abort(&d);
        return err;
    }
    return tool_filedigest_finish(&d, digest);
}

int tool_key_id(const uint8_t point[OTA_PUBKEY_LEN], uint8_t id[OTA_KEY_ID_LEN])
{
    uint8_t digest[OTA_SHA256_LEN];
    int err = tool_sign_sha256(point, OTA_PUBKEY_LEN, digest);
    if (err == OTA_OK) {
        memcpy(id, digest, OTA_KEY_ID_LEN);
    }
    return err;
}

void tool_key_id_hex(const uint8_t id[OTA_KEY_ID_LEN], char out[TOOL_KEY_ID_HEX_SIZE])
{
    (void)ota_hex_encode(id, OTA_KEY_ID_LEN, out);
}

int tool_key_info(const tool_key_t *key, tool_key_info_t *info)
{
    int err = tool_key_point(key, info->point);
    if (err == OTA_OK) {
        err = tool_key_id(info->point, info->id);
    }
    if (err == OTA_OK) {
        tool_key_id_hex(info->id, info->id_hex);
    }
    return err;
}

void tool_key_free(tool_key_t *key)
{
    EVP_PKEY_free(key->pkey);
    key->pkey = NULL;
}

int tool_sign_digest(const tool_key_t *key, const uint8_t digest[OTA_SHA256_LEN], uint8_t sig[OTA_SIG_LEN])
{
    if (!has_private(key)) {
        return OTA_ERR_INVALID_ARG;
    }
    int err = OTA_ERR_IO;
    unsigned char der[80]; /* a P-256 signature in DER is at most 72 bytes */
    size_t der_len = sizeof der;
    ECDSA_SIG *es = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key->pkey, NULL);
    /* No message digest is set on ctx: the 32 bytes are signed as given. */
    if (ctx != NULL && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_sign(ctx, der, &der_len, digest, OTA_SHA256_LEN) == 1) {
        const unsigned char *p = der;
        es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    }
    if (es != NULL && BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, SIG_HALF) == SIG_HALF &&
        BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + SIG_HALF, SIG_HALF) == SIG_HALF) {
        err = OTA_OK;
    }
    ECDSA_SIG_free(es);
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return err;
}

/* An EVP_PKEY for a point given as bytes; NULL when it is not a point of P-256. */
static EVP_PKEY *pkey_of_point(const uint8_t point[OTA_PUBKEY_LEN])
{
    uint8_t copy[OTA_PUBKEY_LEN];
    char group[] = SN_X9_62_prime256v1;
    EVP_PKEY *pkey = NULL;

    if (point[0] != 0x04) {
        return NULL; /* compressed and hybrid forms are not what devices hold */
    }
    memcpy(copy, point, sizeof copy);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, copy, sizeof copy),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    /* fromdata decodes the point, which refuses one that is not on the curve. */
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

int tool_sign_verify(const uint8_t point[OTA_PUBKEY_LEN], const uint8_t digest[OTA_SHA256_LEN],
                     const uint8_t sig[OTA_SIG_LEN])
{
    EVP_PKEY *pkey = pkey_of_point(point);
    if (pkey == NULL) {
        ERR_clear_error();
        return OTA_ERR_INVALID_ARG;
    }
    int err = OTA_ERR_IO;
    unsigned char *der = NULL;
    int der_len = 0;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, SIG_HALF, NULL);
    BIGNUM *s = BN_bin2bn(sig + SIG_HALF, SIG_HALF, NULL);
    if (es != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(es, r, s) == 1) {
        r = s = NULL; /* es owns them now */
        der_len = i2d_ECDSA_SIG(es, &der);
    }
    EVP_PKEY_CTX *ctx = der_len > 0 ? EVP_PKEY_CTX_new(pkey, NULL) : NULL;
    if (ctx != NULL && EVP_PKEY_verify_init(ctx) == 1) {
        /* 1: valid; 0 or a negative value: r or s out of range, or simply wrong. */
        err = EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, OTA_SHA256_LEN) == 1 ? OTA_OK : OTA_ERR_SIGNATURE;
    }
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_free(der);
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return err;
}

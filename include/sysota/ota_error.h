/*
 * sysota: the one error enum of the whole project.
 *
 * Every function of the core and of every port returns an int that is either
 * OTA_OK (0), a documented non-negative value (a byte count, a handle), or one
 * of the negative OTA_ERR_* codes below. Codes are stable: a port author may
 * rely on their values, and events carry them as "reason" codes.
 */
#ifndef SYSOTA_OTA_ERROR_H
#define SYSOTA_OTA_ERROR_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every code once, with its value and its one-line description: the enum
 * below and the name/description table (ota_err_name, ota_err_describe) are
 * both made from this list, so a new code is added in exactly one place.
 * OTA_ERR_POWER_LOST is the simulator's (a simulated power cut); the core
 * never tells it apart from any other failure.
 */
#define OTA_ERR_LIST(X)                                                                                                                                                \
    X(OTA_OK, 0, "success")                                                                                                                                            \
    /* generic */                                                                                                                                                      \
    X(OTA_ERR_INVALID_ARG, -1, "invalid argument")                                                                                                                     \
    X(OTA_ERR_IO, -2, "I/O error in a port")                                                                                                                           \
    X(OTA_ERR_POWER_LOST, -3, "power lost (simulated cut)")                                                                                                            \
    X(OTA_ERR_STATE, -4, "not allowed in the current state")                                                                                                           \
    X(OTA_ERR_NOT_SUPPORTED, -5, "not supported by this port or build")                                                                                                \
    X(OTA_ERR_AGAIN, -6, "not ready yet, call again")                                                                                                                  \
    X(OTA_ERR_FULL, -7, "fixed-size table is full")                                                                                                                    \
    /* internal flash */                                                                                                                                               \
    X(OTA_ERR_ALIGN, -10, "address or length not aligned")                                                                                                             \
    X(OTA_ERR_RANGE, -11, "address range outside the device or region")                                                                                                \
    X(OTA_ERR_FLASH_BITS, -12, "program would turn a 0 bit back into 1")                                                                                               \
    X(OTA_ERR_FLASH_REPROGRAM, -13, "write unit programmed twice without an erase")                                                                                    \
    X(OTA_ERR_VERIFY, -14, "flash read-back differs from the data programmed")                                                                                         \
    /* external store */                                                                                                                                               \
    X(OTA_ERR_NOT_FOUND, -20, "not found")                                                                                                                             \
    X(OTA_ERR_EXISTS, -21, "already exists")                                                                                                                           \
    X(OTA_ERR_NO_SPACE, -22, "store is full")                                                                                                                          \
    X(OTA_ERR_NAME, -23, "file name empty, too long or unsafe")                                                                                                        \
    X(OTA_ERR_TOO_LARGE, -24, "larger than the configured limit")                                                                                                      \
    X(OTA_ERR_CORRUPT, -25, "stored data is corrupt")                                                                                                                  \
    /* integrity and trust */                                                                                                                                          \
    X(OTA_ERR_DIGEST, -30, "SHA-256 digest mismatch")                                                                                                                  \
    X(OTA_ERR_SIGNATURE, -31, "signature does not verify")                                                                                                             \
    X(OTA_ERR_DOWNGRADE, -32, "version not above the running one, or below the floor")                                                                                 \
    X(OTA_ERR_UNSIGNED, -33, "a signature is required and there is none")                                                                                              \
    X(OTA_ERR_KEY_UNKNOWN, -34, "signed with a key the device does not trust")                                                                                         \
    X(OTA_ERR_REPLAY, -35, "manifest older than the last one accepted (replay)")                                                                                       \
    X(OTA_ERR_HARDWARE, -36, "manifest for other hardware")                                                                                                            \
    X(OTA_ERR_EXPIRED, -37, "manifest expired")                                                                                                                        \
    /* network */                                                                                                                                                      \
    X(OTA_ERR_NET, -40, "network error")                                                                                                                               \
    X(OTA_ERR_TIMEOUT, -41, "timed out")                                                                                                                               \
    X(OTA_ERR_TLS, -42, "TLS handshake or certificate verification failed")                                                                                            \
    X(OTA_ERR_TLS_REQUIRED, -43, "plain HTTP refused: TLS is enforced")                                                                                                \
    X(OTA_ERR_HTTP_STATUS, -44, "unexpected HTTP status")                                                                                                              \
    X(OTA_ERR_SHORT_BODY, -45, "body shorter than announced")                                                                                                          \
    X(OTA_ERR_URL, -46, "URL malformed or names no file")                                                                                                              \
    X(OTA_ERR_REDIRECT, -47, "redirect refused: a loop, too many hops, or from https to http")                                                                         \
    /* manifest */                                                                                                                                                     \
    X(OTA_ERR_JSON, -50, "manifest is not well-formed JSON")                                                                                                           \
    X(OTA_ERR_MANIFEST, -51, "not a manifest (no \"ota\" array)")                                                                                                      \
    X(OTA_ERR_ENTRY, -52, "manifest entry missing a key or with a bad value")                                                                                          \
    /* boot */                                                                                                                                                         \
    X(OTA_ERR_NO_IMAGE, -60, "no valid image to boot")                                                                                                                 \
    /* TLS: why the server's certificate was refused, when the port can tell (-70 .. -79 reserved; with OTA_ERR_TLS they make up every TLS failure, ota_err_is_tls) */ \
    X(OTA_ERR_TLS_EXPIRED, -70, "TLS: the server's certificate (or its CA's) has expired")                                                                             \
    X(OTA_ERR_TLS_NOT_YET_VALID, -71, "TLS: the server's certificate is not valid yet (is the clock right?)")                                                          \
    X(OTA_ERR_TLS_NAME, -72, "TLS: the certificate does not name the host of the URL")                                                                                 \
    X(OTA_ERR_TLS_UNKNOWN_ISSUER, -73, "TLS: the certificate is not from a trusted CA")                                                                                \
    X(OTA_ERR_TLS_SELF_SIGNED, -74, "TLS: the server's certificate is self-signed")

typedef enum ota_err {
#define OTA_ERR_ENUM_(name, value, text) name = (value),
    OTA_ERR_LIST(OTA_ERR_ENUM_)
#undef OTA_ERR_ENUM_
} ota_err_t;

/** The block of TLS reasons: OTA_ERR_TLS_REASON_FIRST down to _LAST. */
#define OTA_ERR_TLS_REASON_FIRST (-70)
#define OTA_ERR_TLS_REASON_LAST (-79)

/**
 * True for OTA_ERR_TLS and every TLS reason (-70 .. -79): for a caller that
 * treats any TLS failure alike, whatever reason the port could name.
 */
bool ota_err_is_tls(int err);

/** Name of an error code, e.g. "OTA_ERR_DIGEST"; "OTA_ERR_?" for an unknown code. */
const char *ota_err_name(int err);

/** One-line human description of an error code, for logs and tools. */
const char *ota_err_describe(int err);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_ERROR_H */

/*
 * A transport that is not a network stack: it answers the service's GETs
 * from a host folder through semihosting, standing in for the board's
 * TCP/IP and TLS, which QEMU's mps2-an386 has no use for here. A URL's path
 * names a file of the folder ("http://updates.example/fw/manifest.json"
 * reads <root>/fw/manifest.json; scheme and host are ignored): 200 with
 * its length, 206 from a Range start, 416 past its end, 404 when missing.
 * No redirects, no TLS: the HTTP(S) path is tested on the host.
 */
#ifndef MPS2_TRANSPORT_SEMIHOST_H
#define MPS2_TRANSPORT_SEMIHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_port.h"

/** One transport over one folder. Fields are private. */
typedef struct ota_transport_semihost {
    const char *root; /* the "server's" host folder */
    int fh;           /* the file of the current GET, -1 when none */
    bool open;
    int status;
    uint32_t len; /* body bytes announced */
} ota_transport_semihost_t;

/** Serve from the host folder root (a constant string). Returns OTA_OK. */
int ota_transport_semihost_init(ota_transport_semihost_t *t, const char *root);

/** Fill *out with the ota_transport_t view of t (ctx = t). Returns OTA_OK. */
int ota_transport_semihost_port(ota_transport_semihost_t *t, ota_transport_t *out);

#endif /* MPS2_TRANSPORT_SEMIHOST_H */

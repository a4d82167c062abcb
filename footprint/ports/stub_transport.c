/*
 * HTTP(S) transport stub. On a product this is the network stack and TLS
 * (lwIP + mbedTLS, a vendor's socket API): the service figure is owed
 * "without transport and TLS", so every request here fails as with the
 * network down.
 */
#include "stub_ports.h"

static int tp_get(void *ctx, const char *url, const ota_http_options_t *opt)
{
    (void)ctx;
    (void)url;
    (void)opt;
    return OTA_ERR_NET;
}

static int tp_response(void *ctx, ota_http_response_t *resp)
{
    (void)ctx;
    (void)resp;
    return OTA_ERR_NET;
}

static int tp_read(void *ctx, void *buf, uint32_t cap)
{
    (void)ctx;
    (void)buf;
    (void)cap;
    return OTA_ERR_NET;
}

static void tp_close(void *ctx)
{
    (void)ctx;
}

const ota_transport_t stub_transport = {
    .ctx = NULL,
    .get = tp_get,
    .response = tp_response,
    .read = tp_read,
    .close = tp_close,
};

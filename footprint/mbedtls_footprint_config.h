/*
 * mbedTLS configuration of the footprint build: SHA-256 and nothing else,
 * in its smaller (rolled-loop) form. Selected with
 * -DMBEDTLS_CONFIG_FILE="mbedtls_footprint_config.h".
 */
#ifndef SYSOTA_MBEDTLS_FOOTPRINT_CONFIG_H
#define SYSOTA_MBEDTLS_FOOTPRINT_CONFIG_H

#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER

#include "mbedtls/check_config.h"

#endif /* SYSOTA_MBEDTLS_FOOTPRINT_CONFIG_H */

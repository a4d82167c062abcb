/*
 * Image status values, shared by the image database and the boot control
 * record. They keep the original's values: every forward transition only clears
 * bits (0xFF -> 0xFE -> 0xFC -> 0xF8 -> 0xF0).
 */
#ifndef SYSOTA_OTA_STATUS_H
#define SYSOTA_OTA_STATUS_H

#define OTA_STATUS_EMPTY 0xFFu      /**< empty / invalid */
#define OTA_STATUS_DOWNLOADED 0xFEu /**< downloaded and verified, never booted */
#define OTA_STATUS_UNBOOTED 0xFCu   /**< programmed into NVM, first boot not yet confirmed */
#define OTA_STATUS_VALID 0xF8u      /**< booted and confirmed */
#define OTA_STATUS_DISABLED 0xF0u   /**< failed verification, failed to confirm, or rolled back */

/** Image types of the boot control record. */
#define OTA_TYPE_PRODUCTION 0x01u /**< an image installed from the store */
#define OTA_TYPE_FACTORY 0x02u    /**< the golden image programmed at the factory */

#endif /* SYSOTA_OTA_STATUS_H */

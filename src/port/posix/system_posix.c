/* Placeholder translation unit; the host port's files land beside it. */
typedef int sysota_posix_placeholder_t;

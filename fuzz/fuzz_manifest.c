/*
 * libFuzzer target: the manifest parser, the chooser and ota_url_file_name.
 *
 * Input: 4 bytes of running version (little-endian), then the manifest.
 * Besides the sanitizers' own checks, every promise of ota_manifest.h that
 * can be checked from outside is checked here and traps when broken: what
 * reaches the service must be safe whatever the server sends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sysota/ota_error.h"
#include "ota_manifest.h"
#include "fuzz_check.h"

struct seen {
    unsigned calls;
    uint32_t running;
    int best_found;
    uint32_t best;
};

/* A file name ota_url_file_name() accepted: the properties the store relies on. */
static void check_name(const char *name, size_t cap)
{
    size_t n = strnlen(name, cap);

    CHECK(n < cap);
    CHECK(n >= 1 && n <= OTA_STORE_NAME_MAX);
    CHECK(name[0] != '.');
    CHECK(strcmp(name, OTA_GOLDEN_NAME) != 0 && strcmp(name, OTA_DB_NAME) != 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        CHECK(c > 0x20 && c < 0x7F && c != '/' && c != '\\' && c != '%');
    }
}

static void check_entry(const ota_manifest_entry_t *e)
{
    char name[OTA_STORE_NAME_MAX + 1];

    CHECK(e->version >= 1);
    CHECK(memchr(e->url, '\0', sizeof e->url) != NULL);
    if (!e->erase) {
        CHECK(e->has_digest);
        CHECK(e->url[0] != '\0');
    }
    if (e->url[0] != '\0') {
        CHECK(ota_url_file_name(e->url, name, sizeof name) == OTA_OK);
        check_name(name, sizeof name);
    }
}

static int entry_cb(void *arg, unsigned index, const ota_manifest_entry_t *entry, int err, const char *what)
{
    struct seen *s = arg;

    CHECK(index == s->calls);
    s->calls++;
    CHECK((entry != NULL) == (err == OTA_OK));
    CHECK((what != NULL) == (err != OTA_OK));
    CHECK(err == OTA_OK || err == OTA_ERR_ENTRY || err == OTA_ERR_URL || err == OTA_ERR_NAME ||
          err == OTA_ERR_TOO_LARGE || err == OTA_ERR_FULL);
    CHECK((index >= OTA_MANIFEST_MAX_ENTRIES) == (err == OTA_ERR_FULL));
    if (entry != NULL) {
        check_entry(entry);
        if (!entry->erase && entry->version > s->running && (!s->best_found || entry->version > s->best)) {
            s->best = entry->version;
            s->best_found = 1;
        }
    }
    return 0;
}

static void fuzz_url(const uint8_t *data, size_t size)
{
    char url[OTA_URL_MAX + 64];
    char name[OTA_STORE_NAME_MAX + 8];
    size_t n = size < sizeof url - 1 ? size : sizeof url - 1;
    size_t cap;

    if (size == 0) {
        return;
    }
    memcpy(url, data, n);
    url[n] = '\0';
    cap = 1 + data[0] % sizeof name; /* exercise small caller buffers too */
    memset(name, 'X', sizeof name);
    int err = ota_url_file_name(url, name, cap);
    CHECK(err == OTA_OK || err == OTA_ERR_URL || err == OTA_ERR_NAME);
    for (size_t i = cap; i < sizeof name; i++) {
        CHECK(name[i] == 'X'); /* never a byte past cap */
    }
    if (err != OTA_OK) {
        CHECK(name[0] == '\0');
        return;
    }
    check_name(name, cap);
    /* the name is the URL's last path segment, before any query or fragment */
    size_t path_end = strcspn(url, "?#");
    size_t len = strlen(name);
    CHECK(len < path_end && memcmp(url + path_end - len, name, len) == 0 && url[path_end - len - 1] == '/');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t running = 0;
    ota_manifest_choice_t c;
    struct seen s;
    char *json;
    int err;
    int err2;

    if (size >= 4) {
        running = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
        data += 4;
        size -= 4;
    }
    /* An exact-size heap copy: ASan sees any read past the end. */
    json = malloc(size ? size : 1);
    if (json == NULL) {
        return 0;
    }
    memcpy(json, data, size);

    ota_manifest_policy_t policy = { .running = running };
    err = ota_manifest_choose(json, size, &policy, &c);
    CHECK(err == OTA_OK || err == OTA_ERR_JSON || err == OTA_ERR_MANIFEST || err == OTA_ERR_TOO_LARGE);
    if (size > OTA_MANIFEST_MAX_SIZE) {
        CHECK(err == OTA_ERR_TOO_LARGE);
    }
    CHECK(c.erase_count <= OTA_MANIFEST_MAX_ENTRIES);
    CHECK(c.accepted <= OTA_MANIFEST_MAX_ENTRIES);
    CHECK(c.erase_count <= c.accepted);
    CHECK((c.rejected != 0) == (c.first_reject_err != OTA_OK));
    CHECK((c.rejected != 0) == (c.first_reject_what != NULL));
    if (err != OTA_OK) {
        CHECK(!c.has_update && c.erase_count == 0 && c.accepted == 0 && c.rejected == 0);
    }
    if (c.has_update) {
        CHECK(c.update.version > running);
        CHECK(!c.update.erase);
        check_entry(&c.update);
    }
    for (unsigned i = 0; i < c.erase_count; i++) {
        CHECK(c.erase[i] >= 1);
        for (unsigned j = 0; j < i; j++) {
            CHECK(c.erase[i] != c.erase[j]);
        }
    }

    /* The parser alone agrees with the chooser, entry by entry. */
    memset(&s, 0, sizeof s);
    s.running = running;
    err2 = ota_manifest_parse(json, size, NULL, entry_cb, &s);
    CHECK(err2 == err);
    CHECK(s.calls == (unsigned)c.accepted + c.rejected || c.rejected == UINT8_MAX);
    CHECK(s.best_found == (int)c.has_update);
    if (c.has_update) {
        CHECK(s.best == c.update.version);
    }
    free(json);

    fuzz_url(data, size);
    return 0;
}

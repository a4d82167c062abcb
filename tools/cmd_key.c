/*
 * `sysota key gen|pub`: the signing key of a fleet's updates, and the public
 * half that servers' tools check with and devices are built with.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hostsign.h"
#include "tool_hostfile.h"
#include "sysota_cmd.h"

/* The generated header: comment, guard, two macros and 5 lines of bytes. */
#define C_ARRAY_CAP 4096
#define C_NAME_MAX 64
#define C_NAME_DEFAULT "SYSOTA_PUBKEY"

static void usage(FILE *out)
{
    fprintf(out, "usage: sysota key gen -o KEY.pem [--force]\n"
                 "       sysota key pub KEY.pem [-o KEY.pub.pem]\n"
                 "       sysota key pub KEY.pem --c-array [--name NAME] [-o FILE.h]\n"
                 "\n"
                 "gen    make a new ECDSA P-256 signing key in KEY.pem (PEM, unencrypted, readable\n"
                 "       by you only) and print its key id. An existing file is kept unless\n"
                 "       --force: a signing key that is lost cannot be made again.\n"
                 "pub    the public half of KEY.pem (a private key or a public key file), as\n"
                 "       PEM (what `sysota manifest check --pubkey` reads), to stdout without -o.\n"
                 "       --c-array writes it instead as a C header for a device build: NAME (a\n"
                 "       C identifier, default " C_NAME_DEFAULT ") is the initializer of the\n"
                 "       65-byte point 04||X||Y, one ota_keys_t point, and NAME_ID its key id.\n"
                 "\n"
                 "The key id is the first 8 bytes of the SHA-256 of the 65-byte point, in hex.\n"
                 "Exit status: 0 ok, 1 bad input, 2 usage.\n");
}

/* The options shared by both actions; argv[1] is the action. */
struct key_args {
    const char *in;
    const char *out;
    const char *name;
    bool force;
    bool c_array;
};

static int parse_args(int argc, char **argv, struct key_args *a, bool gen)
{
    const char *cmd = gen ? "sysota key gen" : "sysota key pub";
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        const char **value = NULL;
        if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) {
            value = &a->out;
        } else if (!gen && strcmp(s, "--name") == 0) {
            value = &a->name;
        } else if (gen && strcmp(s, "--force") == 0) {
            a->force = true;
            continue;
        } else if (!gen && strcmp(s, "--c-array") == 0) {
            a->c_array = true;
            continue;
        } else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (s[0] == '-' && s[1] != '\0') {
            fprintf(stderr, "%s: unknown option '%s'\n", cmd, s);
            usage(stderr);
            return SYSOTA_EXIT_USAGE;
        } else if (!gen && a->in == NULL) {
            a->in = s;
            continue;
        } else {
            fprintf(stderr, "%s: unexpected argument '%s'\n", cmd, s);
            return SYSOTA_EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", cmd, s);
            return SYSOTA_EXIT_USAGE;
        }
        *value = argv[++i];
    }
    if (gen ? a->out == NULL : a->in == NULL) {
        fprintf(stderr, "%s: needs %s\n", cmd, gen ? "-o KEY.pem" : "KEY.pem");
        usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    if (a->name != NULL && !a->c_array) {
        fprintf(stderr, "%s: --name goes with --c-array\n", cmd);
        return SYSOTA_EXIT_USAGE;
    }
    return SYSOTA_EXIT_OK;
}

static int key_gen(int argc, char **argv)
{
    struct key_args a;
    int status = parse_args(argc, argv, &a, true);
    if (status != SYSOTA_EXIT_OK) {
        return status < 0 ? SYSOTA_EXIT_OK : status;
    }
    struct stat st;
    if (!a.force && stat(a.out, &st) == 0) {
        fprintf(stderr,
                "sysota key gen: %s exists; a signing key cannot be made again once replaced: "
                "choose another name, or --force\n",
                a.out);
        return SYSOTA_EXIT_INPUT;
    }
    tool_key_t key;
    tool_key_info_t info;
    int err = tool_key_generate(&key);
    if (err != OTA_OK || tool_key_info(&key, &info) != OTA_OK) {
        fprintf(stderr, "sysota key gen: libcrypto could not make a P-256 key\n");
        tool_key_free(&key);
        return SYSOTA_EXIT_INPUT;
    }
    err = tool_key_save_private(&key, a.out);
    tool_key_free(&key);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota key gen: %s: cannot write: %s\n", a.out, strerror(errno));
        return SYSOTA_EXIT_INPUT;
    }
    printf("Private key: %s (ECDSA P-256; keep it secret)\n", a.out);
    printf("Key id: %s\n", info.id_hex);
    return SYSOTA_EXIT_OK;
}

/* A C identifier, short enough for the guard and the _ID macro. */
static bool c_identifier(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > C_NAME_MAX || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
            return false;
        }
    }
    return true;
}

/* The header a device build includes (format described in its comment). */
static int c_array_text(char *buf, size_t cap, const char *name, const uint8_t point[OTA_PUBKEY_LEN],
                        const char *id_hex)
{
    size_t n = 0;
/* Past cap, snprintf writes nothing and n keeps counting, so the caller learns it was short. */
#define ADD(...) n += (size_t)snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, __VA_ARGS__)
    ADD("/*\n"
        " * sysota public key, key id %s (written by `sysota key pub --c-array`).\n"
        " *\n"
        " * Format: an ECDSA P-256 public key as its uncompressed point\n"
        " * 0x04 || X || Y, 65 bytes, X and Y big-endian: one ota_keys_t point\n"
        " * (OTA_PUBKEY_LEN). Its key id is the first 8 bytes of the SHA-256 of\n"
        " * these 65 bytes, in hex: the id a signed manifest's .sig names.\n"
        " *\n"
        " * %s is the initializer of a uint8_t[65], so that both work:\n"
        " *   static const uint8_t key[OTA_PUBKEY_LEN] = %s;\n"
        " *   static const ota_keys_t keys = { .count = 1, .point = { %s } };\n"
        " */\n",
        id_hex, name, name, name);
    ADD("#ifndef %s_H\n#define %s_H\n\n", name, name);
    ADD("#define %s_ID \"%s\"\n\n", name, id_hex);
    ADD("#define %s { \\\n    0x%02x, /* uncompressed */ \\\n", name, point[0]);
    for (int half = 0; half < 2; half++) {
        for (int row = 0; row < 2; row++) {
            ADD("   ");
            for (int k = 0; k < 16; k++) {
                ADD(" 0x%02x,", point[1 + 32 * half + 16 * row + k]);
            }
            ADD("%s", row == 1 ? " \\\n" : half == 0 ? " /* X */ \\\n" : " /* Y */ \\\n");
        }
    }
    ADD("}\n\n#endif\n");
#undef ADD
    return n < cap ? (int)n : OTA_ERR_TOO_LARGE;
}

static int key_pub(int argc, char **argv)
{
    struct key_args a;
    int status = parse_args(argc, argv, &a, false);
    if (status != SYSOTA_EXIT_OK) {
        return status < 0 ? SYSOTA_EXIT_OK : status;
    }
    const char *name = a.name != NULL ? a.name : C_NAME_DEFAULT;
    if (!c_identifier(name)) {
        fprintf(stderr, "sysota key pub: --name '%s': not a C identifier of at most %d characters\n", name, C_NAME_MAX);
        return SYSOTA_EXIT_USAGE;
    }
    tool_key_t key;
    int err = tool_key_load_public(&key, a.in);
    if (err != OTA_OK) {
        fprintf(stderr, "sysota key pub: %s: %s\n", a.in, tool_key_load_error_text(err));
        return SYSOTA_EXIT_INPUT;
    }
    tool_key_info_t info;
    status = SYSOTA_EXIT_OK;
    if (tool_key_info(&key, &info) != OTA_OK) {
        fprintf(stderr, "sysota key pub: %s: libcrypto could not give its point\n", a.in);
        status = SYSOTA_EXIT_INPUT;
    } else if (a.c_array) {
        char text[C_ARRAY_CAP];
        int len = c_array_text(text, sizeof text, name, info.point, info.id_hex);
        if (len < 0) {
            fprintf(stderr, "sysota key pub: internal error: the header does not fit %d bytes\n", C_ARRAY_CAP);
            status = SYSOTA_EXIT_INPUT;
        } else if (a.out == NULL) {
            fwrite(text, 1, (size_t)len, stdout);
        } else if (tool_hostfile_save(a.out, text, (size_t)len) != OTA_OK) {
            fprintf(stderr, "sysota key pub: %s: cannot write: %s\n", a.out, strerror(errno));
            status = SYSOTA_EXIT_INPUT;
        } else {
            printf("C header: %s (%s, the 65-byte point)\nKey id: %s\n", a.out, name, info.id_hex);
        }
    } else if (a.out == NULL) {
        char *pem = NULL;
        size_t len = 0;
        if (tool_key_public_pem(&key, &pem, &len) != OTA_OK) {
            fprintf(stderr, "sysota key pub: %s: libcrypto could not write its public key\n", a.in);
            status = SYSOTA_EXIT_INPUT;
        } else {
            fwrite(pem, 1, len, stdout);
        }
        free(pem);
    } else if (tool_key_save_public(&key, a.out) != OTA_OK) {
        fprintf(stderr, "sysota key pub: %s: cannot write: %s\n", a.out, strerror(errno));
        status = SYSOTA_EXIT_INPUT;
    } else {
        printf("Public key: %s\nKey id: %s\n", a.out, info.id_hex);
    }
    tool_key_free(&key);
    return status;
}

int sysota_cmd_key(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? SYSOTA_EXIT_USAGE : SYSOTA_EXIT_OK;
    }
    if (strcmp(argv[1], "gen") == 0) {
        return key_gen(argc, argv);
    }
    if (strcmp(argv[1], "pub") == 0) {
        return key_pub(argc, argv);
    }
    fprintf(stderr, "sysota key: unknown action '%s' (gen or pub)\n", argv[1]);
    usage(stderr);
    return SYSOTA_EXIT_USAGE;
}

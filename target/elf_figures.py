#!/usr/bin/python3
"""Sizes of the board's real firmware (ports/mps2-an386 as the target build links it).

    elf_figures.py --build TARGET_BUILD [--results FILE]

For mps2_boot.elf (the bootloader) and mps2_app_v2.elf (the application):
text / data / bss from arm-none-eabi-size, and, from the linker map, the
split by origin: the sysota core, mbedTLS (SHA-256 and ECDSA P-256 verify),
the board's ports (flash, store, system, crypto, the semihosting transport),
the board (start-up, semihosting, tick), the program's own main, and
newlib-nano / libgcc. The application's "OTA part" is the core, mbedTLS and
the ports. bss includes the stack (the linker scripts' STACK_SIZE), which
is reported apart. Figures are appended to FILE as "tgt.<image>.<figure> <value>".
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "footprint"))
import report  # noqa: E402  (footprint/report.py: the map reader)

PORT_FILES = ("device.c", "flash_port.c", "store_port.c", "system_port.c", "crypto_port.c",
              "crypto_mbedtls.c", "transport_semihost.c")
BOARD_FILES = ("board.c", "startup.c", "semihost.c")


def origin(obj):
    if "libtgt_core.a(" in obj or "libsysota_core.a(" in obj:
        return "core"
    if "mbedcrypto.a(" in obj:
        return "mbedtls"
    if "libc_nano.a(" in obj or "libc.a(" in obj or "libgcc.a(" in obj:
        return "libc"
    name = re.search(r"([\w.-]+)\.c\.obj", obj)
    name = name.group(1) + ".c" if name else ""
    if name in PORT_FILES:
        return "ports"
    if name in BOARD_FILES:
        return "board"
    return "main"


def stack_size(map_path):
    with open(map_path) as f:
        m = re.search(r"^\s*0x[0-9a-f]+\s+STACK_SIZE = (0x[0-9a-f]+)", f.read(), re.M)
    return int(m.group(1), 16) if m else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--results")
    a = ap.parse_args()
    report.origin = origin
    out = []
    for key, elf in (("boot", "mps2_boot"), ("app", "mps2_app_v2")):
        text, data, bss = report.sizes("arm-none-eabi-", os.path.join(a.build, elf + ".elf"))
        by_origin, _ = report.map_breakdown(os.path.join(a.build, elf + ".map"))
        stack = stack_size(os.path.join(a.build, elf + ".map"))
        figures = [("text", text, "bytes of flash (arm-none-eabi-size text)"),
                   ("data", data, "bytes (initialised RAM)"),
                   ("bss", bss, "bytes (zeroed RAM, the stack included)"),
                   ("stack_size", stack, "bytes of stack (STACK_SIZE)"),
                   ("ram", data + bss - stack, "bytes of static RAM without the stack")]
        for o in ("core", "mbedtls", "ports", "board", "main", "libc"):
            v = by_origin.get(o, {"text": 0, "data": 0, "bss": 0})
            figures.append(("text_" + o, v["text"], "bytes of text from " + o))
            figures.append(("ram_" + o, v["data"] + v["bss"], "bytes of static RAM from " + o))
        if key == "app":
            ota = sum(by_origin.get(o, {"text": 0})["text"] for o in ("core", "mbedtls", "ports"))
            figures.append(("ota_text", ota, "bytes of text of the OTA part (core + mbedTLS + ports)"))
        for k, v, unit in figures:
            out.append(("tgt.%s.%s" % (key, k), v, unit))
    for k, v, unit in out:
        print("%-40s %14.4f  %s" % (k, v, unit))
    if a.results:
        with open(a.results, "a") as f:
            for k, v, _ in out:
                f.write("%s %d\n" % (k, v))


if __name__ == "__main__":
    main()

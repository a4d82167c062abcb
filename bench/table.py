#!/usr/bin/python3
"""The closing table of `make bench`: every figure beside
its reference or ideal, the ratio, the target, and whether it is met.

    table.py RESULTS_FILE [--markdown]

RESULTS_FILE holds "key value" lines written by the bench programs and
footprint/report.py. A figure that is missing (its benchmark failed) shows
as n/a and counts as not measured. Exit status 0 when every figure was
measured (met or not), 1 otherwise: targets missed are figures, not errors.
A benchmark that cannot take a figure on this machine (and says why in its
log) writes "KEY.skipped 1": the figure shows as skipped, not as a failure.
"""
import sys

# (section, label, ours key, reference key or number, reference label,
#  target kind, target value, unit)
# Target kinds: "ratio<=": ours/reference <= value; "ratio=": ours/reference
# == value (printed to two decimals); "<=": ours <= value; "=": ours == value;
# None: a figure with no target; "owed": a figure a later build will measure
# (shown as owed, never as a failure while it is missing).
ROWS = [
    ("1", "update 64 MiB, HTTP: check -> ready", "update.http.ours_s", "update.http.ref_s",
     "curl -o && sha256sum", "ratio<=", 0.5, "s"),
    ("1", "update 64 MiB, HTTPS: check -> ready", "update.https.ours_s", "update.https.ref_s",
     "curl --cacert -o && sha256sum", "ratio<=", 0.5, "s"),
    ("2", "install 1 MiB: sector erases", "install.app_erases", "install.sectors_covered",
     "sectors covered", "ratio=", 1.0, ""),
    ("2", "install 1 MiB: bytes programmed", "install.app_programmed", "install.image_size",
     "image size", "ratio=", 1.0, "B"),
    ("2", "install 1 MiB: store bytes read (image)", "install.store_read", "install.image_size",
     "image size", "ratio<=", 2.0, "B"),
    ("3", "direct boot: flash bytes read", "boot.flash_read", "boot.bootctl_size",
     "boot control area", "ratio<=", 1.1, "B"),
    ("3", "direct boot: bytes hashed", "boot.hashed", None, "", "=", 0, "B"),
    ("3", "direct boot: store calls", "boot.store_ops", None, "", "=", 0, ""),
    ("3", "direct boot: store bytes read", "boot.store_read", None, "", "=", 0, "B"),
    ("4", "bootloader: text (with SHA-256)", "fp.boot.text", 3700, "MCUboot ~3.7 KB", "<=", 4096, "B"),
    ("4", "bootloader: text with -flto", "fp.boot.text_lto", "fp.boot.text", "without LTO", "<=", 4096, "B"),
    ("4", "bootloader: static RAM", "fp.boot.ram", 3400, "MCUboot ~3.4 KB", "<=", 2048, "B"),
    ("4", "bootloader: stack depth (bound)", "fp.boot.stack", None, "", None, None, "B"),
    ("4", "service core: text (with SHA-256)", "fp.svc.text", None, "", "<=", 8192, "B"),
    ("4", "service core: text with -flto", "fp.svc.text_lto", "fp.svc.text", "without LTO", "<=", 8192, "B"),
    ("4", "service core: static RAM (buffers in)", "fp.svc.ram", None, "", "<=", 4096, "B"),
    ("4", "service core: stack depth (bound)", "fp.svc.stack", None, "", None, None, "B"),
    ("4", "delta: JojoDiff decoder text (with shared)", "fp.delta.jojo_text", 670, "HPatchLite patcher 670 B",
     "<=", 1536, "B"),
    ("4", "delta: VCDIFF decoder text (with shared)", "fp.delta.vcdiff_text", 670, "HPatchLite patcher 670 B",
     "<=", 1536, "B"),
    ("4", "delta: JojoDiff state (work buffer apart)", "fp.delta.jojo_state", None, "", "<=", 1024, "B"),
    ("4", "delta: VCDIFF state (work buffer apart)", "fp.delta.vcdiff_state", None, "", "<=", 1024, "B"),
    ("4", "delta: stack depth (bound)", "fp.delta.stack", None, "", None, None, "B"),
    ("5", "poll, no update, HTTP: bytes", "poll.http.total", "poll.http.ref_total",
     "one curl GET", None, None, "B"),
    ("5", "poll, no update, HTTPS: bytes", "poll.https.total", "poll.https.ref_total",
     "one curl GET", None, None, "B"),
    ("5", "next poll, 304, HTTP: bytes", "poll.http.cond_total", "poll.http.cond_ref_total",
     "curl, the same If-None-Match GET", "<=", 300, "B"),
    ("5", "next poll, 304, HTTPS, TLS session resumed: bytes", "poll.https.cond_total",
     "poll.https.cond_ref_total", "curl, the same on a resumed session", "<=", 1000, "B"),
    ("6", "signed bootloader: text (ECDSA P-256)", "fp.boot_ecdsa.text", 8396,
     "MCUboot ECDSA P-256 8.2 KB", "<=", 8192, "B"),
    ("6", "signed bootloader: static RAM (arena in)", "fp.boot_ecdsa.ram", None, "", None, None, "B"),
    ("6", "signed bootloader: verify's arena peak", "fp.boot_ecdsa.heap_peak", "fp.boot_ecdsa.heap_arena",
     "arena", "ratio<=", 1.0, "B"),
    ("6", "signed bootloader: stack of a verify (bound)", "fp.boot_ecdsa.stack_verify", None, "", None, None, "B"),
    ("6", "signed bootloader: stack depth (bound)", "fp.boot_ecdsa.stack", None, "", None, None, "B"),
    ("6", "verify, footprint config (i386): instructions", "fp.boot_ecdsa.verify_instr",
     "fp.boot_ecdsa_defaults.verify_instr", "mbedTLS defaults", None, None, ""),
    ("6", "verify on a Cortex-M4 (QEMU, board): instructions", "tgt.verify.insn", "verify.mbedtls.instr",
     "the same on the host port", None, None, ""),
    ("6", "verify on the host port: instructions", "verify.mbedtls.instr", "verify.openssl.instr",
     "OpenSSL", None, None, ""),
    ("6", "verify on the host port: stack", "verify.mbedtls.stack", "verify.openssl.stack",
     "OpenSSL", None, None, "B"),
    ("6", "signed poll, HTTP: extra bytes", "poll.http.signed_extra", "poll.http.signed_ref_extra",
     "curl, both files", None, None, "B"),
    ("6", "signed poll, HTTPS: extra bytes", "poll.https.signed_extra", "poll.https.signed_ref_extra",
     "curl, both files", None, None, "B"),
    ("7", "S140 7.2.0 -> 7.3.0: VCDIFF patch", "delta.s140.vcdiff_bytes", "delta.s140.full_bytes",
     "full image", "ratio<=", 0.25, "B"),
    ("7", "S140 7.2.0 -> 7.3.0: JojoDiff patch", "delta.s140.jojo_bytes", "delta.s140.full_bytes",
     "full image", None, None, "B"),
    ("7", "S140: apply VCDIFF on the host", "delta.s140.vcdiff_apply_ms", "delta.s140.xdelta3_apply_ms",
     "xdelta3 -d, a process", None, None, "ms"),
    ("7", "S140: apply JojoDiff on the host", "delta.s140.jojo_apply_ms", None, "", None, None, "ms"),
    ("7", "synthetic pairs: VCDIFF patches", "delta.syn.vcdiff_bytes", "delta.syn.full_bytes",
     "full images", None, None, "B"),
    ("7", "synthetic pairs: JojoDiff patches", "delta.syn.jojo_bytes", "delta.syn.full_bytes",
     "full images", None, None, "B"),
    ("7", "all pairs: apply VCDIFF on the host", "delta.all.vcdiff_apply_ms", "delta.all.xdelta3_apply_ms",
     "xdelta3 -d, a process", None, None, "ms"),
    ("8", "board bootloader ELF: text (SHA-256 + ECDSA)", "tgt.boot.text", "fp.boot.text",
     "stub-port build", None, None, "B"),
    ("8", "board bootloader: static RAM (stack out)", "tgt.boot.ram", "fp.boot.ram",
     "stub-port build", None, None, "B"),
    ("8", "board bootloader: stack high-water", "tgt.boot.stack_hwm", "fp.boot.stack",
     "static bound", None, None, "B"),
    ("8", "board application: OTA part text", "tgt.app.ota_text", "fp.svc.text",
     "stub-port build", None, None, "B"),
    ("8", "board application: stack high-water", "tgt.app.stack_hwm", "fp.svc.stack",
     "static bound", None, None, "B"),
    ("8", "boot: instructions to the jump, direct", "tgt.boot.insn_direct", None, "", None, None, ""),
    ("8", "boot: instructions to the jump, install 256 KiB", "tgt.boot.insn_install", None, "", None, None, ""),
    ("9", "update 256 KiB, 256 kbit/s, 5 % loss: check -> ready", "lossy.ours_s", "lossy.ref_s",
     "curl --retry -C - && sha256sum", "ratio<=", 1.2, "s"),
    ("9", "update 256 KiB, lossy link: bytes both ways", "lossy.ours_bytes", "lossy.ref_bytes",
     "curl --retry -C -", None, None, "B"),
    ("10", "power cut at 50 % of 1 MiB: bytes fetched again", "resume.cut50.again", "resume.sync_interval",
     "sync interval", "ratio<=", 1.0, "B"),
    ("10", "power cut at 90 % of 1 MiB: bytes fetched again", "resume.cut90.again", "resume.sync_interval",
     "sync interval", "ratio<=", 1.0, "B"),
    ("11", "fleet: requests per device per day", "fleet.cond.requests", "fleet.polls_per_day",
     "polls a day at 15 min", None, None, ""),
    ("11", "fleet: bytes per device per day", "fleet.cond.bytes", "fleet.full.bytes",
     "without conditional polls", None, None, "B"),
    ("11", "fleet: manifest bytes per device per day", "fleet.cond.poll_bytes", "fleet.full.poll_bytes",
     "without conditional polls", None, None, "B"),
    ("11", "fleet: manifest requests answered 304", "fleet.cond.share_304", None, "", None, None, "%"),
    ("11", "fleet: devices updated at Rollout 10", "fleet.cond.updated_stage1", "fleet.cond.cohort",
     "rollout bucket < 10", "ratio=", 1.0, ""),
    ("11", "fleet: devices updated at Rollout 100", "fleet.cond.updated", "fleet.devices",
     "devices", "ratio=", 1.0, ""),
    ("11", "100,000 devices: requests/s, day's mean", "fleet.cond.rps_100k", "fleet.ideal_rps_100k",
     "100,000 / 900 s", None, None, ""),
    ("11", "100,000 devices: requests/s, busiest minute", "fleet.cond.peak_rps_100k", "fleet.cond.rps_100k",
     "day's mean", None, None, ""),
    ("11", "100,000 devices: bytes/s, day's mean", "fleet.cond.bps_100k", "fleet.full.bps_100k",
     "without conditional polls", None, None, "B"),
    ("11", "nginx CPU per request (user + system)", "fleet.cond.nginx_us", "fleet.full.nginx_us",
     "without conditional polls", None, None, "us"),
]


def load(path):
    vals = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                try:
                    vals[parts[0]] = float(parts[1])
                except ValueError:
                    pass
    return vals


def fmt(v, unit):
    if v is None:
        return "n/a"
    if unit == "s":
        return "%.3f s" % v
    if float(v).is_integer():
        return "%d%s" % (v, (" " + unit) if unit else "")
    return "%.2f%s" % (v, (" " + unit) if unit else "")


def target_text(kind, value):
    if kind is None or kind == "owed":
        return "-"
    return {"ratio<=": "ratio <= %.2f", "ratio=": "ratio = %.2f", "<=": "<= %g", "=": "= %g"}[kind] % value


def evaluate(row, vals):
    sec, label, key, ref, ref_label, kind, tv, unit = row
    ours = vals.get(key)
    refv = vals.get(ref) if isinstance(ref, str) else ref
    ratio = ours / refv if (ours is not None and refv) else None
    if ours is None and kind == "owed":
        met = "owed (QEMU build)"
    elif ours is None and vals.get(key + ".skipped"):
        met = "skipped (see the bench log)"
    elif ours is None:
        met = "NOT MEASURED"
    elif kind is None:
        met = "-"
    elif kind == "ratio<=":
        met = "yes" if ratio is not None and ratio <= tv + 1e-9 else "no"
    elif kind == "ratio=":
        met = "yes" if ratio is not None and abs(ratio - tv) < 0.005 else "no"
    elif kind == "<=":
        met = "yes" if ours <= tv else "no (%.2fx)" % (ours / tv)
    else:
        met = "yes" if ours == tv else "no"
    ref_txt = "" if refv is None else fmt(refv, unit if isinstance(ref, str) else "B")
    if ref_label:
        ref_txt = ("%s (%s)" % (ref_txt, ref_label)) if ref_txt else ref_label
    return [sec, label, fmt(ours, unit), ref_txt or "-",
            "-" if ratio is None else "%.2f" % ratio, target_text(kind, tv), met]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: table.py RESULTS_FILE [--markdown]")
    vals = load(sys.argv[1])
    md = "--markdown" in sys.argv[2:]
    head = ["#", "figure", "ours", "reference / ideal", "ratio", "target", "met"]
    rows = [evaluate(r, vals) for r in ROWS]
    if md:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
        line = "  ".join("%-*s" % (w[i], head[i]) for i in range(len(head)))
        print(line)
        print("-" * len(line))
        for r in rows:
            print("  ".join("%-*s" % (w[i], r[i]) for i in range(len(head))))
    return 1 if any(r[6] == "NOT MEASURED" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Footprint report of one Cortex-M4 image of the footprint build.

    report.py --name boot --build BUILD/footprint [--results FILE] [--tool-prefix arm-none-eabi-]

Prints, for BUILD/<name>_m4.elf (boot, service, or delta: the two delta-patch
decoders alone):
  - text / data / bss from arm-none-eabi-size (static RAM = data + bss);
  - text and static RAM split by origin (sysota core, mbedTLS SHA-256,
    libc/libgcc, "app": main + start-up + stub ports; main holds the core's
    static ota_boot_t / ota_service_t and buffers), from the linker map,
    and the core's text by file;
  - the worst-case stack depth from Reset_Handler, from GCC's call graphs
    (-fcallgraph-info=su) and frame sizes. An indirect call is charged the
    deepest function it could reach: from the core, any port function or
    core callback whose address is taken; from mbedTLS, what mbedTLS itself
    takes the address of. The figure is an upper bound. Library functions (no call graph) are charged the
    pushes and stack adjustments of their disassembly.
For delta also each decoder's text with the code both share (delta_io.c)
and its state in RAM (an ota_delta_t, a union of the formats' states;
sizes read with nm -S from footprint/delta_sizes.c's object).
Figures are also appended to FILE as "fp.<name>.<figure> <value>".
"""
import argparse
import glob
import os
import re
import subprocess
import sys

CALL_RELOCS = {"R_ARM_THM_CALL", "R_ARM_THM_JUMP24", "R_ARM_THM_JUMP19", "R_ARM_CALL",
               "R_ARM_JUMP24", "R_ARM_THM_JUMP11", "R_ARM_THM_JUMP8", "R_ARM_PC24"}


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def sizes(prefix, elf):
    out = run([prefix + "size", elf]).splitlines()[1].split()
    return int(out[0]), int(out[1]), int(out[2])


ORIGINS = ("core", "sha256", "ecdsa", "libc", "app")


def origin(obj):
    if "libsysota_core_m4.a(" in obj:
        return "core"
    if re.search(r"libmbedsha\w*_m4\.a\(", obj):
        return "sha256"
    if re.search(r"libmbedecdsa\w*_m4\.a\(", obj):
        return "ecdsa"
    if "libc_nano.a(" in obj or "libc.a(" in obj or "libgcc.a(" in obj or "libnosys" in obj:
        return "libc"
    return "app"


def map_breakdown(map_path):
    """{origin: {text, data, bss}} and {origin: {file: text}} from a GNU ld map."""
    by_origin = {}
    files = {}
    with open(map_path) as f:
        lines = f.read().split("\n")
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        sys.exit("report.py: %s is not a GNU ld map" % map_path)
    out_sec = None
    pending = None
    row = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    for line in lines[start + 1:]:
        m = re.match(r"^(\.[\w.]+)\s", line + " ")
        if m and not line.startswith(" "):
            out_sec = m.group(1)
            pending = None
            continue
        m = re.match(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m:
            name, size, obj = m.group(1), int(m.group(3), 16), m.group(4)
        elif re.match(r"^ (\.\S+)$", line):
            pending = line.strip()
            continue
        else:
            m = row.match(line)
            if not (m and pending):
                pending = None
                continue
            name, size, obj = pending, int(m.group(2), 16), m.group(3)
        pending = None
        if name.startswith("*") or size == 0 or out_sec is None:
            continue
        kind = {".data": "data", ".bss": "bss"}.get(out_sec, "text")
        if out_sec not in (".isr_vector", ".text", ".ARM.exidx", ".data", ".bss", ".rodata"):
            continue
        o = origin(obj)
        by_origin.setdefault(o, {"text": 0, "data": 0, "bss": 0})[kind] += size
        if kind == "text":
            f = re.search(r"\(([^)]+?)(\.obj)?\)$", obj)
            key = f.group(1) if f else os.path.basename(obj)
            files.setdefault(o, {})
            files[o][key] = files[o].get(key, 0) + size
    return by_origin, files


def parse_ci(path):
    """Nodes {title: (name, bytes or None)} and edges [(src, dst)] of one .ci file."""
    nodes, edges = {}, []
    node_re = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
    edge_re = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
    with open(path) as f:
        for line in f:
            m = node_re.search(line)
            if m:
                title, label = m.group(1), m.group(2)
                parts = label.split("\\n")
                frame = None
                qual = ""
                if len(parts) >= 3:
                    s = re.match(r"(\d+) bytes \(([^)]*)\)", parts[2])
                    if s:
                        frame, qual = int(s.group(1)), s.group(2)
                old = nodes.get(title)
                if old is None or (old[1] is None and frame is not None):
                    nodes[title] = (parts[0], frame, qual)
                continue
            m = edge_re.search(line)
            if m:
                edges.append((m.group(1), m.group(2)))
    return nodes, edges


def address_taken(prefix, obj, source):
    """Titles of the functions whose address an object takes (not calls), vector table excluded."""
    taken = set()
    section = ""
    for line in run([prefix + "readelf", "-rW", obj]).splitlines():
        m = re.match(r"Relocation section '([^']+)'", line)
        if m:
            section = m.group(1)
            continue
        f = line.split()
        if len(f) >= 5 and f[2].startswith("R_ARM_") and f[2] not in CALL_RELOCS:
            if ".isr_vector" in section:
                continue
            taken.add((source, f[4]))
    return taken


def lib_frames(prefix, elf):
    """Stack bytes of each function in the image, from its pushes and sp adjustments."""
    frames = {}
    cur = None
    for line in run([prefix + "objdump", "-d", "--no-show-raw-insn", elf]).splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = m.group(1)
            frames[cur] = 0
            continue
        if cur is None:
            continue
        ins = line.split("\t")
        if len(ins) < 3:
            continue
        op, args = ins[1].strip(), ins[2].strip()
        if op.startswith("push") or (op.startswith("stmdb") and args.startswith("sp!")):
            frames[cur] += 4 * (args.count(",") + 1 - (1 if args.startswith("sp!") else 0))
        elif op.startswith("sub") and re.match(r"sp, (sp, )?#\d+", args):
            frames[cur] += int(args.split("#")[1].split()[0])
    return frames


def mbedtls_suffix(name):
    """The suffix of the mbedTLS libraries an image links (CMakeLists.txt's fp_mbedtls)."""
    return "" if name in ("boot", "service") else name[len("boot"):]


def stack_depth(prefix, build, name, elf, roots):
    """{root: (worst depth in bytes, path)} for each root function, and the analysis' notes."""
    sfx = mbedtls_suffix(name)
    dirs = {"sysota_core_m4.dir": "core", "mbedsha%s_m4.dir" % sfx: "sha256",
            "mbedecdsa%s_m4.dir" % sfx: "ecdsa", "stubs_m4.dir": "app", "%s_m4.dir" % name: "app"}
    nodes, edges, comp = {}, [], {}
    taken = {"core": set(), "sha256": set(), "ecdsa": set(), "app": set()}
    for d, component in dirs.items():
        for ci in glob.glob(os.path.join(build, "CMakeFiles", d, "**", "*.ci"), recursive=True):
            n, e = parse_ci(ci)
            for t, v in n.items():
                if t not in nodes or (nodes[t][1] is None and v[1] is not None):
                    nodes[t] = v
            for s, _ in e:
                comp[s] = component
            edges += e
            obj = ci[:-3] + ".obj"
            with open(ci) as f:
                source = re.search(r'graph: \{ title: "([^"]+)"', f.read()).group(1)
            if os.path.exists(obj):
                taken[component] |= address_taken(prefix, obj, source)
    linked = set(l.split()[-1] for l in run([prefix + "nm", elf]).splitlines() if len(l.split()) == 3)
    lib = lib_frames(prefix, elf)
    # A taken symbol name -> the node it names: the static one of that source file first.
    by_name = {}
    for t, (n, fr, q) in nodes.items():
        by_name.setdefault(n, []).append(t)
    targets = {}
    for component, pairs in taken.items():
        targets[component] = set()
        for source, sym in pairs:
            if sym not in linked:
                continue
            local = "%s:%s" % (source, sym)
            if local in nodes:
                targets[component].add(local)
            elif sym in nodes or sym in lib:
                targets[component].add(sym)
    # The core calls the ports it is handed and its own callbacks.
    targets["core"] |= targets["app"]
    calls = {}
    for s, d in edges:
        calls.setdefault(s, set()).add(d)
    warnings = []
    memo = {}
    active = set()

    def frame(t):
        n, fr, q = nodes.get(t, (t, None, ""))
        if fr is None:
            fr = lib.get(n.split(":")[-1], 0)
        if q and q != "static":
            warnings.append("%s: %s frame" % (n, q))
        return fr

    def worst(t):
        if t in memo:
            return memo[t]
        if t in active:
            warnings.append("recursion through %s (not counted again)" % nodes.get(t, (t,))[0])
            return 0, [t]
        active.add(t)
        best, path = 0, []
        for c in sorted(calls.get(t, ())):
            cands = sorted(targets.get(comp.get(t), ())) if c == "__indirect_call" else [c]
            for cand in cands:
                d, p = worst(cand)
                if d > best:
                    best, path = d, p
        active.discard(t)
        memo[t] = (frame(t) + best, [t] + path)
        return memo[t]

    out = {}
    for root in roots:
        depth, path = worst(root)
        out[root] = (depth, ["%s(%d)" % (nodes.get(t, (t,))[0], frame(t)) for t in path])
    return out, sorted(set(warnings))


ORIGIN_TEXT = {"core": "the sysota core", "sha256": "mbedTLS sha256.c + platform_util.c",
               "ecdsa": "mbedTLS's verify (ecdsa, ecp, bignum, their allocator)",
               "libc": "newlib-nano / libgcc", "app": "main, start-up and stub ports"}


def delta_figures(prefix, build, core_files):
    """Each decoder's text (its file plus the shared delta_io.c) and state."""
    objs = glob.glob(os.path.join(build, "CMakeFiles", "delta_sizes_m4.dir", "**", "*.obj"), recursive=True)
    if not objs:
        sys.exit("report.py: no delta_sizes object in %s" % build)
    state = {}
    for line in run([prefix + "nm", "-S", objs[0]]).splitlines():
        f = line.split()
        if len(f) == 4 and f[3].startswith("footprint_delta_"):
            state[f[3]] = int(f[1], 16)
    io = core_files.get("delta_io.c", 0)
    return [
        ("text_shared", io, "bytes of text both decoders share (delta_io.c: init, step, reader, flush)"),
        ("jojo_text", core_files.get("delta_jojo.c", 0) + io, "bytes of text: JojoDiff decoder with the shared part"),
        ("vcdiff_text", core_files.get("delta_vcdiff.c", 0) + io,
         "bytes of text: VCDIFF decoder with the shared part"),
        ("state", state["footprint_delta_state"], "bytes of RAM: ota_delta_t (either format), work buffer not counted"),
        ("jojo_state", state["footprint_delta_jojo_state"], "bytes of RAM the JojoDiff state needs alone"),
        ("vcdiff_state", state["footprint_delta_vcdiff_state"],
         "bytes of RAM the VCDIFF state needs alone (1536 of them its same cache)"),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True, help="boot, service, delta, boot_ecdsa or boot_ecdsa_<variant>")
    ap.add_argument("--build", required=True)
    ap.add_argument("--results")
    ap.add_argument("--brief", action="store_true", help="one line: text, its split, RAM, stack")
    ap.add_argument("--tool-prefix", default="arm-none-eabi-")
    a = ap.parse_args()
    if not re.match(r"^(boot|service|delta|boot_ecdsa(_[a-z0-9]+)?)$", a.name):
        ap.error("unknown image %s" % a.name)
    signed = a.name.startswith("boot_ecdsa")
    elf = os.path.join(a.build, "%s_m4.elf" % a.name)
    text, data, bss = sizes(a.tool_prefix, elf)
    by_origin, files = map_breakdown(os.path.join(a.build, "%s_m4.map" % a.name))
    roots = ["Reset_Handler"] + (["stub_ecdsa_verify"] if signed else [])
    depths, warnings = stack_depth(a.tool_prefix, a.build, a.name, elf, roots)
    depth, path = depths["Reset_Handler"]
    key = "fp.%s" % {"boot": "boot", "service": "svc"}.get(a.name, a.name)
    figures = [
        ("text", text, "bytes of flash (arm-none-eabi-size text)"),
        ("data", data, "bytes (initialised RAM)"),
        ("bss", bss, "bytes (zeroed RAM)"),
        ("ram", data + bss, "bytes of static RAM (data + bss)"),
        ("stack", depth, "bytes, worst-case stack depth from Reset_Handler"),
    ]
    if signed:
        figures.append(("stack_verify", depths["stub_ecdsa_verify"][0],
                        "bytes, worst-case stack depth of one verify (from stub_ecdsa_verify)"))
    for o in ORIGINS:
        if o == "ecdsa" and not signed:
            continue
        v = by_origin.get(o, {"text": 0, "data": 0, "bss": 0})
        figures.append(("text_" + o, v["text"], "bytes of text from " + ORIGIN_TEXT[o]))
        figures.append(("ram_" + o, v["data"] + v["bss"], "bytes of static RAM from the same" + (
            " (main's static ota_%s_t%s)" % ("service" if a.name == "service" else "boot",
                                             " and buffer" if a.name == "service" else
                                             " and the verify's arena" if signed else "")
            if o == "app" else "")))
    if a.name == "delta":
        figures += delta_figures(a.tool_prefix, a.build, files.get("core", {}))
    if a.brief:
        f = dict((k, v) for k, v, _ in figures)
        print("%-22s text %6d = core %d + sha256 %d + ecdsa %d + libc %d + app %d; verify stack %d" % (
            a.name, f["text"], f["text_core"], f["text_sha256"], f.get("text_ecdsa", 0), f["text_libc"],
            f["text_app"], f.get("stack_verify", 0)))
    else:
        for k, v, unit in figures:
            print("%-40s %14.4f  %s" % ("%s.%s" % (key, k), v, unit))
        for o in ("core", "ecdsa", "libc"):
            if files.get(o):
                print("# %s %s text by file: %s" % (a.name, o, ", ".join(
                    "%s %d" % (f, s) for f, s in sorted(files[o].items(), key=lambda x: -x[1]))))
        print("# %s deepest call path: %s" % (a.name, " -> ".join(path)))
        if signed:
            print("# %s deepest verify path: %s" % (a.name, " -> ".join(depths["stub_ecdsa_verify"][1])))
        for w in warnings:
            print("# %s stack note: %s" % (a.name, w))
    if a.results:
        with open(a.results, "a") as f:
            for k, v, _ in figures:
                f.write("%s.%s %d\n" % (key, k, v))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Where exec -> attached goes, for `make bench` (the "profile" group).

usage: phases.py strace NAME TRACE...       kernel time by phase, from `strace -T -o TRACE` runs
       phases.py callgrind NAME OUT.callgrind  user instructions by phase, from callgrind

Each prints one JSON object. strace: per phase, the median and min over the traces of the time
spent inside the phase's syscalls (strace -T: in-kernel time, which strace's stops do not
inflate much), up to the "Tracing" line. callgrind: inclusive instruction counts of the
functions that make up each phase (user space only; syscalls are the strace part).
"""
import json
import re
import statistics
import subprocess
import sys

PHASES = ["exec", "libbpf feature probes", "object BTF load", "map creation",
          "prog load (verifier)", "uprobe attach", "other syscalls"]


def phase(line):
    if "bpf(BPF_PROG_LOAD" in line:
        # libbpf's probes load tiny nameless or libbpf_* programs; the tracer's has its name
        m = re.search(r'prog_name="([^"]*)"', line)
        probe = not m or m.group(1) in ("", "libbpf_nametest") or m.group(1).startswith("det_")
        return "libbpf feature probes" if probe else "prog load (verifier)"
    if "bpf(BPF_BTF_LOAD" in line:
        m = re.search(r"btf_size=(\d+)", line)
        return "object BTF load" if m and int(m.group(1)) > 1000 else "libbpf feature probes"
    if "bpf(BPF_MAP_CREATE" in line:
        m = re.search(r'map_name="([^"]*)"', line)
        probe = not m or m.group(1) == "" or m.group(1).startswith("libbpf_")
        return "libbpf feature probes" if probe else "map creation"
    if any(s in line for s in ("BPF_MAP_UPDATE_ELEM", "BPF_MAP_FREEZE", "BPF_PROG_BIND_MAP")):
        return "map creation"
    if any(s in line for s in ("perf_event_open", "BPF_LINK_CREATE", "PERF_EVENT_IOC")):
        return "uprobe attach"
    if line.startswith("execve"):
        return "exec"
    return "other syscalls"


def strace(name, traces):
    per = {p: [] for p in PHASES}
    for path in traces:
        sums = dict.fromkeys(PHASES, 0.0)
        seen = False
        with open(path, errors="replace") as f:
            for line in f:
                m = re.search(r"<([\d.]+)>\s*$", line)
                if m:
                    sums[phase(line)] += float(m.group(1)) * 1000
                if "Tracing" in line:
                    seen = True
                    break
        if seen:
            for p in PHASES:
                per[p].append(sums[p])
    out = {"name": name, "runs": len(per[PHASES[0]]), "unit": "ms"}
    for p in PHASES:
        v = per[p]
        out[p] = {"median": round(statistics.median(v), 3), "min": round(min(v), 3)} if v else None
    return out


# user-space phases: the functions (inclusive) that do each part
FUNCS = {
    "host + blob store": ["host_info_read", "store_open_self"],
    "target ELF inspection": ["elf_inspect_fd", "elf_has_function"],
    "kernel BTF load": ["kernel_btf_load"],
    "merge (prune)": ["btf_merge_for_objects"],
    "libbpf open": ["bpf_object__open_skeleton", "structs_bpf__open_opts"],
    "libbpf load": ["bpf_object__load_skeleton", "structs_bpf__load"],
    "uprobe attach (ELF symbol lookup)": ["bpf_program__attach_uprobe_opts"],
    "seed merge (btf__parse + btf__add_btf + write)": ["seed_merge"],
}


def callgrind(name, out):
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                          capture_output=True, text=True).stdout
    incl = {}
    total = None
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S+)", line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        where = m.group(2)
        if where == "PROGRAM":
            total = n
        fn = where.rsplit(":", 1)[-1]
        incl[fn] = max(incl.get(fn, 0), n)
    res = {"name": name, "unit": "instructions", "total": total}
    for phase_name, fns in FUNCS.items():
        vals = [incl[f] for f in fns if f in incl]
        if vals:
            # alternatives name the same phase at two levels: count the outermost once
            res[phase_name] = max(vals) if len(fns) == 2 and phase_name.startswith("libbpf") else sum(vals)
    return res


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "strace":
        print(json.dumps(strace(sys.argv[2], sys.argv[3:])))
    elif len(sys.argv) == 4 and sys.argv[1] == "callgrind":
        print(json.dumps(callgrind(sys.argv[2], sys.argv[3])))
    else:
        sys.exit(__doc__)


main()

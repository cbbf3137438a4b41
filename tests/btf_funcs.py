#!/usr/bin/env python3
# Prints every FUNC of a BTF file, one line each: name, linkage, return type and each parameter's
# name and resolved type name, from `bpftool -j btf dump file F` (tests/integration/dwfunc.sh
# compares `btf dwarf --funcs` with pahole's this way).
import json, subprocess, sys

types = {t["id"]: t for t in json.loads(subprocess.check_output(["bpftool", "-j", "btf", "dump", "file", sys.argv[1]]))["types"]}

def name(i, depth=0):
    if i == 0:
        return "void"
    t = types[i]
    k, n = t["kind"], t.get("name", "(anon)")
    if depth > 10:
        return "..."
    if k == "PTR":
        return name(t["type_id"], depth + 1) + " *"
    if k in ("CONST", "VOLATILE", "RESTRICT"):
        return k.lower() + " " + name(t["type_id"], depth + 1)
    if k == "ARRAY":
        return "%s[%d]" % (name(t["type_id"], depth + 1), t["nr_elems"])
    if k == "FUNC_PROTO":
        return "fn(" + ",".join(name(p["type_id"], depth + 1) for p in t["params"]) + ")->" + name(t["ret_type_id"], depth + 1)
    if k in ("STRUCT", "UNION", "ENUM", "ENUM64", "FWD"):
        return "%s %s/%s" % (k.lower(), n, t.get("size", "-"))
    return n		# INT, FLOAT, TYPEDEF

for t in sorted((t for t in types.values() if t["kind"] == "FUNC"), key=lambda t: t["name"]):
    p = types[t["type_id"]]
    args = ",".join("%s:%s" % (a.get("name", ""), name(a["type_id"])) if a["type_id"] else "..." for a in p["params"])
    print("%s %s %s(%s)" % (t["name"], t["linkage"], name(p["ret_type_id"]), args))

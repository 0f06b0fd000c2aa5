#!/usr/bin/env python3
"""Writes the hand-made valid snapshots of tests/corpus/valid/ (odd but valid graphs and layout
variants). Run from anywhere; then refresh the goldens with tools/goldens.sh (needs ../shared)."""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "valid")
NODE_TYPES = ["hidden", "array", "string", "object", "code", "closure", "regexp", "number",
              "native", "synthetic", "concatenated string", "sliced string", "symbol", "bigint",
              "object shape"]
EDGE_TYPES = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"]
NT = {n: i for i, n in enumerate(NODE_TYPES)}
ET = {n: i for i, n in enumerate(EDGE_TYPES)}


def build(nodes, fields=("type", "name", "id", "self_size", "edge_count", "detachedness"),
          root_index=None, extra_header=None, counts=True, locations=None):
    """nodes: list of (type, name, id, self, [(etype, name|index, target ordinal)])."""
    strings = ["<dummy>", ""]
    def sid(s):
        if s not in strings:
            strings.append(s)
        return strings.index(s)
    F = len(fields)
    nvals, evals = [], []
    for (t, name, nid, size, edges) in nodes:
        rec = {"type": NT[t], "name": sid(name), "id": nid, "self_size": size,
               "edge_count": len(edges), "trace_node_id": 0, "detachedness": 0}
        nvals.append([rec[f] for f in fields])
        for (et, en, to) in edges:
            ni = en if et in ("element", "hidden") else sid(en)
            evals.append([ET[et], ni, to * F])
    header = {"meta": {"node_fields": list(fields),
                       "node_types": [NODE_TYPES] + ["string", "number", "number", "number", "number", "number"][:F - 1],
                       "edge_fields": ["type", "name_or_index", "to_node"],
                       "edge_types": [EDGE_TYPES, "string_or_number", "node"],
                       "location_fields": ["object_index", "script_id", "line", "column"]}}
    if counts:
        header["node_count"] = len(nodes)
        header["edge_count"] = len(evals)
    header["trace_function_count"] = 0
    if root_index is not None:
        header["root_index"] = root_index * F
    if extra_header:
        header.update(extra_header)
    return header, nvals, evals, strings, (locations or [])


def compact(parts):
    header, nvals, evals, strings, locs = parts
    flat = lambda rows: ",".join(str(v) for r in rows for v in r)
    return ('{"snapshot":%s,\n"nodes":[%s],\n"edges":[%s],\n"trace_function_infos":[],\n"trace_tree":[],\n'
            '"samples":[],\n"locations":[%s],\n"strings":[%s]}' % (
                json.dumps(header, separators=(",", ":")), flat(nvals), flat(evals), flat(locs),
                ",".join(json.dumps(s, ensure_ascii=True) for s in strings)))


def write(name, text):
    with open(os.path.join(OUT, name + ".heapsnapshot"), "w", newline="") as f:
        f.write(text)


def graphs():
    R = lambda edges: ("synthetic", "", 1, 0, edges)
    yield "root-only", build([R([])])
    yield "zero-edges", build([R([]), ("object", "A", 3, 10, []), ("object", "B", 5, 20, [])])
    yield "cycle", build([R([("shortcut", "1", 1)]),
                          ("object", "A", 3, 10, [("property", "b", 2)]),
                          ("object", "B", 5, 20, [("property", "c", 3)]),
                          ("object", "C", 7, 30, [("property", "a", 1)])])
    yield "self-edges", build([R([("shortcut", "1", 1), ("element", 0, 0)]),
                               ("object", "A", 3, 10, [("property", "me", 1), ("property", "b", 2)]),
                               ("object", "B", 5, 20, [("internal", "self", 2)])])
    yield "multi-edges", build([R([("element", 1, 1), ("element", 2, 1)]),
                                ("object", "A", 3, 10, [("property", "x", 2), ("property", "y", 2),
                                                        ("element", 0, 2)]),
                                ("object", "B", 5, 20, [])])
    yield "unreachable-cluster", build([R([("element", 1, 1)]),
                                        ("object", "A", 3, 10, []),
                                        ("object", "X", 5, 100, [("property", "y", 3)]),
                                        ("object", "Y", 7, 200, [("property", "x", 2), ("property", "a", 1)]),
                                        ("object", "Z", 9, 5, [("property", "x", 2)])])
    yield "weak-only", build([R([("shortcut", "1", 1)]),
                              ("object", "A", 3, 10, [("weak", "w", 2), ("property", "c", 3)]),
                              ("object", "B", 5, 20, [("property", "d", 4)]),
                              ("object", "C", 7, 30, [("weak", "w2", 2)]),
                              ("object", "D", 9, 40, [])])
    yield "duplicate-ids", build([R([("element", 1, 1), ("element", 2, 2)]),
                                  ("object", "A", 3, 10, [("property", "b", 3)]),
                                  ("object", "A", 3, 20, [("property", "b", 3)]),
                                  ("object", "B", 3, 30, [])])
    yield "root-last", build([("object", "A", 3, 10, [("property", "b", 1)]),
                              ("object", "B", 5, 20, []),
                              ("object", "C", 7, 30, [("property", "a", 0)]),
                              ("synthetic", "", 1, 0, [("shortcut", "1", 0), ("element", 1, 2)])],
                             root_index=3)
    # The tiny 6-node example of the spec (user roots, size redistribution, non-essential edge).
    yield "tiny-6", build([R([("shortcut", "2", 1), ("element", 1, 5)]),
                           ("object", "A", 3, 10, [("property", "x", 2)]),
                           ("object", "A", 5, 20, [("property", "x", 3), ("element", 0, 4)]),
                           ("object", "B", 7, 5, []),
                           ("array", "", 9, 8, []),
                           ("object", "Object", 11, 4, [("property", "x", 2)])])


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, parts in graphs():
        write(name, compact(parts))
    # Layout variants of one graph (a V8-like one: GC roots, a string, a closure, a WeakMap
    # ephemeron edge, a location), all with the same numbers.
    R = ("synthetic", "", 1, 0, [("shortcut", "1", 1), ("element", 1, 2)])
    nodes = [R,
             ("object", "global", 3, 24, [("property", "s", 3), ("property", "f", 4), ("property", "m", 5)]),
             ("synthetic", "(GC roots)", 5, 0, [("element", 1, 6)]),
             ("string", "h\u00e9llo \"w\"\n/\U0001F600\ud800", 7, 32, []),
             ("closure", "fn", 9, 40, [("context", "ctx", 6), ("internal", "shared", 7)]),
             ("object", "WeakMap", 11, 16, [("internal", "table", 8)]),
             ("object", "system / Context", 13, 20, []),
             ("code", "(shared function info)", 15, 56, []),
             ("array", "", 17, 64, [("internal", "1 / part of key (Object @3) -> value (Object @19) pair in WeakMap (table @17)", 9)]),
             ("object", "Object", 19, 12, [])]
    fields7 = ("type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness")
    parts = build(nodes, fields=fields7, locations=[[4 * 7, 3, 10, 2]])
    write("layout-compact", compact(parts))
    header, nvals, evals, strings, locs = parts
    # V8 <= 12.4: one record per line, strings one per line.
    rows = lambda rs: "\n,".join(",".join(map(str, r)) for r in rs)
    write("layout-rows", '{"snapshot":%s,\n"nodes":[%s],\n"edges":[%s],\n"trace_function_infos":[],\n'
          '"trace_tree":[],\n"samples":[],\n"locations":[%s],\n"strings":[%s]}' % (
              json.dumps(header, separators=(",", ":")), rows(nvals), rows(evals), rows(locs),
              "\n,".join(json.dumps(s) for s in strings)))
    # No whitespace at all (Chrome/puppeteer saves).
    write("layout-oneline", compact(parts).replace("\n", ""))
    # Pretty-printed, keys in odd order, strings before the header, raw UTF-8, extra sections.
    doc = {"strings": strings, "edges": [v for r in evals for v in r], "unknown_section": {"a": [1, [2, {}]]},
           "nodes": [v for r in nvals for v in r], "locations": [v for r in locs for v in r],
           "trace_tree": [[[[]]]], "snapshot": dict(header, title="odd", uid=7)}
    write("layout-pretty-odd-order", json.dumps(doc, indent=2, ensure_ascii=False).replace("\ud800", "\\ud800"))
    # Minimal: only snapshot/nodes/edges/strings, no counts, no location_fields (Julia-like).
    h2, nv2, ev2, st2, _ = build(nodes, counts=False)
    del h2["meta"]["location_fields"]
    del h2["trace_function_count"]
    write("layout-minimal", '{"snapshot":%s,"nodes":[%s],"edges":[%s],"strings":%s}' % (
        json.dumps(h2), ", ".join(str(v) for r in nv2 for v in r),
        ", ".join(str(v) for r in ev2 for v in r), json.dumps(st2)))
    # Node 24 style: 6 fields, extra_native_bytes, lower-case \u escapes and \/ escapes.
    h3, nv3, ev3, st3, l3 = build(nodes, extra_header={"extra_native_bytes": 1000},
                                  locations=[[4 * 6, 3, 10, 2]])
    s3 = ",".join(json.dumps(s).replace("\\u00e9", "\\u00E9").replace("/", "\\/") for s in st3)
    write("layout-node24", '{"snapshot":%s,\n"nodes":[%s],\n"edges":[%s],\n"trace_function_infos":[],\n'
          '"trace_tree":[],\n"samples":[],\n"locations":[%s],\n"strings":[%s]}' % (
              json.dumps(h3, separators=(",", ":")), ",".join(str(v) for r in nv3 for v in r),
              ",".join(str(v) for r in ev3 for v in r), ",".join(str(v) for r in l3 for v in r), s3))


if __name__ == "__main__":
    main()

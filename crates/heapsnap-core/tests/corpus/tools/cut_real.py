#!/usr/bin/env python3
"""Cuts a small valid snapshot out of a real one: the first N nodes in breadth-first order from
the root (edges in file order), the edges among them, their locations and the strings they use.
Real names, types, ephemeron edges and layouts, at a size fit for a test or a fuzz seed.

    cut_real.py IN.heapsnapshot OUT.heapsnapshot [N=300] [rows|compact] [FANOUT]

FANOUT caps the new nodes taken from one node's edges (d8's sub-roots hold thousands of
zero-size builtins; a cap reaches real objects within N).
"""
import json, sys
from collections import deque


def main():
    src, dst = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    layout = sys.argv[4] if len(sys.argv) > 4 else "compact"
    fanout = int(sys.argv[5]) if len(sys.argv) > 5 else 1 << 60
    d = json.load(open(src, encoding="utf-8"))
    meta = d["snapshot"]["meta"]
    nf, ef = meta["node_fields"], meta["edge_fields"]
    F, E = len(nf), len(ef)
    ti, ni, eci = nf.index("type"), nf.index("name"), nf.index("edge_count")
    eti, eni, eto = ef.index("type"), ef.index("name_or_index"), ef.index("to_node")
    etypes = meta["edge_types"][0]
    numbered = {etypes.index(t) for t in ("element", "hidden") if t in etypes}
    nodes, edges, strings = d["nodes"], d["edges"], d["strings"]
    n = len(nodes) // F
    first = [0] * (n + 1)
    for i in range(n):
        first[i + 1] = first[i] + nodes[i * F + eci]
    root = d["snapshot"].get("root_index", 0) // F
    keep, order, q = {root: 0}, [root], deque([root])
    while q and len(order) < limit:
        v = q.popleft()
        taken = 0
        for k in range(first[v], first[v + 1]):
            t = edges[k * E + eto] // F
            if t not in keep and len(order) < limit and taken < fanout:
                taken += 1
                keep[t] = len(order)
                order.append(t)
                q.append(t)
    sidx = {}
    new_strings = []
    def s(i):
        if i not in sidx:
            sidx[i] = len(new_strings)
            new_strings.append(strings[i])
        return sidx[i]
    s(0)
    nrows, erows = [], []
    for v in order:
        rec = nodes[v * F:(v + 1) * F]
        out = []
        for k in range(first[v], first[v + 1]):
            e = edges[k * E:(k + 1) * E]
            t = e[eto] // F
            if t in keep:
                e = list(e)
                e[eto] = keep[t] * F
                if e[eti] not in numbered:
                    e[eni] = s(e[eni])
                out.append(e)
        rec = list(rec)
        rec[ni] = s(rec[ni])
        rec[eci] = len(out)
        nrows.append(rec)
        erows.extend(out)
    lf = meta.get("location_fields", [])
    locs = []
    if lf:
        L, oi = len(lf), lf.index("object_index")
        loc = d.get("locations", [])
        for k in range(0, len(loc), L):
            r = list(loc[k:k + L])
            if r[oi] // F in keep:
                r[oi] = keep[r[oi] // F] * F
                locs.append(r)
    header = dict(d["snapshot"])
    header["node_count"], header["edge_count"] = len(nrows), len(erows)
    header.pop("root_index", None)
    sep = "\n," if layout == "rows" else ","
    rows = lambda rs: sep.join(",".join(map(str, r)) for r in rs)
    text = '{"snapshot":%s,\n"nodes":[%s],\n"edges":[%s],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[%s],\n"strings":[%s]}' % (
        json.dumps(header, separators=(",", ":")), rows(nrows), rows(erows), rows(locs),
        sep.join(json.dumps(x) for x in new_strings))
    open(dst, "w").write(text)


if __name__ == "__main__":
    main()

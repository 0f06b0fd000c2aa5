#!/usr/bin/env node
// Writes one valid, multi-GB heap snapshot by replicating a real snapshot's graph N times: the
// benchmark's way to measure cost per GB and RSS/file at sizes no generator process can reach
// (V8 itself needs ~5x the file to write a snapshot).
//
//   node benchmark/gen/replicate.mjs SOURCE.heapsnapshot N OUT.heapsnapshot [--id-stride S] [--json]
//
// --id-stride S shifts ids by at least S per copy (default: just above the source's largest id).
// Replicating the three snapshots of a leak series with one stride keeps an object's id the same
// in all three, as findLeaks needs: e.g. a ~330 MB baseline/target/final from the 10 MB leak set.
//
// The result is one heap holding N copies of the source's graph under a single root, as if N
// isolates shared one snapshot:
//   - copy 0 is the source as it is; copies 1..N-1 drop their root node, and the root's edges of
//     every copy become edges of the one root (so each copy's GC roots and globals are reached
//     exactly as in the source, and every DevTools pass sees N similar sub-heaps);
//   - node indices (`to_node`, locations' `object_index`) are remapped per copy;
//   - ids are shifted by a per-copy stride (even, so odd JS ids stay odd), so ids are unique;
//   - the names of string nodes get a copy-specific variant (the string plus " #c") appended to
//     the string table, so the table grows with the heap as in a real bigger heap; class names,
//     property names and every other string stay shared (the class count stays the source's);
//   - other sections (trace_function_infos, trace_tree, samples) are copied once.
// Streaming output in 8 MiB blocks; the source is read whole (≤ 4 GB) and its integer arrays
// are held as typed arrays (≈ 1.2x the source in RSS). The output is written to OUT.tmp-PID
// first and renamed, so an interrupted run never leaves a truncated file behind.
// Exit codes: 0 ok, 1 failure, 2 usage error.
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const NUMERIC = new Set(['nodes', 'edges', 'locations', 'samples', 'trace_function_infos']);

function fail(msg) {
  throw new Error(`replicate: ${msg}`);
}

// ---------------------------------------------------------------------------------------------
// Reading the source: top-level sections as byte ranges, integer arrays as typed arrays.

const isWs = (b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Index just past the JSON string that starts at buf[i] (a '"'). */
function skipString(buf, i) {
  i++;
  for (;;) {
    const q = buf.indexOf(0x22, i);
    if (q < 0) fail('unterminated string');
    // count the backslashes before the quote
    let k = q - 1;
    while (buf[k] === 0x5c) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** Index just past the JSON value that starts at buf[i] (objects/arrays matched iteratively). */
function skipValue(buf, i) {
  const b = buf[i];
  if (b === 0x22) return skipString(buf, i);
  if (b !== 0x7b && b !== 0x5b) {
    while (i < buf.length && !isWs(buf[i]) && buf[i] !== 0x2c && buf[i] !== 0x7d && buf[i] !== 0x5d) i++;
    return i;
  }
  let depth = 0;
  while (i < buf.length) {
    const c = buf[i];
    if (c === 0x22) {
      i = skipString(buf, i);
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return fail('unexpected end of input');
}

/**
 * Parses the integer array at buf[i] ('['): returns [values, index past ']'], in a Float64Array,
 * or in a Uint32Array when `narrow` (the values must then fit in 32 bits).
 */
function parseIntArray(buf, i, name, narrow = false) {
  if (buf[i] !== 0x5b) fail(`"${name}" is not an array`);
  const end = buf.indexOf(0x5d, i);
  if (end < 0) fail(`"${name}" is not closed`);
  // count values (commas + 1, unless empty) to size the array exactly
  let commas = 0;
  for (let k = buf.indexOf(0x2c, i); k >= 0 && k < end; k = buf.indexOf(0x2c, k + 1)) commas++;
  let empty = true;
  for (let k = i + 1; k < end; k++) if (!isWs(buf[k])) { empty = false; break; }
  const out = new (narrow ? Uint32Array : Float64Array)(empty ? 0 : commas + 1);
  let n = 0;
  let v = 0;
  let neg = false;
  let inNum = false;
  for (let k = i + 1; k < end; k++) {
    const b = buf[k];
    if (b >= 0x30 && b <= 0x39) { v = v * 10 + (b - 0x30); inNum = true; }
    else if (b === 0x2c) {
      if (narrow && (neg || v >= 2 ** 32)) fail(`"${name}": value ${neg ? -v : v} does not fit in 32 bits`);
      out[n++] = neg ? -v : v;
      v = 0;
      neg = false;
      inNum = false;
    }
    else if (b === 0x2d) neg = true;
    else if (!isWs(b)) fail(`"${name}": unexpected byte 0x${b.toString(16)} at ${k}`);
  }
  if (inNum) {
    if (narrow && (neg || v >= 2 ** 32)) fail(`"${name}": value ${neg ? -v : v} does not fit in 32 bits`);
    out[n++] = neg ? -v : v;
  }
  if (n !== out.length) fail(`"${name}": counted ${out.length} values, read ${n}`);
  return [out, end + 1];
}

/** Offsets of each string token in the strings array at buf[i]: [starts, ends, index past ']']. */
function scanStrings(buf, i) {
  if (buf[i] !== 0x5b) fail('"strings" is not an array');
  const starts = [];
  const ends = [];
  i++;
  for (;;) {
    while (isWs(buf[i]) || buf[i] === 0x2c) i++;
    if (buf[i] === 0x5d) return [Float64Array.from(starts), Float64Array.from(ends), i + 1];
    if (buf[i] !== 0x22) fail(`"strings": expected a string at ${i}`);
    const e = skipString(buf, i);
    starts.push(i);
    ends.push(e);
    i = e;
  }
}

function readSource(file) {
  const buf = readFileSync(file);
  const sections = new Map(); // key -> { start, end } (value's byte range) or parsed data
  const order = [];
  let i = buf.indexOf(0x7b);
  if (i < 0) fail('not a JSON object');
  i++;
  for (;;) {
    while (isWs(buf[i]) || buf[i] === 0x2c) i++;
    if (buf[i] === 0x7d) break;
    if (buf[i] !== 0x22) fail(`expected a key at byte ${i}`);
    const ke = skipString(buf, i);
    const key = JSON.parse(buf.toString('utf8', i, ke));
    i = ke;
    while (isWs(buf[i])) i++;
    if (buf[i] !== 0x3a) fail(`expected ':' after "${key}"`);
    i++;
    while (isWs(buf[i])) i++;
    const start = i;
    let entry;
    if (NUMERIC.has(key)) {
      const [values, end] = parseIntArray(buf, i, key, key === 'edges');
      entry = { values, start, end };
      i = end;
    } else if (key === 'strings') {
      const [starts, ends, end] = scanStrings(buf, i);
      entry = { starts, ends, start, end };
      i = end;
    } else {
      const end = skipValue(buf, i);
      entry = { start, end };
      i = end;
    }
    sections.set(key, entry);
    order.push(key);
  }
  const header = JSON.parse(buf.toString('utf8', sections.get('snapshot').start, sections.get('snapshot').end));
  for (const k of ['snapshot', 'nodes', 'edges', 'strings']) if (!sections.has(k)) fail(`the source has no "${k}"`);
  return { buf, sections, order, header };
}

// ---------------------------------------------------------------------------------------------
// Writing: a block buffer with a hand-written integer formatter.

class Out {
  constructor(fd) {
    this.fd = fd;
    this.buf = Buffer.allocUnsafe(8 << 20);
    this.n = 0;
    this.bytes = 0;
  }
  flush() {
    let off = 0;
    while (off < this.n) off += writeSync(this.fd, this.buf, off, this.n - off);
    this.bytes += this.n;
    this.n = 0;
  }
  room(k) {
    if (this.n + k > this.buf.length) this.flush();
  }
  ascii(s) {
    this.room(s.length * 3 + 8);
    this.n += this.buf.write(s, this.n, 'utf8');
  }
  bytesOf(src, start, end) {
    let s = start;
    while (s < end) {
      this.room(1);
      const k = Math.min(end - s, this.buf.length - this.n);
      src.copy(this.buf, this.n, s, s + k);
      this.n += k;
      s += k;
    }
  }
  byte(b) {
    if (this.n >= this.buf.length) this.flush();
    this.buf[this.n++] = b;
  }
  /** A non-negative integer (< 2^53) or -1-style small negatives. */
  int(v) {
    this.room(24);
    const buf = this.buf;
    if (v < 0) { buf[this.n++] = 0x2d; v = -v; }
    if (v < 10) { buf[this.n++] = 0x30 + v; return; }
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    let k = this.n + digits;
    this.n = k;
    while (v >= 10) {
      const q = Math.floor(v / 10);
      buf[--k] = 0x30 + (v - q * 10);
      v = q;
    }
    buf[--k] = 0x30 + v;
  }
}

/** The largest V8-style (below 2^28) node id of a snapshot: a common `idStride` for a series. */
export function largestId(sourceFile) {
  const { sections, header } = readSource(sourceFile);
  const nf = header.meta.node_fields.length;
  const fId = header.meta.node_fields.indexOf('id');
  const nodes = sections.get('nodes').values;
  let maxId = 0;
  for (let i = fId; i < nodes.length; i += nf) if (nodes[i] < 2 ** 28 && nodes[i] > maxId) maxId = nodes[i];
  return maxId;
}

/**
 * Replicates `sourceFile` `copies` times into `outFile`. Returns a summary
 * ({ copies, nodes, edges, strings, bytes, seconds }).
 */
export function replicate(sourceFile, copies, outFile, { log = () => {}, idStride: minStride = 0 } = {}) {
  if (!Number.isInteger(copies) || copies < 1) fail('N must be a positive integer');
  const t0 = performance.now();
  log(`replicate: reading ${sourceFile}`);
  const { buf, sections, order, header } = readSource(sourceFile);
  const meta = header.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nodes = sections.get('nodes').values;
  const edges = sections.get('edges').values;
  const n = nodes.length / nf;
  const e = edges.length / ef;
  if (!Number.isInteger(n) || !Number.isInteger(e)) fail('node/edge arrays are not whole records');
  if (header.root_index != null && header.root_index !== 0) fail('the root must be the first node');
  const f = (list, name) => list.indexOf(name);
  const [fType, fName, fId, fEdges] = [f(meta.node_fields, 'type'), f(meta.node_fields, 'name'), f(meta.node_fields, 'id'), f(meta.node_fields, 'edge_count')];
  const eTo = f(meta.edge_fields, 'to_node');
  if (fType < 0 || fName < 0 || fId < 0 || fEdges < 0 || eTo < 0) fail('the source lacks a node or edge field this tool needs');
  const stringType = meta.node_types[0].indexOf('string');
  const rootEdges = nodes[fEdges];

  // Ids: V8's own ids are small (a counter stepping by 2; odd for JS objects), but embedder
  // (native) nodes may carry pointer-like ids near 2^31. Small ids are shifted by a per-copy
  // stride (even, so parity is kept); the few huge ones are renumbered per copy above all
  // others, keeping their parity.
  const HUGE = 2 ** 28;
  let maxId = 0;
  const huge = [];
  for (let i = fId; i < nodes.length; i += nf) {
    const id = nodes[i];
    if (id >= HUGE) huge.push(id);
    else if (id > maxId) maxId = id;
  }
  const hugeRank = new Map([...new Set(huge)].sort((a, b) => a - b).map((id, r) => [id, r]));
  const stride0 = Math.max(maxId + 2, minStride);
  const idStride = stride0 + (stride0 % 2);
  const hugeBase = Math.max(copies * idStride, huge.length ? Math.max(...hugeRank.keys()) + 2 : 0);
  const hugeBaseEven = hugeBase + (hugeBase % 2);
  const idOf = (c, id) => {
    if (c === 0) return id;
    if (id < HUGE) return id + c * idStride;
    const r = hugeRank.get(id);
    return r === undefined ? id : hugeBaseEven + ((c - 1) * hugeRank.size + r) * 2 + (id % 2);
  };
  const minHuge = huge.length ? Math.min(...hugeRank.keys()) : Infinity;
  if (hugeBaseEven + copies * hugeRank.size * 2 >= 2 ** 32 || (copies - 1) * idStride + maxId >= minHuge) {
    fail(`${copies} copies would need ids above 2^32 (max id ${maxId}, ${hugeRank.size} ids above 2^28); use fewer copies or a smaller source`);
  }

  // String-node names get one variant per extra copy: rank of each such string index.
  const strings = sections.get('strings');
  const S = strings.starts.length;
  const rank = new Int32Array(S).fill(-1);
  let variants = 0;
  if (stringType >= 0) {
    for (let i = 0; i < nodes.length; i += nf) {
      if (nodes[i + fType] === stringType && rank[nodes[i + fName]] < 0) rank[nodes[i + fName]] = variants++;
    }
  }
  const ordinalOf = (c, o) => (c === 0 || o === 0 ? o : n + (c - 1) * (n - 1) + (o - 1));
  const totalNodes = n + (copies - 1) * (n - 1);
  const totalEdges = e * copies;
  // Edge names that quote node ids (WeakMap ephemerons: "part of key (Object @12) -> value
  // (Object @34) pair in WeakMap (table @56)"): DevTools reads those ids, so each extra copy gets
  // a variant naming its own ids.
  const eType = f(meta.edge_fields, 'type');
  const eName = f(meta.edge_fields, 'name_or_index');
  const edgeTypes = meta.edge_types[0];
  const numbered = new Set([edgeTypes.indexOf('element'), edgeTypes.indexOf('hidden')]);
  const quoted = new Int32Array(S).fill(-1);
  const quotedList = [];
  const idRef = /@(\d+)/;
  if (eType >= 0 && eName >= 0) {
    for (let j = 0; j < edges.length; j += ef) {
      const si = edges[j + eName];
      if (numbered.has(edges[j + eType]) || si >= S || quoted[si] !== -1) continue;
      quoted[si] = -2; // looked at
      if (buf.indexOf(0x40, strings.starts[si]) < strings.ends[si] && idRef.test(buf.toString('utf8', strings.starts[si], strings.ends[si]))) {
        quoted[si] = quotedList.length;
        quotedList.push(si);
      }
    }
  }
  const quotedBase = S + (copies - 1) * variants;
  const totalStrings = quotedBase + (copies - 1) * quotedList.length;
  if (totalNodes * nf >= 2 ** 32) fail(`${totalNodes} nodes: to_node would not fit in 32 bits`);

  const tmp = `${outFile}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'wx', 0o600);
  const out = new Out(fd);
  try {
    for (let s = 0; s < order.length; s++) {
      const key = order[s];
      out.ascii(s === 0 ? `{${JSON.stringify(key)}:` : `,\n${JSON.stringify(key)}:`);
      if (key === 'snapshot') {
        const h = { ...header, node_count: totalNodes, edge_count: totalEdges };
        out.ascii(JSON.stringify(h));
      } else if (key === 'nodes') {
        out.byte(0x5b);
        let first = true;
        for (let c = 0; c < copies; c++) {
          for (let o = c === 0 ? 0 : 1; o < n; o++) {
            const base = o * nf;
            for (let k = 0; k < nf; k++) {
              let v = nodes[base + k];
              if (k === fId) v = idOf(c, v);
              else if (k === fEdges && o === 0) v = rootEdges * copies;
              else if (k === fName && c > 0 && nodes[base + fType] === stringType) v = S + (c - 1) * variants + rank[v];
              if (!first) out.byte(k === 0 ? 0x0a : 0x2c);
              if (k === 0 && !first) out.byte(0x2c);
              first = false;
              out.int(v);
            }
          }
          log(`replicate: nodes of copy ${c + 1}/${copies}`);
        }
        out.byte(0x5d);
      } else if (key === 'edges') {
        out.byte(0x5b);
        let first = true;
        const put = (c, from, to) => {
          for (let j = from; j < to; j++) {
            const base = j * ef;
            for (let k = 0; k < ef; k++) {
              let v = edges[base + k];
              if (k === eTo) v = ordinalOf(c, v / nf) * nf;
              else if (k === eName && c > 0 && v < S && quoted[v] >= 0 && !numbered.has(edges[base + eType])) {
                v = quotedBase + (c - 1) * quotedList.length + quoted[v];
              }
              if (!first) out.byte(k === 0 ? 0x0a : 0x2c);
              if (k === 0 && !first) out.byte(0x2c);
              first = false;
              out.int(v);
            }
          }
        };
        for (let c = 0; c < copies; c++) put(c, 0, rootEdges); // the one root's edges
        for (let c = 0; c < copies; c++) {
          put(c, rootEdges, e);
          log(`replicate: edges of copy ${c + 1}/${copies}`);
        }
        out.byte(0x5d);
      } else if (key === 'locations') {
        const lf = meta.location_fields ?? [];
        const oi = lf.indexOf('object_index');
        const vals = sections.get('locations').values;
        out.byte(0x5b);
        let first = true;
        const stride = Math.max(1, lf.length);
        for (let c = 0; c < copies; c++) {
          for (let j = 0; j + stride <= vals.length; j += stride) {
            if (c > 0 && oi >= 0 && vals[j + oi] === 0) continue; // the root has no location
            for (let k = 0; k < stride; k++) {
              let v = vals[j + k];
              if (k === oi) v = ordinalOf(c, v / nf) * nf;
              if (!first) out.byte(k === 0 ? 0x0a : 0x2c);
              if (k === 0 && !first) out.byte(0x2c);
              first = false;
              out.int(v);
            }
          }
        }
        out.byte(0x5d);
      } else if (key === 'strings') {
        out.byte(0x5b);
        for (let k = 0; k < S; k++) {
          if (k) out.ascii(',\n');
          out.bytesOf(buf, strings.starts[k], strings.ends[k]);
        }
        if (variants > 0) {
          const which = new Int32Array(variants);
          for (let k = 0; k < S; k++) if (rank[k] >= 0) which[rank[k]] = k;
          for (let c = 1; c < copies; c++) {
            for (let r = 0; r < variants; r++) {
              const k = which[r];
              out.ascii(',\n');
              out.bytesOf(buf, strings.starts[k], strings.ends[k] - 1); // without the closing quote
              out.ascii(` #${c}"`);
            }
          }
        }
        for (let c = 1; c < copies; c++) {
          for (const si of quotedList) {
            const text = JSON.parse(buf.toString('utf8', strings.starts[si], strings.ends[si]));
            out.ascii(',\n');
            out.ascii(JSON.stringify(text.replace(/@(\d+)/g, (_, id) => `@${idOf(c, Number(id))}`)));
          }
        }
        out.byte(0x5d);
      } else {
        const { start, end } = sections.get(key);
        out.bytesOf(buf, start, end);
      }
    }
    out.ascii('}\n');
    out.flush();
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, outFile);
  return { copies, nodes: totalNodes, edges: totalEdges, strings: totalStrings, bytes: statSync(outFile).size,
    seconds: (performance.now() - t0) / 1000, sourceBytes: buf.length };
}

function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const at = args.indexOf('--id-stride');
  const idStride = at >= 0 ? Number(args[at + 1]) : 0;
  const pos = args.filter((a, i) => a !== '--json' && (at < 0 || (i !== at && i !== at + 1)));
  if (pos.length !== 3 || pos.some((a) => a.startsWith('-')) || !Number.isSafeInteger(idStride) || idStride < 0) {
    process.stderr.write('usage: node benchmark/gen/replicate.mjs SOURCE.heapsnapshot N OUT.heapsnapshot [--id-stride S] [--json]\n');
    process.exit(2);
  }
  const copies = Number(pos[1]);
  if (!Number.isInteger(copies) || copies < 1) {
    process.stderr.write('replicate: N must be a positive integer\n');
    process.exit(2);
  }
  const r = replicate(pos[0], copies, pos[2], { idStride, log: json ? () => {} : (l) => process.stderr.write(l + '\n') });
  process.stdout.write(json ? JSON.stringify(r) + '\n'
    : `wrote ${pos[2]}: ${(r.bytes / 1e9).toFixed(2)} GB, ${r.nodes} nodes, ${r.edges} edges, ${r.strings} strings in ${r.seconds.toFixed(1)} s\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
  }
}

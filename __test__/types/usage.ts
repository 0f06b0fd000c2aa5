// Compiled with `tsc --noEmit` by __test__/stress/types.test.mjs: the typings match real usage.
import { HeapSnapshot, diff, findLeaks, formatLeaks, findGrowth, takeSnapshot, writeHeapSnapshot, captureRemote } from '../../index.js';

async function main(): Promise<void> {
  const snap: HeapSnapshot = await HeapSnapshot.open('a.heapsnapshot', { signal: AbortSignal.timeout(1000), onProgress: (p) => p.bytesRead });
  const rows = snap.summary({ limit: 5, filter: /Foo/ });
  const first: number = rows[0].retainedSize;
  const st = snap.statistics();
  const code: number = st.v8heap.code + st.native.typedArrays + first;
  const n = snap.node(1);
  if (n) console.log(n.className, n.distance, n.dominatorId, code);
  const path = snap.retainerPath(1);
  console.log(path?.text, snap.edges(1)?.[0].toId, snap.retainers(1)?.[0].fromId, snap.columns().ids.length);
  const p = new HeapSnapshot.Parser();
  p.push(new Uint8Array(0));
  const s2: HeapSnapshot = await p.finish();
  const d = await diff(snap, s2);
  console.log(d[0].sizeDelta);
  const r = await findLeaks({ baseline: 'a', target: 'b', final: s2 }, { ignoreClasses: ['X'] });
  console.log(formatLeaks(r), r.clusters[0].path.steps[0].edgeLabel);
  const g = await findGrowth(['a', 'b', 'c']);
  console.log(g.classes[0].counts);
  const live: HeapSnapshot = await takeSnapshot();
  const file: string = writeHeapSnapshot(undefined, { dir: '/tmp' });
  console.log(live.nodeCount, file, typeof captureRemote);
  snap.dispose();
}
void main;

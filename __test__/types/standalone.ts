// Compiled by __test__/stress/types.test.mjs in a project that has heapsnap and TypeScript but neither
// @types/node nor the DOM library: the README's API, typed from index.d.ts alone.
import {
  HeapSnapshot,
  findLeaks,
  formatLeaks,
  diff,
  writeHeapSnapshot,
  takeSnapshot,
  assertNoLeak,
  track,
  assertCollected,
  countInstances,
  LeakError,
} from 'heapsnap';
import type { SummaryRow, AbortSignalLike, UrlLike } from 'heapsnap';

declare const console: { log(...args: unknown[]): void; table(rows: unknown): void };
declare const signal: AbortSignalLike;
declare const url: UrlLike;

async function quickStart(): Promise<void> {
  const dir = '/tmp';
  const baseline: string = writeHeapSnapshot({ dir });
  const target: string = writeHeapSnapshot(undefined, { dir });
  const final: string = writeHeapSnapshot('final.heapsnapshot', { dir });

  const snap: HeapSnapshot = await HeapSnapshot.open(final, { signal, onProgress: (p) => p.bytesRead });
  const rows: SummaryRow[] = snap.summary({ limit: 5 });
  console.table(rows);
  console.log(snap.statistics().total, snap.nodeCount);
  snap[Symbol.dispose]();

  const fromUrl = await HeapSnapshot.open(url);
  const changes = await diff(fromUrl, final);
  console.log(changes.length);
  fromUrl.dispose();

  const report = await findLeaks({ baseline, target, final });
  console.log(formatLeaks(report), report.clusters.length);

  const live = await takeSnapshot({ signal });
  live.dispose();
}

async function inTests(): Promise<void> {
  const store: object[] = [];
  try {
    await assertNoLeak(() => void store.push({}), { iterations: 10 });
  } catch (err) {
    if (err instanceof LeakError && err.report.kind === 'assertNoLeak') console.log(err.report.leaks[0].className);
  }
  const handle = track({}, 'request');
  await assertCollected(handle);
  const n: number = await countInstances('Session');
  console.log(n);
}

void quickStart;
void inTests;

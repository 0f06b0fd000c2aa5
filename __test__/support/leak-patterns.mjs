// The code patterns the test-suite assertions are checked against: ones that leak per call (a
// 32-byte object, strings only, closures, every other call, listeners, a bound function of
// Node's, replies from a worker thread), and clean ones that allocate, cache lazily, use timers
// and promises without leaking.
// Shared by __test__/testing*.test.mjs and the determinism runs in __test__/stress/.
import { Worker } from 'node:worker_threads';
import { EventEmitter } from 'node:events';
export class Leaky {
  constructor(i) {
    this.i = i;
  }
}
const leakyStore = [];
export const leaky = () => void leakyStore.push(new Leaky(leakyStore.length));

export class CacheEntry {
  constructor(i) {
    this.i = i;
    this.payload = { i };
  }
}
let lazyCache;
export const clean = {
  lazyCache() {
    lazyCache ??= new Map(Array.from({ length: 200 }, (_, i) => [i, new CacheEntry(i)]));
    return lazyCache.get(7).payload.i;
  },
  buffers() {
    const chunks = [];
    for (let i = 0; i < 8; i++) chunks.push(Buffer.alloc(1024, i), new Array(64).fill({ i }));
    return chunks.length;
  },
  async timers() {
    const t = setTimeout(() => {}, 60_000);
    const iv = setInterval(() => {}, 1_000);
    await new Promise((resolve) => setTimeout(resolve, 1));
    clearTimeout(t);
    clearInterval(iv);
  },
  async promises() {
    const values = await Promise.all([1, 2, 3].map(async (x) => ({ x: await Promise.resolve(x) })));
    await new Promise((resolve) => setImmediate(resolve));
    return values.length;
  },
};
// Every clean pattern in one function: one false positive in any of them fails the run.
export async function allClean() {
  clean.lazyCache();
  clean.buffers();
  await clean.timers();
  await clean.promises();
}

// Leaks of every kind, each with the class findLeaks reports for it (a name, or a pattern where
// Node versions name it differently) and how many objects of it 10 calls leave. Each keeps its objects in a module-level array of its own.
const kept = { strings: [], closures: [], half: [], replies: [] };
let halfCalls = 0;
let listenerBus;
let echo;
/** A worker thread that answers every message with a copy of it (unref'd: never keeps a test alive). */
function echoWorker() {
  if (!echo) {
    echo = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m))", { eval: true });
    echo.unref();
  }
  return echo;
}
export const leaks = {
  /** One 32-byte object per call (a class instance with one field). */
  object: { fn: leaky, className: 'Leaky', count: 10 },
  /** One string per call, nothing else. */
  strings: { fn: () => void kept.strings.push(`request ${kept.strings.length} at ${Math.random()}`), className: '(concatenated string)', count: 10 },
  /** One closure per call. */
  closures: {
    fn: () => {
      const n = kept.closures.length;
      kept.closures.push(() => n);
    },
    className: 'Function',
    count: 10,
  },
  /** One object every other call. */
  everyOtherCall: {
    fn: () => {
      if (halfCalls++ % 2) kept.half.push(new Leaky(halfCalls));
    },
    className: 'Leaky',
    count: 5,
  },
  /** One event listener per call, never removed. */
  listeners: {
    fn: () => {
      listenerBus ??= new EventEmitter().setMaxListeners(0);
      listenerBus.on('tick', function onTick() {});
    },
    className: 'Function',
    count: 10,
  },
  /**
   * The code under test is a bound function of Node's, so no frame of the user's is on the
   * stack: each call keeps a PerformanceMark in the performance timeline.
   */
  boundNodeFunction: { fn: performance.mark.bind(performance, 'heapsnap-leak-pattern'), className: 'PerformanceMark', count: 10 },
  /** Each call sends a message to a worker thread and keeps the copy it sends back. */
  workerReplies: {
    fn: () =>
      new Promise((resolve) => {
        const w = echoWorker();
        w.once('message', (m) => {
          kept.replies.push(m);
          resolve();
        });
        w.postMessage({ at: kept.replies.length, payload: 'x'.repeat(20) });
      }),
    className: /^(Object|\{.*payload.*\})$/,
    count: 10,
  },
};

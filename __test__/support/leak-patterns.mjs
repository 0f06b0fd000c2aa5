// The code patterns the test-suite assertions are checked against: one that leaks an object per
// call, and clean ones that allocate, cache lazily, use timers and promises without leaking.
// Shared by __test__/testing.test.mjs and the determinism runs in __test__/stress/.
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

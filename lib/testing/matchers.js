'use strict';
/**
 * `toLeak` and `toLeakAsync`: assertNoLeak as jest / vitest matchers (`expect.extend`).
 *
 *   expect(fn).not.toLeak(options?)               fn is synchronous; checked synchronously
 *   await expect(fn).not.toLeakAsync(options?)    fn may return a promise; options may hold
 *                                                 { timeout, signal }
 *
 * The matcher "passes" when fn leaks, so `.not` is the everyday form; its failure message is
 * the LeakError's (the class, where its objects were allocated, the path that holds them). Any
 * other error (fn throws, a bad option, an abort) is thrown as is.
 */
const { assertNoLeak, assertNoLeakSync } = require('./assert-no-leak.js');

function verdict(ctx, name, outcome) {
  const hint = ctx.utils?.matcherHint ? ctx.utils.matcherHint(name, 'fn', '', { isNot: ctx.isNot }) : `expect(fn)${ctx.isNot ? '.not' : ''}.${name}()`;
  if (outcome.leak) {
    return { pass: true, message: () => `${hint}\n\nExpected fn not to leak, but it did:\n${outcome.leak.message}` };
  }
  const r = outcome.result;
  return {
    pass: false,
    message: () => `${hint}\n\nExpected fn to leak, but ${r.iterations} calls left nothing behind after ${r.iterations} more (checked by ${r.method === 'screen' ? 'the allocation screen' : 'a heap snapshot'}).`,
  };
}

function outcomeOf(run) {
  try {
    return { result: run() };
  } catch (err) {
    if (err && err.code === 'ERR_HEAPSNAP_LEAK') return { leak: err };
    throw err;
  }
}

const matchers = {
  /** Synchronous leak check of a synchronous function (see assertNoLeakSync). */
  toLeak(fn, options) {
    return verdict(this, 'toLeak', outcomeOf(() => assertNoLeakSync(fn, options)));
  },
  /** assertNoLeak: `fn` may be async; await the expectation. */
  async toLeakAsync(fn, options) {
    let outcome;
    try {
      outcome = { result: await assertNoLeak(fn, options) };
    } catch (err) {
      if (!(err && err.code === 'ERR_HEAPSNAP_LEAK')) throw err;
      outcome = { leak: err };
    }
    return verdict(this, 'toLeakAsync', outcome);
  },
};

module.exports = { matchers };

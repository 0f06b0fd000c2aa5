'use strict';
/**
 * How an assertion runs: its steps are written once, as a generator that `yield`s whatever may
 * take time (a call's result, a turn of the event loop, a snapshot), and run either
 * asynchronously (`runAsync`: each yielded value is awaited) or synchronously (`runSync`, for
 * the `toLeak` matcher of synchronous functions: nothing may be a promise).
 *
 * The Guard carries the caller's `signal` and `timeout`. A promise returned by the code under
 * test is raced against it, so an abort or a timeout rejects at once even when that promise never
 * settles (the promise is left behind; nothing can cancel it). A synchronous function that never
 * returns cannot be interrupted from JS: between calls, once 50 ms passed, the asynchronous run
 * yields to the event loop so the timer and the abort event get their turn.
 *
 * Nothing here accumulates per call: a shared "stopped" promise raced against each call would
 * keep one reaction per call alive until the end, and the leak check would count them.
 *
 * The timer is a `node:timers` one (fake timers of jest and vitest patch the global functions
 * only) and keeps the event loop alive, so a never-settling function makes the assertion reject
 * with the timeout instead of letting the process exit with the assertion pending.
 */
const timers = require('node:timers');
const { AbortError, abortError, invalidArgValue } = require('../errors.js');
const { tick } = require('./settle.js');

const YIELD_MS = 50;

function isThenable(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';
}

class Guard {
  #signal;
  #onAbort = null;
  #timer = null;
  #reject = null;
  #controller = new AbortController();
  #lastYield = performance.now();
  #what;
  /** The reason the guard stopped (an AbortError), or null. */
  error = null;
  /** True for a synchronous run (runSync): no promise, no event-loop turn. */
  sync;

  /**
   * @param {{ signal?: AbortSignal, timeout?: number, what: string, sync?: boolean }} options
   *   `what` names the operation in messages ("assertNoLeak").
   */
  constructor({ signal, timeout, what, sync = false }) {
    this.#signal = signal;
    this.#what = what;
    this.sync = sync;
    if (signal?.aborted) {
      this.error = abortError(signal, what);
      this.#controller.abort(this.error);
      return;
    }
    if (sync) return; // nothing can interrupt synchronous code: an already aborted signal is all
    if (signal) {
      this.#onAbort = () => this.#stop(abortError(signal, what));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    if (timeout !== undefined) {
      const reason = new DOMException(`${what} timed out after ${timeout} ms`, 'TimeoutError');
      this.#timer = timers.setTimeout(() => this.#stop(new AbortError(reason.message, { cause: reason })), timeout);
    }
  }

  /** An AbortSignal that fires when the guard stops, for the library calls made meanwhile. */
  get signal() {
    return this.#controller.signal;
  }

  #stop(err) {
    if (this.error) return;
    this.error = err;
    this.#controller.abort(err);
    const reject = this.#reject;
    this.#reject = null;
    if (reject) reject(err);
  }

  /** Throws if the guard stopped. */
  check() {
    if (this.error) throw this.error;
  }

  /** What to yield for a value returned by the code under test. */
  result(value) {
    if (!isThenable(value)) return value;
    if (this.sync) throw invalidArgValue('fn', value, 'returned a promise, which a synchronous check cannot wait for (use assertNoLeak() or toLeakAsync())');
    return new Promise((resolve, reject) => {
      this.#reject = reject;
      value.then(
        (v) => {
          this.#reject = null;
          resolve(v);
        },
        (e) => {
          this.#reject = null;
          reject(e);
        },
      );
    });
  }

  /** Calls `fn` `times` times, one after the other, yielding what it returns. */
  *repeat(fn, times) {
    this.#lastYield = performance.now();
    for (let i = 0; i < times; i++) {
      this.check();
      yield this.result(fn());
      this.check();
      if (!this.sync && performance.now() - this.#lastYield > YIELD_MS) yield* this.turn();
    }
  }

  /** One turn of the event loop (timers, I/O callbacks, `setImmediate`); none when synchronous. */
  *turn() {
    if (!this.sync) {
      yield tick();
      this.#lastYield = performance.now();
    }
    this.check();
  }

  /** Removes the timer and the abort listener. */
  dispose() {
    if (this.#timer) timers.clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#onAbort) this.#signal.removeEventListener('abort', this.#onAbort);
    this.#onAbort = null;
  }
}

/** Runs steps written as a generator, awaiting each yielded value; resolves with its return value. */
async function runAsync(steps) {
  let next = steps.next();
  while (!next.done) {
    let value;
    let failed = false;
    try {
      value = await next.value;
    } catch (err) {
      failed = true;
      value = err;
    }
    next = failed ? steps.throw(value) : steps.next(value);
  }
  return next.value;
}

/** Runs steps written as a generator synchronously (no yielded value may be a promise). */
function runSync(steps) {
  let next = steps.next();
  while (!next.done) {
    if (isThenable(next.value)) next = steps.throw(new TypeError('a synchronous check was handed a promise'));
    else next = steps.next(next.value);
  }
  return next.value;
}

module.exports = { Guard, runAsync, runSync };

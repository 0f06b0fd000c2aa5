import type { AssertNoLeakOptions } from '../../index.js';

/** Options of the synchronous `toLeak` (no timeout: synchronous code cannot be interrupted). */
export type ToLeakOptions = Omit<AssertNoLeakOptions, 'timeout'>;

/** The leak matchers, as `expect.extend` takes them. */
export interface LeakMatchers<R = unknown> {
  /** `fn` (synchronous) leaves objects behind over repeated calls; use as `.not.toLeak()`. */
  toLeak(options?: ToLeakOptions): R;
  /** `fn` (may be async) leaves objects behind over repeated calls; `await expect(fn).not.toLeakAsync()`. */
  toLeakAsync(options?: AssertNoLeakOptions): Promise<R>;
}

/** The matcher functions themselves, for `expect.extend(matchers)`. */
export declare const matchers: {
  toLeak(this: unknown, fn: unknown, options?: ToLeakOptions): { pass: boolean; message(): string };
  toLeakAsync(this: unknown, fn: unknown, options?: AssertNoLeakOptions): Promise<{ pass: boolean; message(): string }>;
};

// Types of `heapsnap/vitest`: importing it adds toLeak / toLeakAsync to vitest's assertions.
import type { LeakMatchers, matchers as leakMatchers } from './matchers.js';

declare module 'vitest' {
  interface Assertion<T = any> extends LeakMatchers<void> {}
}

export declare const matchers: typeof leakMatchers;

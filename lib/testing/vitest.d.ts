import type { LeakMatchers, matchers as leakMatchers } from './matchers.js';

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface Assertion<T = any> extends LeakMatchers<void> {}
}

export declare const matchers: typeof leakMatchers;

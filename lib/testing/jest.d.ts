import type { LeakMatchers, matchers as leakMatchers } from './matchers.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-interface
    interface Matchers<R> extends LeakMatchers<R> {}
  }
}

export declare const matchers: typeof leakMatchers;

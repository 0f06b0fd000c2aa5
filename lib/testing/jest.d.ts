// Types of `heapsnap/jest`: importing it adds toLeak / toLeakAsync to jest's matchers, for
// `expect` from @jest/globals (the 'expect' package) and for the global one of @types/jest.
import type { LeakMatchers, matchers as leakMatchers } from './matchers.js';

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends LeakMatchers<R> {}
}

declare global {
  namespace jest {
    interface Matchers<R, T = {}> extends LeakMatchers<R> {}
  }
}

export declare const matchers: typeof leakMatchers;

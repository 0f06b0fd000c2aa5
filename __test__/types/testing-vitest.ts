// Compiled by __test__/stress/testing-types.test.mjs: the vitest matchers as a vitest user writes them.
import { expect, test } from 'vitest';
import { matchers } from 'heapsnap/vitest';

test('no leak', async () => {
  expect(() => 1).not.toLeak();
  expect(() => 1).not.toLeak({ warmup: 5 });
  await expect(async () => 1).not.toLeakAsync({ signal: AbortSignal.timeout(1000) });
  // @ts-expect-error: the synchronous form takes no timeout
  expect(() => 1).not.toLeak({ timeout: 5000 });
});
expect.extend(matchers);

// Compiled by __test__/stress/testing-types.test.mjs: the jest matchers as a jest user writes them.
import { expect, test } from '@jest/globals';
import { matchers } from 'heapsnap/jest';

test('no leak', async () => {
  expect(() => 1).not.toLeak();
  expect(() => 1).not.toLeak({ iterations: 20, ignore: [/^Cache/] });
  await expect(async () => 1).not.toLeakAsync({ timeout: 5000 });
  // @ts-expect-error: the synchronous form takes no timeout
  expect(() => 1).not.toLeak({ timeout: 5000 });
  // @ts-expect-error: iterations is a number
  await expect(async () => 1).not.toLeakAsync({ iterations: '10' });
});
expect.extend(matchers);

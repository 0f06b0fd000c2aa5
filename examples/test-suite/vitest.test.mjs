// npx vitest run examples/test-suite/vitest.test.mjs   (default pool: threads — works in workers)
import { test, expect } from 'vitest';
import { assertNoLeak, track } from 'heapsnap';
import sessions from './sessions.js';

test('openFixed does not leak', async () => {
  await assertNoLeak(() => sessions.openFixed('ada'));
}, 60_000);

test('open leaks one Session per call, held by auditLog', async () => {
  await expect(assertNoLeak(() => sessions.open('ada'))).rejects.toMatchObject({ code: 'ERR_HEAPSNAP_LEAK' });
}, 60_000);

test('a dropped session is collected', async () => {
  let s = sessions.openFixed('bob');
  const handle = track(s);
  s = null;
  await handle.assertCollected();
}, 60_000);

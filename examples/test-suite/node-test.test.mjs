// node --test examples/test-suite/node-test.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoLeak, track, countInstances, expectInstances } from 'heapsnap';
import sessions from './sessions.js';

test('openFixed does not leak', async () => {
  await assertNoLeak(() => sessions.openFixed('ada'));
});

test('open leaks one Session per call, held by auditLog', async () => {
  // A real suite would just `await assertNoLeak(() => sessions.open('ada'))` and fail here.
  await assert.rejects(assertNoLeak(() => sessions.open('ada')), {
    code: 'ERR_HEAPSNAP_LEAK',
    message: /1 per iteration[\s\S]*allocated in open \(.*sessions\.js:\d+:\d+\)[\s\S]*->auditLog \(Array\)/,
  });
});

test('a closed-over session is collected', async () => {
  let s = sessions.openFixed('bob');
  const handle = track(s, 'bob session');
  s = null;
  await handle.assertCollected();
});

test('sessions die with their last reference', async () => {
  const before = await countInstances('Session');
  let batch = Array.from({ length: 5 }, () => sessions.openFixed('eve'));
  assert.equal(await countInstances('Session'), before + batch.length);
  batch = null;
  await expectInstances('Session', before);
});

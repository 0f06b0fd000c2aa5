// npx jest --rootDir examples/test-suite --testMatch '**/jest.test.js'
const { assertNoLeak, track } = require('heapsnap');
const sessions = require('./sessions.js');

jest.setTimeout(60_000); // three heap snapshots: more than jest's 5 s default on big heaps

test('openFixed does not leak', async () => {
  await assertNoLeak(() => sessions.openFixed('ada'));
});

test('open leaks one Session per call, held by auditLog', async () => {
  await expect(assertNoLeak(() => sessions.open('ada'))).rejects.toMatchObject({ code: 'ERR_HEAPSNAP_LEAK' });
});

test('a dropped session is collected', async () => {
  let s = sessions.openFixed('bob');
  const handle = track(s);
  s = null;
  await handle.assertCollected();
});

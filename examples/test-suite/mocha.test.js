// npx mocha examples/test-suite/mocha.test.js
const assert = require('node:assert/strict');
const { assertNoLeak, track } = require('heapsnap');
const sessions = require('./sessions.js');

describe('sessions', () => {
  it('openFixed does not leak', async () => {
    await assertNoLeak(() => sessions.openFixed('ada'));
  });

  it('open leaks one Session per call, held by auditLog', async function () {
    this.timeout(60_000); // a failing check takes a heap snapshot: seconds, more than mocha's 2 s
    // A real suite would just `await assertNoLeak(() => sessions.open('ada'))` and fail here.
    await assert.rejects(assertNoLeak(() => sessions.open('ada')), { code: 'ERR_HEAPSNAP_LEAK' });
  });

  it('a dropped session is collected', async () => {
    let s = sessions.openFixed('bob');
    const handle = track(s);
    s = null;
    await handle.assertCollected();
  });
});

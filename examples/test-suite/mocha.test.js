// npx mocha examples/test-suite/mocha.test.js
const assert = require('node:assert/strict');
const { assertNoLeak, track } = require('heapsnap');
const sessions = require('./sessions.js');

describe('sessions', function () {
  this.timeout(60_000); // mocha's 2 s default is too short for three heap snapshots

  it('openFixed does not leak', async () => {
    await assertNoLeak(() => sessions.openFixed('ada'));
  });

  it('open leaks one Session per call, held by auditLog', async () => {
    await assert.rejects(assertNoLeak(() => sessions.open('ada')), { code: 'ERR_HEAPSNAP_LEAK' });
  });

  it('a dropped session is collected', async () => {
    let s = sessions.openFixed('bob');
    const handle = track(s);
    s = null;
    await handle.assertCollected();
  });
});

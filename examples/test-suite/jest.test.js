// npx jest --rootDir examples/test-suite --testMatch '**/jest.test.js'
// In a project: list 'heapsnap/jest' in jest's setupFilesAfterEnv instead of requiring it here.
require('heapsnap/jest'); // registers expect(fn).toLeak() and expect(fn).toLeakAsync()
const { track } = require('heapsnap');
const sessions = require('./sessions.js');

test('openFixed does not leak', () => {
  expect(() => sessions.openFixed('ada')).not.toLeak();
});

test('an async handler does not leak', async () => {
  await expect(async () => {
    const s = sessions.openFixed('ada');
    await new Promise((resolve) => setImmediate(resolve));
    return s.user;
  }).not.toLeakAsync();
});

test('open leaks one Session per call, held by auditLog', () => {
  // A real suite writes `.not.toLeak()` and fails here, naming the class, where its objects are
  // allocated and the path that keeps them.
  expect(() => sessions.open('ada')).toLeak();
});

test('a dropped session is collected', async () => {
  let s = sessions.openFixed('bob');
  const handle = track(s);
  s = null;
  await handle.assertCollected();
});

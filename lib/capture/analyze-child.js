'use strict';
/**
 * The child process behind `analyzeInWorker`: receives { files, task, taskOptions } over IPC,
 * opens the snapshots with `HeapSnapshot.open`, runs the task, sends back
 * { ok: true, result } or { ok: false, error: { name, code, message, stack } }, and exits.
 *
 * It is a process of its own so that a snapshot too large for memory, or a crash in native code,
 * ends here and not in the app that asked. The result must be plain data: it crosses the IPC
 * channel as JSON (objects with toJSON are serialised through it).
 */
const { HeapSnapshot } = require('../snapshot.js');
const { diff, findLeaks } = require('../leaks.js');
const { invalidArgValue } = require('../errors.js');

if (typeof process.send !== 'function') {
  console.error('analyze-child.js is started by heapsnap analyzeInWorker() over IPC; it is not a command');
  process.exit(2);
}

async function run({ files, task, taskOptions }) {
  const snaps = [];
  try {
    for (const f of files) snaps.push(await HeapSnapshot.open(f));
    const extra = taskOptions === undefined ? [] : [taskOptions];
    switch (task) {
      case 'summary':
        return snaps[0].summary(...extra);
      case 'statistics':
        return snaps[0].statistics(...extra);
      case 'diff':
        return await diff(snaps[0], snaps[1], ...extra);
      case 'findLeaks':
        return await findLeaks({ baseline: snaps[0], target: snaps[1], final: snaps[2] }, taskOptions);
      default:
        throw invalidArgValue('task', task, 'is not a task');
    }
  } finally {
    for (const s of snaps) s.dispose();
  }
}

process.once('message', async (msg) => {
  let reply;
  try {
    const result = await run(msg);
    // Round-trip through JSON here, so a non-serialisable result fails with a clear message.
    reply = { ok: true, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) };
  } catch (err) {
    reply = { ok: false, error: { name: err && err.name, code: err && err.code, message: err && err.message ? err.message : String(err), stack: err && err.stack } };
  }
  process.send(reply, () => process.disconnect());
});

'use strict';
/**
 * The child process behind `analyzeInWorker`: receives { files, task, taskOptions } over IPC,
 * opens the snapshots with the package's `HeapSnapshot.open`, runs the task, sends back
 * { ok: true, result } or { ok: false, error: { name, code, message, stack } }, and exits.
 *
 * It is a process of its own so that a snapshot too large for memory, or a crash in native code,
 * ends here and not in the app that asked. The result must be plain data: it crosses the IPC
 * channel as JSON (objects with toJSON are serialised through it).
 */
if (typeof process.send !== 'function') {
  console.error('analyze-child.js is started by heapsnap analyzeInWorker() over IPC; it is not a command');
  process.exit(2);
}

async function run({ files, task, taskOptions }) {
  let pkg;
  try {
    pkg = require('../../index.js');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      err.code = 'ERR_HEAPSNAP_UNSUPPORTED';
      err.message = `the heapsnap native engine is not available (${err.message.split('\n')[0]}); build it with \`npm run build\``;
    }
    throw err;
  }
  const { HeapSnapshot } = pkg;
  const snaps = [];
  try {
    for (const f of files) snaps.push(await HeapSnapshot.open(f));
    const extra = taskOptions === undefined ? [] : [taskOptions];
    switch (task) {
      case 'summary':
        return await snaps[0].summary(...extra);
      case 'statistics':
        return await snaps[0].statistics(...extra);
      case 'diff':
        if (typeof pkg.diff !== 'function') throw Object.assign(new Error('this build of heapsnap exports no diff()'), { code: 'ERR_HEAPSNAP_UNSUPPORTED' });
        return await pkg.diff(snaps[0], snaps[1], ...extra);
      case 'findLeaks':
        if (typeof pkg.findLeaks !== 'function') throw Object.assign(new Error('this build of heapsnap exports no findLeaks()'), { code: 'ERR_HEAPSNAP_UNSUPPORTED' });
        return await pkg.findLeaks({ baseline: snaps[0], target: snaps[1], final: snaps[2], ...(taskOptions || {}) });
      default:
        throw Object.assign(new Error(`unknown task ${JSON.stringify(task)}`), { code: 'ERR_HEAPSNAP_INVALID_ARG' });
    }
  } finally {
    for (const s of snaps) {
      try {
        if (s && typeof s.dispose === 'function') s.dispose();
      } catch {
        // best effort
      }
    }
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

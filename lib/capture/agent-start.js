'use strict';
/**
 * `node --require heapsnap/agent app.js` / `node --import heapsnap/agent app.mjs`: starts the
 * capture agent (agent.js) in the main thread. A failure to start is a warning on stderr, never
 * a crash of the app; in worker threads (which run preloads too) it does nothing.
 */
const { isMainThread } = require('node:worker_threads');

if (isMainThread) {
  require('./agent.js')
    .startAgent()
    .catch((err) => process.emitWarning(`heapsnap agent not started: ${err.message}`, { code: err.code || 'ERR_HEAPSNAP_CAPTURE' }));
}

'use strict';
/**
 * The native binding, loaded once, and `runTask`: how JS waits for a native task that runs off
 * the JS thread, with an AbortSignal and progress reports. The binding throws real JS errors
 * (with `code`, and `field`/`offset` for parse errors), so calls into it need no wrapping.
 *
 * Every other module reaches the engine through here, never through the package entry.
 */
const { abortError, throwIfAborted, unsupportedError } = require('./errors.js');

const binding = loadBinding();

/** binding.js, or ERR_HEAPSNAP_UNSUPPORTED naming the platform, the package expected and the fix. */
function loadBinding() {
  try {
    return require('../binding.js');
  } catch (err) {
    const { hostTarget, missingBinaryMessage } = require('../scripts/native-target.js');
    throw unsupportedError(missingBinaryMessage(hostTarget()), { cause: err });
  }
}

const PHASES = ['queued', 'parse', 'analyze', 'done'];

/**
 * Runs a native async task: `start(control)` returns its promise. On abort the promise rejects
 * at once with an AbortError; the native task stops at its next check (the parser checks every
 * 16 MB) and its memory is freed when it does. `onProgress({ phase, step, bytesRead, totalBytes })`
 * is called when it starts, about every 100 ms while it runs, and once at the end; `step` names
 * the analysis pass running during 'analyze' (the keys of `timings`), null otherwise.
 */
async function runTask(start, { signal, onProgress } = {}) {
  throwIfAborted(signal);
  const control = new binding.TaskControl();
  let rejectAbort;
  const aborted = new Promise((_, reject) => {
    rejectAbort = reject;
  });
  aborted.catch(() => {});
  const onAbort = () => {
    control.cancel();
    rejectAbort(abortError(signal));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer;
  const report = () => {
    const [done, total, phase] = control.progress();
    onProgress({ phase: PHASES[phase] ?? 'queued', step: control.step ?? null, bytesRead: done, totalBytes: total });
  };
  if (typeof onProgress === 'function') {
    report(); // at once, so a progress display appears even for short work
    timer = setInterval(report, 100);
    timer.unref?.();
  }
  try {
    const task = start(control);
    if (signal) task.catch(() => {}); // a task finishing after an abort is dropped
    const result = await (signal ? Promise.race([task, aborted]) : task);
    if (timer) report();
    return result;
  } catch (err) {
    if (err && err.code === 'ABORT_ERR') throw abortError(signal); // ours, with the signal's reason
    throw err;
  } finally {
    if (timer) clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

module.exports = { binding, runTask };

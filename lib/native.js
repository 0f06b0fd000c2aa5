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
const ANALYZE = 2;
/** An internal option of `runTask`: called once, soon after the task's parse ends (see below). */
const kOnAnalyze = Symbol('heapsnap.onAnalyze');
/** How often (ms) `kOnAnalyze` looks at the phase: the JS thread is idle while the task runs. */
const PHASE_POLL_MS = 5;

/**
 * Runs a native async task: `start(control)` returns its promise. On abort the promise rejects
 * at once with an AbortError; the native task stops at its next check (the parser checks every
 * 16 MB) and its memory is freed when it does. `onProgress({ phase, step, bytesRead, totalBytes })`
 * is called when it starts, about every 100 ms while it runs, and once at the end; `step` names
 * the analysis pass running during 'analyze' (the keys of `timings`), null otherwise. A callback
 * that throws cancels the task like an abort, and the promise rejects with what it threw: it
 * never becomes an uncaught exception (it runs from a timer, where a throw would end the process).
 * `options[kOnAnalyze]()` (internal) is called once, within about 5 ms of the phase reaching
 * 'analyze' (or 'done'), unless the task is stopped or fails first; it must not throw.
 */
async function runTask(start, options = {}) {
  const { signal, onProgress } = options;
  const onAnalyze = options[kOnAnalyze];
  throwIfAborted(signal);
  const control = new binding.TaskControl();
  let rejectStop;
  const stopped = new Promise((_, reject) => {
    rejectStop = reject;
  });
  stopped.catch(() => {});
  let stopError = null;
  const stop = (err) => {
    if (stopError) return;
    stopError = err;
    control.cancel();
    rejectStop(err);
  };
  const onAbort = () => stop(abortError(signal));
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer;
  const report = () => {
    if (stopError) return;
    const [done, total, phase] = control.progress();
    try {
      onProgress({ phase: PHASES[phase] ?? 'queued', step: control.step ?? null, bytesRead: done, totalBytes: total });
    } catch (err) {
      stop(err);
    }
  };
  if (typeof onProgress === 'function') {
    report(); // at once, so a progress display appears even for short work
    timer = setInterval(report, 100);
    timer.unref?.();
  }
  let watch;
  const watchPhase = () => {
    if (!watch || stopError || control.progress()[2] < ANALYZE) return;
    clearInterval(watch);
    watch = null;
    onAnalyze();
  };
  if (typeof onAnalyze === 'function') {
    watch = setInterval(watchPhase, PHASE_POLL_MS);
    watch.unref?.();
  }
  try {
    if (stopError) throw stopError;
    const task = start(control);
    task.catch(() => {}); // a task finishing after an abort (or a throwing onProgress) is dropped
    const result = await Promise.race([task, stopped]);
    watchPhase();
    if (timer) report();
    if (stopError) throw stopError;
    return result;
  } catch (err) {
    if (stopError) throw stopError;
    if (err && err.code === 'ABORT_ERR') throw abortError(signal); // ours, with the signal's reason
    throw err;
  } finally {
    if (timer) clearInterval(timer);
    if (watch) clearInterval(watch);
    signal?.removeEventListener('abort', onAbort);
  }
}

module.exports = { binding, runTask, kOnAnalyze };

'use strict';
/**
 * `analyzeInWorker(fileOrFiles, task, options?)`: parse and analyse snapshots in a forked child
 * process, so that a huge snapshot can exhaust, crash or stall only the child, never the app.
 *
 * The child (analyze-child.js) opens the files with the package's own `HeapSnapshot.open`, runs the
 * task and sends back plain JSON over the IPC channel:
 *   'summary'     one file   → snap.summary(taskOptions)
 *   'statistics'  one file   → snap.statistics(taskOptions)
 *   'diff'        two files  → diff(base, current, taskOptions)          (package export)
 *   'findLeaks'   three files → findLeaks({ baseline, target, final }, taskOptions)
 * (a task option object is passed only when there is one).
 *
 * options (the rest of the object is the task options, passed through):
 *   signal          kills the child (SIGKILL) and rejects with an AbortError
 *   maxOldSpaceSize MB for the child's V8 heap (--max-old-space-size)
 *   timeout         ms; kills the child and rejects with ERR_HEAPSNAP_WORKER
 *   execArgv        extra Node flags for the child
 *
 * If the child exits without an answer — a crash, an OOM abort, a kill — the promise rejects with
 * ERR_HEAPSNAP_WORKER whose message gives the exit code or signal (and says "out of memory" when
 * V8 said so on stderr); `exitCode`, `signal` and the tail of the child's stderr ride along as
 * properties. An error *thrown* by the task (a parse error in a file, say) keeps its own code
 * (ERR_HEAPSNAP_PARSE…) and message; ERR_HEAPSNAP_MEMORY (the engine could not allocate, or the
 * file needs more than the child may use) also has `outOfMemory: true`.
 */
const path = require('node:path');
const { fork } = require('node:child_process');
const { toPath } = require('../fs.js');
const {
  workerError,
  abortError,
  captureError,
  invalidArgValue,
  optionsObject,
  validateAbortSignal,
  validateInteger,
  validateNumber,
  validateOneOf,
  throwIfAborted,
  invalidArgType,
} = require('../errors.js');

/** How V8 (JS heap), Rust's allocator and the engine say that memory ran out. */
const OOM_TEXT = /heap out of memory|Allocation failed|out of memory|memory allocation of \d+ bytes failed/i;

const CHILD = path.join(__dirname, 'analyze-child.js');
const TASKS = { summary: 1, statistics: 1, diff: 2, findLeaks: 3 };
const CONTROL_KEYS = new Set(['signal', 'maxOldSpaceSize', 'timeout', 'execArgv']);
const STDERR_TAIL = 8192;

function analyzeInWorker(fileOrFiles, task, options = {}) {
  return new Promise((resolve, reject) => {
    const list = Array.isArray(fileOrFiles) ? fileOrFiles : [fileOrFiles];
    const files = list.map((f, i) => path.resolve(toPath(f, Array.isArray(fileOrFiles) ? `files[${i}]` : 'file')));
    validateOneOf(task, 'task', Object.keys(TASKS));
    if (files.length !== TASKS[task]) throw invalidArgValue('files', fileOrFiles, `must be ${TASKS[task]} file(s) for task '${task}'`);
    options = optionsObject(options);
    validateAbortSignal(options.signal);
    const { signal, maxOldSpaceSize, timeout, execArgv = [] } = options;
    if (maxOldSpaceSize !== undefined) validateInteger(maxOldSpaceSize, 'options.maxOldSpaceSize', 1);
    if (timeout !== undefined) validateNumber(timeout, 'options.timeout', 1);
    if (!Array.isArray(execArgv) || execArgv.some((a) => typeof a !== 'string')) throw invalidArgType('options.execArgv', 'an array of strings', execArgv);
    const taskOptions = {};
    for (const [k, v] of Object.entries(options)) if (!CONTROL_KEYS.has(k)) taskOptions[k] = v;
    throwIfAborted(signal, `analyzeInWorker('${task}')`);

    const argv = [...execArgv];
    if (maxOldSpaceSize) argv.push(`--max-old-space-size=${maxOldSpaceSize}`);
    let child;
    try {
      child = fork(CHILD, [], { execArgv: argv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    } catch (err) {
      throw captureError(`cannot start the analysis child process: ${err.message}`, { cause: err });
    }

    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-STDERR_TAIL);
    });

    let settled = false;
    let answer = null;
    let killedFor = null; // 'abort' | 'timeout'
    let timer = null;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (signal) signal.removeEventListener('abort', onAbort);
      fn(value);
    };
    const onAbort = () => {
      killedFor = 'abort';
      child.kill('SIGKILL');
      finish(reject, abortError(signal, `analyzeInWorker('${task}')`));
    };
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    if (timeout) {
      timer = setTimeout(() => {
        killedFor = 'timeout';
        child.kill('SIGKILL');
        finish(reject, workerError(`the analysis child (pid ${child.pid}, task '${task}') did not finish within ${timeout} ms and was killed`, { pid: child.pid }));
      }, timeout);
    }

    child.on('message', (msg) => {
      answer = msg;
      if (!msg || typeof msg !== 'object') return;
      if (msg.ok) {
        finish(resolve, msg.result);
      } else {
        const e = msg.error || {};
        const err = new Error(e.message || 'analysis failed in the child process');
        if (e.name && e.name !== 'Error') err.name = e.name;
        err.code = e.code || 'ERR_HEAPSNAP_WORKER';
        // The child refused or failed for memory (the maxMemory cap, or the engine's own failed
        // allocation): the same flag as when the child dies of it.
        if (err.code === 'ERR_HEAPSNAP_MEMORY' || OOM_TEXT.test(err.message)) err.outOfMemory = true;
        if (e.stack) err.childStack = e.stack;
        finish(reject, err);
      }
    });
    child.on('error', (err) => {
      if (!settled) finish(reject, workerError(`the analysis child process failed: ${err.message}`, { cause: err }));
    });
    child.on('exit', (code, sig) => {
      if (settled || answer) return;
      if (killedFor) return;
      const oom = OOM_TEXT.test(stderr);
      const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
      const why = oom ? ` after running out of memory${maxOldSpaceSize ? ` (--max-old-space-size=${maxOldSpaceSize})` : ''}` : '';
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      finish(
        reject,
        workerError(`the analysis child (pid ${child.pid}, task '${task}' on ${files.map((f) => path.basename(f)).join(', ')}) ${how}${why} before answering${tail ? `; stderr: ${tail}` : ''}`, {
          exitCode: code === null ? undefined : code,
          signal: sig || undefined,
          outOfMemory: oom,
          stderr,
        }),
      );
    });

    child.send({ files, task, taskOptions: Object.keys(taskOptions).length ? taskOptions : undefined }, (err) => {
      if (err && !settled) {
        child.kill('SIGKILL');
        finish(reject, workerError(`cannot send the task to the analysis child: ${err.message}`, { cause: err }));
      }
    });
  });
}

module.exports = { analyzeInWorker };

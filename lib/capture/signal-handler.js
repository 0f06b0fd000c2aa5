'use strict';
/**
 * `installSignalHandler(options)`: what `node --heapsnapshot-signal=SIGUSR2` does, from code, with a
 * directory, rotation and a callback.
 *
 * On each signal the handler writes a snapshot with our `writeHeapSnapshot` (0600, atomic, default
 * name `Heap.<date>.<time>.<pid>.<tid>.<seq>.heapsnapshot`) into `dir`, then deletes the oldest files
 * *this handle* wrote until at most `keep` remain (other files in `dir` are never touched), then
 * calls `onSnapshot(path)`. Like Node's flag, the capture is synchronous: the process is paused
 * while V8 walks the heap.
 *
 * Errors never throw out of a signal listener (that would crash the app): a failed capture, a
 * failed rotation or an exception thrown by `onSnapshot` goes to `onError(err)` if given, else
 * is emitted as a process warning (`process.emitWarning`, code kept).
 *
 * options: { signal = 'SIGUSR2', dir = --diagnostic-dir or cwd, keep = Infinity, onSnapshot(path),
 *            onError(err), exposeInternals, exposeNumericValues }
 * returns: { signal, dir, keep, files (the paths still kept, oldest first), uninstall() }
 *
 * Throws ERR_HEAPSNAP_UNSUPPORTED off the main thread, on Windows, for signals Node reserves or
 * cannot deliver (SIGUSR1 opens the inspector; SIGKILL/SIGSTOP; SIGSEGV…), when Node was started
 * with --heapsnapshot-signal for the same signal, or when heapsnap already handles that signal;
 * ERR_HEAPSNAP_CAPTURE if `dir` is not a writable directory.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { isMainThread } = require('node:worker_threads');
const { writeHeapSnapshot } = require('./write-heap-snapshot.js');
const { snapshotOptions } = require('./snapshot-options.js');
const { nodeFlag } = require('./node-flags.js');
const { toPath } = require('../fs.js');
const { captureError, unsupportedError, describeCause, invalidArgValue, optionsObject, validateFunction, validateInteger, validateString } = require('../errors.js');

const RESERVED = new Set(['SIGUSR1', 'SIGKILL', 'SIGSTOP', 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL']);
const installed = new Set();

function checkSignal(signal) {
  validateString(signal, 'options.signal');
  if (!Object.prototype.hasOwnProperty.call(os.constants.signals, signal)) throw invalidArgValue('options.signal', signal, "must be a signal name such as 'SIGUSR2'");
  if (RESERVED.has(signal)) {
    const why = signal === 'SIGUSR1' ? 'Node uses it to open the inspector' : 'Node cannot run JavaScript listeners for it';
    throw unsupportedError(`cannot take heap snapshots on ${signal}: ${why}`);
  }
  if (process.platform === 'win32') throw unsupportedError('signal-triggered heap snapshots need POSIX signals; Windows has none to spare');
  if (!isMainThread) throw unsupportedError('signal handlers can only be installed on the main thread (workers never receive signals)');
  const flag = nodeFlag('--heapsnapshot-signal');
  if (typeof flag === 'string' && flag.toUpperCase() === signal) {
    throw unsupportedError(`Node was started with --heapsnapshot-signal=${flag}; a second handler would write two snapshots per ${signal}`);
  }
  if (installed.has(signal)) throw unsupportedError(`a heapsnap handler for ${signal} is already installed; uninstall() it first`);
}

function defaultDir() {
  const d = nodeFlag('--diagnostic-dir');
  return typeof d === 'string' && d ? path.resolve(d) : process.cwd();
}

function installSignalHandler(options = {}) {
  options = optionsObject(options);
  const { signal = 'SIGUSR2', keep = Infinity, onSnapshot, onError } = options;
  checkSignal(signal);
  if (keep !== Infinity) validateInteger(keep, 'options.keep', 1);
  if (onSnapshot !== undefined) validateFunction(onSnapshot, 'options.onSnapshot');
  if (onError !== undefined) validateFunction(onError, 'options.onError');
  const v8opts = snapshotOptions(options) || {};
  const given = toPath(options.dir, 'options.dir', { optional: true });
  const dir = given === undefined ? defaultDir() : path.resolve(given);
  try {
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw captureError(`heap snapshot directory ${dir} is not usable: ${describeCause(err)}`, { cause: err, path: dir });
  }

  const files = [];
  const report = (err) => {
    if (onError) {
      try {
        onError(err);
        return;
      } catch (e) {
        err = e;
      }
    }
    process.emitWarning(`heapsnap ${signal} handler: ${err && err.message}`, { code: (err && err.code) || 'ERR_HEAPSNAP_CAPTURE' });
  };

  const listener = () => {
    let file;
    try {
      file = writeHeapSnapshot(undefined, { dir, ...v8opts });
    } catch (err) {
      report(err);
      return;
    }
    files.push(file);
    while (files.length > keep) {
      const old = files.shift();
      try {
        fs.unlinkSync(old);
      } catch (err) {
        if (err.code !== 'ENOENT') report(captureError(`cannot remove old heap snapshot ${old}: ${describeCause(err)}`, { cause: err, path: old }));
      }
    }
    if (onSnapshot) {
      try {
        onSnapshot(file);
      } catch (err) {
        report(err);
      }
    }
  };

  process.on(signal, listener);
  installed.add(signal);
  let active = true;
  return {
    signal,
    dir,
    keep,
    get files() {
      return files.slice();
    },
    uninstall() {
      if (!active) return;
      active = false;
      process.removeListener(signal, listener);
      installed.delete(signal);
    },
  };
}

module.exports = { installSignalHandler };

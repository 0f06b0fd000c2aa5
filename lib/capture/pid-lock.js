'use strict';
/**
 * One inspector capture per pid at a time, and memory of an inspector we opened but could not
 * close. A small 0600 JSON file `capture-<pid>.json` in this user's private heapsnap directory
 * (the agent's, 0700): `{ by, host, port, signalled }`.
 *
 *   - a second capture of the same pid, while the first runs, fails at once naming the port
 *     (instead of waiting on a busy inspector and naming the wrong one);
 *   - a file left by a capture that died (its `by` pid is gone) after sending SIGUSR1 means the
 *     inspector at host:port was opened by heapsnap: the next capture adopts it and closes it.
 */
const fs = require('node:fs');
const path = require('node:path');
const { privateRunDir } = require('./agent.js');
const { captureError } = require('../errors.js');
const { hostPort } = require('./inspector/endpoint.js');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

const active = new Map(); // pid → the state of a capture running in this process

function busy(pid, held) {
  const where = held.port ? ` through its inspector on ${hostPort(held.host || '127.0.0.1', held.port)}` : '';
  return captureError(`pid ${pid} is already being captured by heapsnap (pid ${held.by})${where}; wait for that capture to finish`, { pid, port: held.port || undefined });
}

/**
 * Takes the lock for `pid`. Returns { adopt: { host, port } | null, signalled, update(fields),
 * release(), keep() } — keep() leaves the file for the next capture to adopt. Throws
 * ERR_HEAPSNAP_CAPTURE when another live capture holds it (in this process or another). Best
 * effort across processes: where no private directory can be made, only this process is locked.
 */
function lockPid(pid) {
  if (active.has(pid)) throw busy(pid, active.get(pid));
  const state = { by: process.pid, host: null, port: null, signalled: false };
  const none = {
    adopt: null,
    get signalled() {
      return state.signalled;
    },
    update(fields) {
      Object.assign(state, fields);
    },
    release() {
      active.delete(pid);
    },
    keep() {
      active.delete(pid);
    },
  };
  active.set(pid, state);
  let file;
  try {
    file = path.join(privateRunDir(), `capture-${pid}.json`);
  } catch {
    return none;
  }
  let adopt = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd;
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW || 0), 0o600);
    } catch (err) {
      if (err.code !== 'EEXIST') return none;
      let held = null;
      try {
        held = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        // half-written or garbage: stale
      }
      if (held && Number.isInteger(held.by) && held.by !== process.pid && alive(held.by)) {
        active.delete(pid);
        throw busy(pid, held);
      }
      if (held && held.signalled && Number.isInteger(held.port)) adopt = { host: held.host || '127.0.0.1', port: held.port };
      try {
        fs.unlinkSync(file);
      } catch {
        // someone else removed it
      }
      continue;
    }
    const write = () => {
      try {
        fs.ftruncateSync(fd, 0);
        fs.writeSync(fd, JSON.stringify(state), 0);
      } catch {
        // best effort
      }
    };
    write();
    return {
      adopt,
      get signalled() {
        return state.signalled;
      },
      update(fields) {
        Object.assign(state, fields);
        write();
      },
      release() {
        active.delete(pid);
        try {
          fs.closeSync(fd);
        } catch {
          // closed
        }
        try {
          fs.unlinkSync(file);
        } catch {
          // gone
        }
      },
      keep() {
        active.delete(pid);
        try {
          fs.closeSync(fd);
        } catch {
          // closed
        }
      },
    };
  }
  none.adopt = adopt;
  return none;
}

module.exports = { lockPid };

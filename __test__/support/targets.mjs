// Target processes for the inspector-path security tests (__test__/security-inspector.test.mjs
// and __test__/stress/security-inspector.test.mjs): real Node processes, every wait bounded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { repo } from './oracle.mjs';

const require = createRequire(import.meta.url);
const { listeningSockets } = require('../../lib/capture/inspector/target-process.js');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const tempDir = (name) => fs.mkdtempSync(path.join(os.tmpdir(), `heapsnap-test-${name}-`));

/** A target holding ~`mb` MB of strings, on an ephemeral inspector port (--inspect-port=0: no clash with other tests). */
export async function startTarget(t, { mb = 20, nodeArgs = ['--inspect-port=0'], env = {}, body = 'setInterval(() => {}, 1000);' } = {}) {
  const src = `globalThis.keep = Array.from({ length: ${mb} * 1024 }, (_, i) => 'x' + i + '-'.repeat(1000)); ${body} console.log('ready');`;
  const child = spawn(process.execPath, [...nodeArgs, '-e', src], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderrText = '';
  child.stderr.on('data', (d) => (child.stderrText += d));
  t.after(() => child.kill('SIGKILL'));
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`target exited ${code}: ${child.stderrText}`)));
  });
  return child;
}

/** The TCP sockets `pid` listens on (Linux /proc). */
export const tcp = (pid) => listeningSockets(pid) || [];

/** Polls `fn` every 20 ms until it returns something truthy; throws after `ms`. */
export async function until(what, fn, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** `heapsnap ARGS` as a child; `.done` resolves { code, signal }, `.out`/`.err` collect its output. */
export function runCli(args) {
  const child = spawn(process.execPath, [path.join(repo, 'bin', 'heapsnap.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.out = '';
  child.err = '';
  child.stdout.on('data', (d) => (child.out += d));
  child.stderr.on('data', (d) => (child.err += d));
  child.done = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

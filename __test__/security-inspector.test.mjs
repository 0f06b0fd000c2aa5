// Issue 11, the SIGUSR1 path: honest before it signals. Real target processes and real captures
// (library and CLI). The slower cases (SIGTERM of the CLI, the watchdog, concurrent captures)
// are in __test__/stress/security-inspector.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { sleep, tempDir, startTarget, tcp, runCli } from './support/targets.mjs';

const require = createRequire(import.meta.url);
const { captureRemote } = require('../index.js');

const linux = process.platform === 'linux';

test('before signalling: a notice names the inspector address; a non-loopback inspector or a stopped pid is refused', { skip: !linux && 'reads /proc' }, async (t) => {
  const dir = tempDir('notice');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // --inspect-port=0.0.0.0:0 on the command line, and the same through NODE_OPTIONS.
  for (const how of [{ nodeArgs: ['--inspect-port=0.0.0.0:0'] }, { nodeArgs: [], env: { NODE_OPTIONS: '--inspect-port=0.0.0.0:0' } }]) {
    const target = await startTarget(t, { mb: 1, ...how });
    const notices = [];
    await assert.rejects(captureRemote({ pid: target.pid }, { dir, onNotice: (m) => notices.push(m) }), (err) => {
      assert.equal(err.code, 'ERR_HEAPSNAP_CAPTURE');
      assert.match(err.message, /0\.0\.0\.0:0 \(a free port\) \(--inspect-port=0\.0\.0\.0:0 \((command line|NODE_OPTIONS)\)\), which is reachable beyond this machine/);
      assert.match(err.message, /--require heapsnap\/agent/);
      return true;
    });
    assert.deepEqual(notices, []);
    await sleep(200);
    assert.deepEqual(tcp(target.pid), [], 'no inspector was opened');
    assert.doesNotMatch(target.stderrText, /Debugger listening/);
  }
  // The CLI's flag accepts the risk explicitly: the capture then happens (and the inspector closes).
  const pub = await startTarget(t, { mb: 1, nodeArgs: ['--inspect-port=0.0.0.0:0'] });
  const cli = runCli(['capture', '--pid', String(pub.pid), '--dir', dir, '--allow-public-inspector']);
  const r = await cli.done;
  assert.equal(r.code, 0, cli.err);
  assert.match(cli.err, new RegExp(`heapsnap: pid ${pub.pid} has no heapsnap agent: sending SIGUSR1 opens its inspector on 0\\.0\\.0\\.0:0`));
  assert.deepEqual(tcp(pub.pid), []);

  // A loopback target: the notice comes first, naming host and port, and the agent.
  const target = await startTarget(t, { mb: 1 });
  const notices = [];
  const file = await captureRemote({ pid: target.pid }, { dir, onNotice: (m) => notices.push([m, tcp(target.pid).length]) });
  assert.ok(fs.existsSync(file));
  assert.equal(notices.length, 1);
  assert.match(notices[0][0], /sending SIGUSR1 opens its inspector on 127\.0\.0\.1:0 \(a free port\) for the capture; while it is open any local user can connect to it and run code in that process\. Start the process with 'node --require heapsnap\/agent'/);
  assert.equal(notices[0][1], 0, 'said before the inspector opened');

  // A stopped pid would keep SIGUSR1 pending and open the inspector later, unattended.
  process.kill(target.pid, 'SIGSTOP');
  try {
    // kill() returns before the target has stopped; on a busy machine /proc still shows it
    // running for a while, and a capture started then signals it (as it would any running pid)
    await waitStopped(target.pid);
    await assert.rejects(captureRemote({ pid: target.pid }, { dir, timeout: 2000 }), /is stopped .*kill -CONT/);
  } finally {
    process.kill(target.pid, 'SIGCONT');
  }
  await sleep(300);
  assert.deepEqual(tcp(target.pid), [], 'no signal was left pending');
});

/** Waits until /proc shows `pid` stopped (state T), for at most 5 s. */
async function waitStopped(pid) {
  for (const end = Date.now() + 5000; Date.now() < end; await sleep(10)) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    if (stat[stat.lastIndexOf(')') + 2] === 'T') return;
  }
  assert.fail(`pid ${pid} did not stop within 5 s of SIGSTOP`);
}

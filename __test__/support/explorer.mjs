// The explorer as a user starts it (`heapsnap explore FILE [BASE] --no-open`, a real process)
// and the headless Chromium that looks at it (playwright-core, /usr/bin/chromium).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { repo } from './oracle.mjs';

const require = createRequire(import.meta.url);
export const CHROMIUM = '/usr/bin/chromium';
let playwright = null;
try {
  playwright = require('playwright-core');
} catch {
  // reported as a skip reason below
}
export const browserSkip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is not installed (apt-get install -y chromium)`
  : !playwright
    ? 'playwright-core is not installed (npm install)'
    : false;

/** Starts `heapsnap explore ...args --no-open`; resolves to { child, url } once it prints its URL. */
export async function startExplorer(args) {
  const child = spawn(process.execPath, [join(repo, 'bin', 'heapsnap.js'), 'explore', ...args, '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`explore exited with ${code}`)));
  });
  return { child, url };
}

/** SIGTERM, and waits for the exit (a no-op when it has exited). */
export async function stopExplorer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export function launchBrowser() {
  return playwright.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that records console errors, page errors and requests outside `origin`. */
export async function watchedPage(browser, origin) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const problems = [];
  const foreign = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (req) => !req.url().startsWith(origin + '/') && !req.url().startsWith('data:') && foreign.push(req.url()));
  return { page, problems, foreign };
}

#!/usr/bin/env node
// `cargo test` for the engine crate, built for the host's target triple the way `napi build
// --platform` builds the addon (`--target <host>`): both then share one target/<triple>/release,
// so the dependencies compile once for the addon and its tests.
//
//   node scripts/test-rust.mjs [cargo test args...]     default: -p heapsnap-core --release --lib --tests
import { execFileSync, spawnSync } from 'node:child_process';

const host = execFileSync('rustc', ['-vV'], { encoding: 'utf8' }).match(/^host: (\S+)/m)?.[1];
if (!host) {
  console.error('test-rust: `rustc -vV` names no host triple');
  process.exit(1);
}
const args = process.argv.slice(2);
const r = spawnSync('cargo', ['test', '--target', host, ...(args.length ? args : ['-p', 'heapsnap-core', '--release', '--lib', '--tests'])], { stdio: 'inherit' });
process.exit(r.status ?? 1);

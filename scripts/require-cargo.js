#!/usr/bin/env node
'use strict';
// Stops an npm script that needs Rust with one plain line when cargo is missing (instead of the
// build tool's internal error): `node scripts/require-cargo.js && napi build ...`.
const { findCargo } = require('./native-target.js');

const found = findCargo();
if (found.error) {
  const what = process.env.npm_lifecycle_event ? `\`npm run ${process.env.npm_lifecycle_event}\`` : 'this';
  console.error(`heapsnap: ${what} compiles the Rust engine, but ${found.error}. Install Rust from https://rustup.rs (it provides cargo), then run it again.`);
  process.exit(1);
}

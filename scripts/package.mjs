#!/usr/bin/env node
// Packs the npm tarballs a release publishes, into pkg/ (git-ignored):
//
//   pkg/heapsnap-<abi>-<version>.tgz   one platform package per native binary (npm/<abi>/ + the .node)
//   pkg/heapsnap-<version>.tgz         the main package: JS, types, the install step, the Rust sources
//                                      for the source fallback, and optionalDependencies naming every
//                                      platform package at exactly <version>
//   pkg/manifest.json                  { version, main, platforms: [...] } in publish order
//
//   node scripts/package.mjs                    this machine's binary (heapsnap.<abi>.node, from `npm run build`)
//   node scripts/package.mjs --artifacts DIR    every target in package.json "napi.targets", each
//                                               heapsnap.<abi>.node found anywhere under DIR (the release job)
//   --repository URL                            sets "repository" in every package.json (npm provenance needs it)
//   --out DIR                                   instead of pkg/
//
// The committed package.json has no optionalDependencies (an unpublished version could not be
// installed in a checkout); they are added here, as `napi prepublish` does.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { hostTarget, abiOfTriple, readPackageJson } = require('./native-target.js');

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values: opts } = parseArgs({
  options: {
    artifacts: { type: 'string' },
    repository: { type: 'string' },
    out: { type: 'string', default: path.join(root, 'pkg') },
  },
});

// Files the source fallback needs in the main tarball, and files it must never carry.
const REQUIRED_IN_MAIN = ['LICENSE', 'Cargo.toml', 'Cargo.lock', 'build.rs', 'src/lib.rs', 'crates/heapsnap-core/Cargo.toml', 'crates/heapsnap-core/src/lib.rs', 'binding.js', 'scripts/install.js', 'scripts/native-target.js'];
const FORBIDDEN_IN_MAIN = [/\.node$/, /^crates\/heapsnap-core\/(tests|fuzz|benches)\//, /^__test__\//, /^target\//, /\.heapsnapshot$/];

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function fail(msg) {
  console.error(`package: ${msg}`);
  process.exit(1);
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** `npm pack` of dir into opts.out; returns the tarball's path. */
function pack(dir) {
  const out = execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', opts.out], { cwd: dir, encoding: 'utf8', shell: process.platform === 'win32' });
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  return path.join(opts.out, info.filename);
}

/** The files `npm pack` would put in the main tarball (package.json "files" and npm's own rules). */
function mainFiles() {
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', shell: process.platform === 'win32' });
  return JSON.parse(out.slice(out.indexOf('[')))[0].files.map((f) => f.path.split(path.sep).join('/'));
}

/**
 * A Cargo.toml as shipped: without its [[bench]], [[test]] and [[example]] tables, whose files
 * stay out of the tarball (cargo refuses a manifest that names a missing target file; `cargo
 * package` drops such targets the same way). Dependencies stay, so Cargo.lock still matches.
 */
function shippedManifest(text) {
  const out = [];
  let skipping = false;
  for (const line of text.split('\n')) {
    const header = line.match(/^\s*\[\[?([^\]]+)\]\]?\s*(#.*)?$/);
    if (header) skipping = /^\s*\[\[(bench|test|example)\]\]/.test(line);
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

/** Every heapsnap.<abi>.node under dir, by abi. */
function findBinaries(dir, binaryName) {
  const found = new Map();
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.startsWith(`${binaryName}.`) && e.name.endsWith('.node')) {
        const abi = e.name.slice(binaryName.length + 1, -'.node'.length);
        if (found.has(abi)) fail(`two binaries for ${abi}: ${found.get(abi)} and ${p}`);
        found.set(abi, p);
      }
    }
  };
  walk(dir);
  return found;
}

const pkg = readPackageJson(root);
const { version } = pkg;
const binaryName = pkg.napi.binaryName;
const targetAbis = pkg.napi.targets.map((t) => abiOfTriple(t) || fail(`unknown target ${t} in napi.targets`));

// Which binaries go out, by abi.
const binaries = new Map();
if (opts.artifacts) {
  const found = findBinaries(path.resolve(opts.artifacts), binaryName);
  for (const abi of targetAbis) {
    if (!found.has(abi)) fail(`no ${binaryName}.${abi}.node under ${opts.artifacts}: a release needs every target in napi.targets`);
    binaries.set(abi, found.get(abi));
  }
} else {
  const host = hostTarget({ packageJson: pkg });
  const file = path.join(root, host.binaryFile);
  if (!host.prebuilt) {
    console.warn(`package: ${host.abi} is not in napi.targets; packing the main package only (it builds from source there)`);
  } else if (!fs.existsSync(file)) {
    fail(`${host.binaryFile} is missing: run \`npm run build\` first (or \`npm run package\`, which does)`);
  } else {
    binaries.set(host.abi, file);
  }
}

fs.mkdirSync(opts.out, { recursive: true });
for (const f of fs.readdirSync(opts.out)) if (f.endsWith('.tgz') || f === 'manifest.json') fs.rmSync(path.join(opts.out, f));
const stageRoot = fs.mkdtempSync(path.join(opts.out, '.stage-'));

const repository = opts.repository ? { type: 'git', url: `git+${opts.repository.replace(/^git\+/, '').replace(/(\.git)?$/, '.git')}` } : pkg.repository;

try {
  // Platform packages: npm/<abi>/ as committed, the binary, the version checked.
  const platforms = [];
  for (const [abi, binary] of binaries) {
    const src = path.join(root, 'npm', abi);
    if (!fs.existsSync(path.join(src, 'package.json'))) fail(`npm/${abi}/package.json is missing (napi create-npm-dirs makes it)`);
    const meta = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
    if (meta.version !== version) fail(`npm/${abi}/package.json has version ${meta.version}, package.json ${version}: run \`npx napi version\``);
    if (meta.main !== `${binaryName}.${abi}.node`) fail(`npm/${abi}/package.json: main is ${meta.main}, expected ${binaryName}.${abi}.node`);
    const dir = path.join(stageRoot, abi);
    fs.mkdirSync(dir);
    for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    fs.copyFileSync(binary, path.join(dir, meta.main));
    fs.copyFileSync(path.join(root, 'LICENSE'), path.join(dir, 'LICENSE'));
    if (repository) writeJson(path.join(dir, 'package.json'), { ...meta, repository });
    platforms.push(pack(dir));
  }

  // Main package: what `npm pack` takes from the checkout, plus optionalDependencies.
  const files = mainFiles();
  for (const need of REQUIRED_IN_MAIN) if (!files.includes(need)) fail(`the main package would lack ${need} (package.json "files")`);
  for (const f of files) if (FORBIDDEN_IN_MAIN.some((re) => re.test(f))) fail(`the main package would carry ${f} (package.json "files")`);
  const mainDir = path.join(stageRoot, pkg.name);
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(mainDir, f)), { recursive: true });
    if (path.basename(f) === 'Cargo.toml') fs.writeFileSync(path.join(mainDir, f), shippedManifest(fs.readFileSync(path.join(root, f), 'utf8')));
    else fs.copyFileSync(path.join(root, f), path.join(mainDir, f));
  }
  const optionalDependencies = Object.fromEntries(targetAbis.map((abi) => [`${pkg.napi.packageName || pkg.name}-${abi}`, version]));
  writeJson(path.join(mainDir, 'package.json'), { ...pkg, ...(repository ? { repository } : {}), optionalDependencies });
  const main = pack(mainDir);

  writeJson(path.join(opts.out, 'manifest.json'), { version, main: path.basename(main), platforms: platforms.map((p) => path.basename(p)) });
  for (const t of [...platforms, main]) console.log(path.relative(process.cwd(), t));
} finally {
  fs.rmSync(stageRoot, { recursive: true, force: true });
}

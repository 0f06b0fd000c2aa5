'use strict';
/**
 * Which native binary this machine needs, named the way napi-rs names it.
 *
 * One place that answers "what is this host?" for the install step (scripts/install.js), for
 * `npm run package` (scripts/package.mjs) and for the error a user reads when no binary loads:
 * the napi-rs platform name (`linux-x64-gnu`), the file the generated loader (binding.js) looks
 * for next to it (`heapsnap.linux-x64-gnu.node`), the optional package that ships it prebuilt
 * (`heapsnap-linux-x64-gnu`), and the Rust target triple cargo builds it for.
 *
 * The libc test follows binding.js: glibc unless /usr/bin/ldd or the process report says musl.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const PACKAGE_ROOT = path.join(__dirname, '..');

/** napi-rs platform name → Rust target triple, for every platform napi-rs's loader knows. */
const TRIPLES = {
  'linux-x64-gnu': 'x86_64-unknown-linux-gnu',
  'linux-x64-musl': 'x86_64-unknown-linux-musl',
  'linux-arm64-gnu': 'aarch64-unknown-linux-gnu',
  'linux-arm64-musl': 'aarch64-unknown-linux-musl',
  'linux-arm-gnueabihf': 'armv7-unknown-linux-gnueabihf',
  'linux-arm-musleabihf': 'armv7-unknown-linux-musleabihf',
  'linux-riscv64-gnu': 'riscv64gc-unknown-linux-gnu',
  'linux-riscv64-musl': 'riscv64gc-unknown-linux-musl',
  'linux-ppc64-gnu': 'powerpc64le-unknown-linux-gnu',
  'linux-s390x-gnu': 's390x-unknown-linux-gnu',
  'linux-loong64-gnu': 'loongarch64-unknown-linux-gnu',
  'linux-loong64-musl': 'loongarch64-unknown-linux-musl',
  'darwin-x64': 'x86_64-apple-darwin',
  'darwin-arm64': 'aarch64-apple-darwin',
  'win32-x64-msvc': 'x86_64-pc-windows-msvc',
  'win32-x64-gnu': 'x86_64-pc-windows-gnu',
  'win32-arm64-msvc': 'aarch64-pc-windows-msvc',
  'win32-ia32-msvc': 'i686-pc-windows-msvc',
  'freebsd-x64': 'x86_64-unknown-freebsd',
  'freebsd-arm64': 'aarch64-unknown-freebsd',
  'android-arm64': 'aarch64-linux-android',
  'android-arm-eabi': 'armv7-linux-androideabi',
};

/** The napi-rs platform name of a Rust target triple (inverse of TRIPLES). */
function abiOfTriple(triple) {
  for (const [abi, t] of Object.entries(TRIPLES)) if (t === triple) return abi;
  return null;
}

function isMusl() {
  if (process.platform !== 'linux') return false;
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    // no ldd script: ask the process report (glibc reports its runtime version)
  }
  try {
    const report = process.report && process.report.getReport();
    if (report && report.header && report.header.glibcVersionRuntime) return false;
    if (report && Array.isArray(report.sharedObjects)) {
      return report.sharedObjects.some((f) => f.includes('libc.musl-') || f.includes('ld-musl-'));
    }
  } catch {
    // no report either: assume glibc, as binding.js does
  }
  return false;
}

/** The napi-rs platform name for this process (or for the given platform/arch/libc). */
function hostAbi({ platform = process.platform, arch = process.arch, musl } = {}) {
  if (platform === 'linux') {
    const libc = (musl ?? isMusl()) ? 'musl' : 'gnu';
    if (arch === 'arm') return `linux-arm-${libc}eabihf`;
    return `linux-${arch}-${libc}`;
  }
  if (platform === 'win32') {
    const v = (process.config && process.config.variables) || {};
    const gnu = arch === 'x64' && (v.shlib_suffix === 'dll.a' || v.node_target_type === 'shared_library');
    return `win32-${arch}-${gnu ? 'gnu' : 'msvc'}`;
  }
  if (platform === 'android' && arch === 'arm') return 'android-arm-eabi';
  return `${platform}-${arch}`;
}

/** The file name cargo gives the cdylib of crate `crateName` on `platform`. */
function cdylibFile(crateName, platform = process.platform) {
  const stem = crateName.replace(/-/g, '_');
  if (platform === 'win32') return `${stem}.dll`;
  if (platform === 'darwin') return `lib${stem}.dylib`;
  return `lib${stem}.so`;
}

function readPackageJson(root = PACKAGE_ROOT) {
  return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
}

/**
 * Everything about the binary this host needs: `{ abi, triple, binaryFile, packageName,
 * prebuilt, version, platform, arch }`. `prebuilt` says whether a release ships a package for it.
 */
function hostTarget(opts = {}) {
  const pkg = opts.packageJson || readPackageJson();
  const napi = pkg.napi || {};
  const binaryName = napi.binaryName || pkg.name;
  const packageName = napi.packageName || pkg.name;
  const abi = opts.abi || hostAbi(opts);
  const targets = napi.targets || [];
  return {
    platform: opts.platform || process.platform,
    arch: opts.arch || process.arch,
    abi,
    triple: TRIPLES[abi] || null,
    binaryFile: `${binaryName}.${abi}.node`,
    packageName: `${packageName}-${abi}`,
    prebuilt: targets.some((t) => abiOfTriple(t) === abi),
    version: pkg.version,
    name: pkg.name,
  };
}

/**
 * The message for "no native binary loads here": the platform, the package that was expected,
 * and the ways out (reinstall with the prebuilt package, build with Rust, or ask for a binary).
 * `reason` (e.g. "cargo was not found on PATH") ends the first line; `broken` is why the installed
 * platform package does not load, when it is installed.
 */
function missingBinaryMessage(target, { reason, broken } = {}) {
  const head = `heapsnap: no native engine for ${target.abi} (Node ${process.version})${reason ? `: ${reason}` : ''}.`;
  const rust = 'install Rust from https://rustup.rs and run `npm rebuild heapsnap` to build it from source';
  if (broken) {
    return [head, `  ${target.packageName} is installed but does not load: ${broken}`, `  Fix: ${rust}.`].join('\n');
  }
  if (target.prebuilt) {
    return [
      head,
      `  ${target.packageName}@${target.version}, the prebuilt binary for this platform, is not installed` +
        ' (optional dependencies omitted, an offline install, or a lockfile made on another platform?).',
      `  Fix: reinstall heapsnap so that npm installs ${target.packageName}, or ${rust}.`,
    ].join('\n');
  }
  return [
    head,
    `  No prebuilt binary is published for ${target.abi} (there is no package ${target.packageName}),` +
      ' so heapsnap builds one from source when it is installed, which needs Rust.',
    `  Fix: ${rust}; or ask the heapsnap maintainers for a prebuilt ${target.abi} binary` +
      (target.triple ? ` (Rust target ${target.triple}).` : '.'),
  ].join('\n');
}

/** `{ version }` of the cargo we would run (`$CARGO` or `cargo`), or `{ error }` saying why there is none. */
function findCargo(cargo = process.env.CARGO || 'cargo') {
  const r = spawnSync(cargo, ['--version'], { encoding: 'utf8' });
  if (r.error) return { error: r.error.code === 'ENOENT' ? 'cargo was not found on PATH' : `${cargo}: ${r.error.message}` };
  if (r.status !== 0) return { error: `\`${cargo} --version\` failed: ${(r.stderr || '').trim()}` };
  return { version: r.stdout.trim() };
}

module.exports = {
  findCargo,
  PACKAGE_ROOT,
  TRIPLES,
  abiOfTriple,
  hostAbi,
  hostTarget,
  cdylibFile,
  isMusl,
  missingBinaryMessage,
  readPackageJson,
};

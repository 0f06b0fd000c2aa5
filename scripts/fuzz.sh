#!/usr/bin/env bash
# Coverage-guided fuzzing of the engine's parser and analyses (libFuzzer through cargo-fuzz).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 60 s for each of parse_whole parse_stream
#
# Each target starts from its committed seeds (crates/heapsnap-core/fuzz/corpus/TARGET, never
# written to) plus a scratch corpus (fuzz/.scratch/TARGET, kept between runs, git-ignored), and
# stops after SECONDS. A crash, a panic, a timeout (> 10 s on one input), a malloc over 512 MB or
# an RSS over 2 GB stops the run: the input is saved under fuzz/artifacts/TARGET/ and this script
# exits non-zero. Reproduce one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-…   (in crates/heapsnap-core)
#
# cargo-fuzz needs nightly-only flags (-Zsanitizer, -Cpasses=sancov): RUSTC_BOOTSTRAP=1 lets the
# stable toolchain accept them (no nightly toolchain is needed or downloaded). Installs
# cargo-fuzz with `cargo install` when it is missing (about 2.5 min on 2 cores; the first
# build of the targets takes about 3 min more).
set -euo pipefail
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_whole parse_stream)
cd "$(dirname "$0")/../crates/heapsnap-core"
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked --version "^0.13"
fi
echo "== building fuzz targets"
# default profile of cargo-fuzz: optimised, with debug assertions and overflow checks
cargo fuzz build 2>&1 | tail -n 3 || { echo "fuzz build failed"; exit 1; }
status=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/.scratch/$t" "fuzz/artifacts/$t"
  echo "== fuzzing $t for ${secs}s"
  log="fuzz/.scratch/$t.log"
  if cargo fuzz run "$t" "fuzz/.scratch/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$secs" -timeout=10 -malloc_limit_mb=512 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$log" 2>&1; then
    grep -E '^(#[0-9]+\s+DONE|Done [0-9]+ runs|stat::number_of_executed_units)' "$log" | tail -n 2
    echo "fuzz $t: ok"
  else
    status=1
    echo "fuzz $t: FAILED — the end of its log:"
    tail -n 60 "$log"
    ls -1 "fuzz/artifacts/$t" || true
  fi
done
exit $status

#!/usr/bin/env bash
# Refreshes valid/*.golden.json: what Chrome DevTools' own code computes for each valid input
# (../../../../../shared/oracle, i.e. the workplace's DevTools oracle). The tests read only the
# committed JSON, so they run without shared/.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
oracle="${HEAPSNAP_ORACLE:-$here/../../../../../shared/oracle/run.sh}"
for f in "$here"/valid/*.heapsnapshot; do
  out="${f%.heapsnapshot}.golden.json"
  "$oracle" "$f" | python3 -c '
import json, re, sys
d = json.load(sys.stdin)
d.pop("file", None)
# lone surrogates (names of non-V8 writers) as U+FFFD, so that any JSON reader takes the file
fix = lambda s: re.sub("[\ud800-\udfff]", "\ufffd", s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")) if isinstance(s, str) else s
for row in d.get("nodes", []):
    row[:] = [fix(x) for x in row]
json.dump(d, sys.stdout, separators=(",", ":"))' > "$out"
  echo "$(basename "$out")"
done

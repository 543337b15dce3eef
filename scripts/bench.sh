#!/usr/bin/env bash
# Prints the issue-12 performance table from one run: the dashboard benchmark
# (examples/dashboard_bench.rs, release build, no AWS) and `list --json` of
# N lifecycles (default 10000) against a boto3 paginated Scan of the same
# table on a fresh local emulator, both timed by /usr/bin/time in the same
# run (wall, user+sys CPU, peak RSS). Then, on the same emulator before the
# seeding, the notification storm (examples/storm_bench.rs): 100k demo
# lifecycles loaded, the real listener, STORM_RATE msg/s (default 100) for
# storm_s seconds (default 60; 0 skips it).
# Usage: scripts/bench.sh [N] [idle_s] [storm_s]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

N="${1:-10000}"
IDLE="${2:-30}"
STORM="${3:-60}"
STORM_RATE="${STORM_RATE:-100}"
ensure_moto
cargo build --locked --release --quiet --bin amiboard --example dashboard_bench --example storm_bench
BIN="$ROOT/target/release/amiboard"

log "heap per loaded lifecycle (counting allocator, tests/heap_per_lifecycle.rs)"
HEAP="$(cargo test --locked --quiet --test heap_per_lifecycle -- --nocapture 2>/dev/null \
  | grep '^heap:' | sed 's/^heap: *//' || echo 'not run')"
log "$HEAP"

log "dashboard benchmark (${IDLE} s idle)"
DASH="$(mktemp)"
"$ROOT/target/release/examples/dashboard_bench" "$IDLE" | tee "$DASH" >&2

trap stop_moto EXIT INT TERM HUP
start_moto
export AMIBOARD_PREFIX="bench-" XDG_STATE_HOME="$(mktemp -d)"
"$BIN" provision >/dev/null
STORM_OUT="$(mktemp)"
if [ "$STORM" -gt 0 ]; then
  log "notification storm (${STORM_RATE} msg/s for ${STORM} s, 100000 loaded)"
  "$ROOT/target/release/examples/storm_bench" "$STORM" "$STORM_RATE" | tee "$STORM_OUT" >&2 \
    || log "the storm benchmark failed (its table rows say: not run)"
fi
"$BIN" seed --lifecycles "$N" >/dev/null

OUT="$(mktemp)"; TIMES="$(mktemp)"
timed() { # label, command... -> "wall cpu rss_kib"
  /usr/bin/time -o "$TIMES" -f '%e %U %S %M' "$@" >"$OUT" 2>/dev/null
  awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }' "$TIMES"
}
# `list --json` streams: a reader between it and the file notes when its
# first output arrives; the whole output must parse as one JSON array.
A_START="$(date +%s.%N)"
A_FIRST="$( { /usr/bin/time -o "$TIMES" -f '%e %U %S %M' "$BIN" list --json 2>/dev/null || true; } \
  | "$VENV/bin/python" -c '
import sys, time
start, first = float(sys.argv[1]), None
with open(sys.argv[2], "wb") as out:
    while chunk := sys.stdin.buffer.read1(1 << 16):
        if first is None:
            first = time.time() - start
        out.write(chunk)
print("%.2f" % first if first is not None else "n/a")' "$A_START" "$OUT")"
# (the last line: GNU time puts "Command exited with non-zero status" first)
read -r A_WALL A_CPU A_RSS < <(tail -n 1 "$TIMES" | awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }')
A_COUNT="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$OUT" 2>/dev/null \
  || echo "NOT a complete JSON array")"
read -r B_WALL B_CPU B_RSS < <(timed "$VENV/bin/python" - "bench-lifecycles" <<'PY'
import json, os, sys, boto3
table = sys.argv[1]
client = boto3.client("dynamodb", region_name=os.environ["AWS_REGION"],
                      endpoint_url=os.environ["AWS_ENDPOINT_URL"])
count = 0
for page in client.get_paginator("scan").paginate(TableName=table):
    count += len(page["Items"])
print(json.dumps({"items": count}))
PY
)
B_COUNT="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"])' "$OUT")"

pick() { grep -F "$1" "$DASH" | head -n 1 | sed 's/^[^:]*: *//'; }
storm() { grep -F "$1" "$STORM_OUT" | head -n 1 | sed 's/^[^:]*: *//' | grep . || echo "not run"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
cat <<TABLE
| measure | measured (this run) |
|---|---|
| heap per loaded lifecycle (counting allocator) | ${HEAP} |
| dashboard RSS, 100k loaded | $(pick 'RSS with 100000') |
| peak during a refresh | $(pick 'peak RSS during a refresh') |
| one re-read applied, 100k loaded | $(pick 'one re-read applied') |
| one notification applied, 100k loaded | $(pick 'one notification applied') |
| first load of 100k: CPU building the view | $(pick 'first load of 100000') |
| notifications at ${STORM_RATE} msg/s for ${STORM} s, 100k loaded: publish -> applied and drawn | $(storm 'publish -> applied and drawn') |
| of which listener received -> drawn | $(storm 'listener received -> drawn') |
| storm: published / lost / duplicated | $(storm 'storm published'); lost $(storm 'storm lost'); duplicated $(storm 'storm duplicated') |
| key -> redrawn frame during the storm | $(storm 'key -> redrawn frame during storm') |
| storm goal | $(storm 'storm goal') |
| idle CPU, 100k loaded, stream connected | $(pick 's idle, 100000 loaded') |
| frame render, 100k | $(pick 'frame render, 100000') |
| \`list --json\` of $N ($A_COUNT listed) | wall ${A_WALL} s, CPU ${A_CPU} s, peak RSS $((A_RSS / 1024)) MiB |
| \`list --json\`: first output (streamed) | ${A_FIRST} s after the start |
| boto3 paginated Scan of the same ($B_COUNT items) | wall ${B_WALL} s, CPU ${B_CPU} s, peak RSS $((B_RSS / 1024)) MiB |
| amiboard / boto3 | wall $(ratio "$A_WALL" "$B_WALL"), CPU $(ratio "$A_CPU" "$B_CPU") |
TABLE
rm -f "$OUT" "$TIMES" "$DASH" "$STORM_OUT"

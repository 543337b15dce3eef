#!/usr/bin/env bash
# Prints the issue-12 performance table from one run: the dashboard benchmark
# (examples/dashboard_bench.rs, release build, no AWS) and `list --json` of
# N lifecycles (default 10000) against a boto3 paginated Scan of the same
# table on a fresh local emulator, both timed by /usr/bin/time in the same
# run (wall, user+sys CPU, peak RSS). Then, on the same emulator before the
# seeding, the notification storm (examples/storm_bench.rs): 100k demo
# lifecycles loaded, the real listener, STORM_RATE msg/s (default 100) for
# storm_s seconds (default 60; 0 skips it). `list --json` runs five times
# more for its peak RSS; the boto3 peer prints the same JSON
# (scripts/bench/boto3_list.py). Then the real binary at 10k and 100k
# (scripts/bench-real.sh, BENCH_REAL_SIZES).
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

# The frame against the commit before issue 22 (BENCH_BASE, default
# 6e81812; BENCH_BASE= skips it): that commit's dashboard_bench, built from a
# temporary worktree into this target directory with this tree's release
# profile (only amiboard itself compiles again), runs alternately with this
# tree's, twice each, in this run.
BASE="${BENCH_BASE-6e81812}"
AB="$(mktemp)"
if [ -n "$BASE" ]; then
  WT="$(mktemp -d)"
  NOW_BENCH="$WT/now_bench"
  cp "$ROOT/target/release/examples/dashboard_bench" "$NOW_BENCH"
  log "building the dashboard benchmark of $BASE for the frame A/B (a few minutes)"
  if git worktree add --detach "$WT/tree" "$BASE" >/dev/null 2>&1 \
    && (cd "$WT/tree" && CARGO_TARGET_DIR="$ROOT/target" CARGO_PROFILE_RELEASE_LTO=thin \
      CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_STRIP=true \
      cargo build --locked --release --quiet --example dashboard_bench); then
    cp "$ROOT/target/release/examples/dashboard_bench" "$WT/base_bench"
    cp "$NOW_BENCH" "$ROOT/target/release/examples/dashboard_bench"
    for round in 1 2; do
      log "frame A/B, round $round: this tree, then $BASE"
      "$NOW_BENCH" 1 2>/dev/null | sed "s/^/now$round | /" >>"$AB" || log "this tree's benchmark failed"
      "$WT/base_bench" 1 2>/dev/null | sed "s/^/base$round | /" >>"$AB" || log "$BASE's benchmark failed"
    done
  else
    log "could not build $BASE's dashboard benchmark: the frame A/B is not run"
  fi
  git worktree remove --force "$WT/tree" >/dev/null 2>&1 || true
  rm -rf "$WT"
fi
# "frame render, 100000 lifecycles:  mean 357.85µs  p99 417.26µs ..." -> p99 in ms.
p99_ms() {
  grep -F "$1 | $2" "$AB" | head -n 1 | python3 -c '
import re, sys
m = re.search(r"p99 ([0-9.]+)(µs|ms|s)", sys.stdin.read())
print("%.3f" % (float(m.group(1)) * {"µs": 0.001, "ms": 1, "s": 1000}[m.group(2)]) if m else "n/a")'
}
ms() { if [ "$1" = n/a ]; then echo "n/a"; else echo "$1 ms"; fi; }
ab_ratio() { if [ "$1" = n/a ] || [ "$2" = n/a ]; then echo "n/a"; else ratio "$1" "$2"; fi; }
ab_row() { # label, the line's start
  local n1 n2 b1 b2
  n1="$(p99_ms now1 "$2")"; n2="$(p99_ms now2 "$2")"; b1="$(p99_ms base1 "$2")"; b2="$(p99_ms base2 "$2")"
  printf '| %s | %s, %s | %s, %s | %s, %s |\n' "$1" "$(ms "$n1")" "$(ms "$n2")" "$(ms "$b1")" "$(ms "$b2")" \
    "$(ab_ratio "$n1" "$b1")" "$(ab_ratio "$n2" "$b2")"
}

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
# The boto3 peer prints what amiboard prints (scripts/bench/boto3_list.py):
# the same lifecycles as the same pretty JSON, checked below item by item.
A_OUT="$(mktemp)"; mv "$OUT" "$A_OUT"
read -r B_WALL B_CPU B_RSS < <(timed "$VENV/bin/python" "$ROOT/scripts/bench/boto3_list.py" "bench-lifecycles")
B_COUNT="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$OUT" 2>/dev/null \
  || echo "NOT a complete JSON array")"
SAME="$(python3 - "$A_OUT" "$OUT" <<'PY'
import json, sys
def texts(path):
    # Each lifecycle as pretty JSON, in lifecycle_id order (amiboard's four
    # Scan segments print the table in another order than one Scan does).
    items = json.load(open(path))
    return sorted(json.dumps(i, indent=2, ensure_ascii=False) for i in items)
try:
    a, b = texts(sys.argv[1]), texts(sys.argv[2])
    print("identical" if a == b else "DIFFERENT (%d vs %d items, %d differ)" % (
        len(a), len(b), len(set(a) ^ set(b))))
except ValueError as err:
    print("not comparable: %s" % err)
PY
)"
rm -f "$A_OUT"

# Peak RSS of `list --json` run after run (issue 22: 48 vs 150 MiB alternated).
LIST_RSS=""
for _ in 1 2 3 4 5; do
  /usr/bin/time -o "$TIMES" -f '%M' "$BIN" list --json >/dev/null 2>&1 || true
  LIST_RSS="$LIST_RSS $(( $(tail -n 1 "$TIMES") / 1024 ))"
done
LIST_SPREAD="$(echo $LIST_RSS | awk '{ lo = hi = $1; for (i = 2; i <= NF; i++) { if ($i < lo) lo = $i; if ($i > hi) hi = $i }
  printf "%.0f %%", (hi - lo) * 100 / lo }')"

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
| boto3 peer printing the same JSON ($B_COUNT items; $SAME to amiboard's) | wall ${B_WALL} s, CPU ${B_CPU} s, peak RSS $((B_RSS / 1024)) MiB |
| amiboard / boto3 | wall $(ratio "$A_WALL" "$B_WALL"), CPU $(ratio "$A_CPU" "$B_CPU") (goal: wall <= 0.6x) |
| \`list --json\` of $N, peak RSS of five runs | ${LIST_RSS# } MiB: max/min - 1 = ${LIST_SPREAD} (goal: within 10 %) |
TABLE
if [ -s "$AB" ]; then
  cat <<ABTABLE

Frame A/B against $BASE, the same run, alternating (goal: p99 <= 1 ms at 100k):

| frame render p99 | this tree (2 runs) | $BASE (2 runs) | ratio |
|---|---|---|---|
$(ab_row "100k, after the first load" "frame render, 100000 lifecycles:")
$(ab_row "100k, after a reload that changed every record" "frame render, 100000 after a reload")
$(ab_row "1k" "frame render, 1000 lifecycles:")
ABTABLE
fi
rm -f "$OUT" "$TIMES" "$DASH" "$STORM_OUT" "$AB"
stop_moto

# The real binary (scripts/bench-real.sh: DynamoDB on dynalite, the rest on
# moto) at each size in BENCH_REAL_SIZES (default 10000 and 100000; empty
# skips it), idle CPU over REAL_IDLE s (default 95).
for size in ${BENCH_REAL_SIZES-10000 100000}; do
  log "the real binary with $size lifecycles (scripts/bench-real.sh)"
  printf '\nReal binary, %s lifecycles (scripts/bench-real.sh %s %s %s):\n\n' "$size" "$size" "${REAL_IDLE:-95}" "$STORM"
  AMIBOARD_BIN="$BIN" "$ROOT/scripts/bench-real.sh" "$size" "${REAL_IDLE:-95}" "$STORM" \
    || echo "bench-real.sh $size failed (its last line on stderr says why)"
done

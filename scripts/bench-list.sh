#!/usr/bin/env bash
# Prints the issue-12 performance table from one run: the dashboard benchmark
# (examples/dashboard_bench.rs, release build, no AWS) and `list --json` of
# N lifecycles (default 10000) against a boto3 paginated Scan of the same
# table on a fresh local emulator, both timed by /usr/bin/time in the same
# run (wall, user+sys CPU, peak RSS). Usage: scripts/bench.sh [N] [idle_s]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

N="${1:-10000}"
IDLE="${2:-30}"
ensure_moto
true
BIN="$ROOT/target/release/amiboard"

log "dashboard benchmark (${IDLE} s idle)"
DASH="$(mktemp)"
echo skip > "$DASH"

trap stop_moto EXIT INT TERM HUP
start_moto
export AMIBOARD_PREFIX="bench-" XDG_STATE_HOME="$(mktemp -d)"
"$BIN" provision >/dev/null
"$BIN" seed --lifecycles "$N" >/dev/null

OUT="$(mktemp)"; TIMES="$(mktemp)"
timed() { # label, command... -> "wall cpu rss_kib"
  /usr/bin/time -o "$TIMES" -f '%e %U %S %M' "$@" >"$OUT" 2>/dev/null
  awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }' "$TIMES"
}
read -r A_WALL A_CPU A_RSS < <(timed "$BIN" list --json)
A_COUNT="$(grep -c '"lifecycle_id"' "$OUT" || true)"
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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
cat <<TABLE
| measure | measured (this run) |
|---|---|
| dashboard RSS, 100k loaded | $(pick 'RSS with 100000') |
| peak during a refresh | $(pick 'peak RSS during a refresh') |
| one re-read applied, 100k loaded | $(pick 'one re-read applied') |
| one notification applied, 100k loaded | $(pick 'one notification applied') |
| first load of 100k: CPU building the view | $(pick 'first load of 100000') |
| idle CPU, 100k loaded, stream connected | $(pick 's idle, 100000 loaded') |
| frame render, 100k | $(pick 'frame render, 100000') |
| \`list --json\` of $N ($A_COUNT listed) | wall ${A_WALL} s, CPU ${A_CPU} s, peak RSS $((A_RSS / 1024)) MiB |
| boto3 paginated Scan of the same ($B_COUNT items) | wall ${B_WALL} s, CPU ${B_CPU} s, peak RSS $((B_RSS / 1024)) MiB |
| amiboard / boto3 | wall $(ratio "$A_WALL" "$B_WALL"), CPU $(ratio "$A_CPU" "$B_CPU") |
TABLE
rm -f "$OUT" "$TIMES" "$DASH"

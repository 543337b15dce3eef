#!/usr/bin/env bash
# The real dashboard binary measured (issue 22): the release `amiboard`,
# DynamoDB on dynalite (an npm DynamoDB on LevelDB, kept in memory: moto
# takes minutes to seed and a quarter of an hour to Scan 100 000), every
# other service on moto. Seeds N lifecycles, times a full `list --json` of
# them, then runs scripts/bench/real.py: the dashboard in a private tmux
# server with its AWS clients, listener, change reads and watcher; RSS after
# the load and at the peak of a refresh in which every record changed, idle
# CPU over idle_s seconds (default 95: three 30 s refresh periods and some)
# with the stream connected, key -> frame during the first load and during
# a storm of storm_s seconds (default 60) at STORM_RATE msg/s (default 100)
# whose re-reads reach the table.
# Usage: scripts/bench-real.sh [N] [idle_s] [storm_s]
# AMIBOARD_BIN=path skips the release build and measures that binary.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

N="${1:-10000}"
IDLE="${2:-95}"
STORM="${3:-60}"
STORM_RATE="${STORM_RATE:-100}"
ensure_moto
ensure_dynalite
command -v tmux >/dev/null || { log "bench-real.sh needs tmux (apt-get install tmux)"; exit 1; }
if [ -n "${AMIBOARD_BIN:-}" ]; then
  BIN="$AMIBOARD_BIN"
else
  cargo build --locked --release --quiet --bin amiboard
  BIN="$ROOT/target/release/amiboard"
fi
WORK="$(mktemp -d -t amiboard-bench-real.XXXXXX)"
export AMIBOARD_BENCH_TMUX="amiboard-bench-$$"
cleanup() {
  tmux -L "$AMIBOARD_BENCH_TMUX" kill-server 2>/dev/null || true
  stop_dynalite
  stop_moto
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM HUP
start_moto
start_dynalite
export AMIBOARD_PREFIX="bench-" XDG_STATE_HOME="$WORK/state"
"$BIN" provision >/dev/null || { log "amiboard provision failed against moto + dynalite"; exit 1; }

TIMES="$WORK/time"
timed() { # label, command... : prints "label: wall s, CPU s, peak RSS"
  local label="$1"
  shift
  if ! /usr/bin/time -o "$TIMES" -f '%e %U %S %M' "$@" >"$WORK/out" 2>"$WORK/err"; then
    log "$label failed: $(tail -n 1 "$WORK/err")"
    exit 1
  fi
  tail -n 1 "$TIMES" | awk -v label="$label" \
    '{ printf "%s: wall %.1f s, CPU %.1f s, peak RSS %d MiB\n", label, $1, $2 + $3, $4 / 1024 }'
}
timed "seed $N into dynalite" "$BIN" seed --lifecycles "$N"
timed "list --json of $N from dynalite (full Scan, 4 segments)" "$BIN" list --json
printf 'list --json printed: %s lifecycles\n' \
  "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/out" 2>/dev/null \
    || echo 'NOT a complete JSON array')"
rm -f "$WORK/out"

# `list --json` against the boto3 peer that prints the same JSON, on
# dynalite: moto spends ~1 s of its own per Scan page, which both sides
# wait for, so there the ratio measures moto (bench.sh reports both).
# Three alternating pairs, at N <= 20000 (the peer needs ~8 s per 10k).
if [ "$N" -le 20000 ]; then
  pair_rows=""
  for round in 1 2 3; do
    /usr/bin/time -o "$TIMES" -f '%e %U %S %M' "$BIN" list --json >"$WORK/a.json" 2>/dev/null \
      || { log "list --json failed"; exit 1; }
    read -r a_wall a_cpu < <(awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$TIMES")
    /usr/bin/time -o "$TIMES" -f '%e %U %S %M' "$VENV/bin/python" "$ROOT/scripts/bench/boto3_list.py" \
      "${AMIBOARD_PREFIX}lifecycles" >"$WORK/b.json" 2>/dev/null || { log "the boto3 peer failed"; exit 1; }
    read -r b_wall b_cpu < <(awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$TIMES")
    same="$(python3 - "$WORK/a.json" "$WORK/b.json" <<'PY'
import json, sys
def texts(path):
    return sorted(json.dumps(i, indent=2, ensure_ascii=False) for i in json.load(open(path)))
try:
    a, b = texts(sys.argv[1]), texts(sys.argv[2])
    print("identical" if a == b else "DIFFERENT (%d vs %d items)" % (len(a), len(b)))
except ValueError as err:
    print("not comparable: %s" % err)
PY
)"
    pair_rows="$pair_rows $(python3 -c "print('%.2f' % ($a_wall / $b_wall))")"
    printf 'list --json of %s from dynalite vs the boto3 peer, pair %s: amiboard wall %s s, CPU %s s; boto3 wall %s s, CPU %s s; wall %.2fx, CPU %.3fx; output %s\n' \
      "$N" "$round" "$a_wall" "$a_cpu" "$b_wall" "$b_cpu" \
      "$(python3 -c "print($a_wall / $b_wall)")" "$(python3 -c "print($a_cpu / max($b_cpu, 0.01))")" "$same"
  done
  printf 'list --json of %s from dynalite vs the boto3 peer: wall ratio of the three pairs:%s  (goal: <= 0.6x)\n' \
    "$N" "$pair_rows"
  rm -f "$WORK/a.json" "$WORK/b.json"
fi

LOG_FILE="$XDG_STATE_HOME/amiboard/amiboard.log"
AMIBOARD_BENCH_QUIET_CMD="$(printf '%q' "$BIN")" \
AMIBOARD_BENCH_CMD="env AMIBOARD_LOG=debug $(printf '%q' "$BIN")" \
  nice -n 0 "$VENV/bin/python" "$ROOT/scripts/bench/real.py" "$N" "${AMIBOARD_PREFIX}lifecycles" \
  "${AMIBOARD_PREFIX}lifecycle-events" "$LOG_FILE" "$IDLE" "$STORM" "$STORM_RATE" \
  || { log "the real-binary benchmark failed (dashboard stderr: $(tail -n 3 "$LOG_FILE.stderr" 2>/dev/null))"; exit 1; }

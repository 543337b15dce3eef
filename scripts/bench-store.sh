#!/usr/bin/env bash
# Benchmark of the data layer against the local emulator: seeds N lifecycles
# (default 100000) into a fresh moto, then times `list --json` over the whole
# table (Scan) and over one stack tag (Query on the index), printing seconds
# and peak memory. Usage: scripts/bench-store.sh [N]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

N="${1:-100000}"
ensure_moto
cargo build --locked --quiet
BIN="$ROOT/target/debug/amiboard"
trap stop_moto EXIT INT TERM HUP
start_moto
export AMIBOARD_PREFIX="bench-" XDG_STATE_HOME="$(mktemp -d)"
"$BIN" provision >/dev/null

OUT="$(mktemp)"; ERR="$(mktemp)"
measure() { # label, command...
  local label="$1"; shift
  if ! /usr/bin/time -o "$ERR.time" -f '%e %M' "$@" >"$OUT" 2>"$ERR"; then
    log "$label failed: $(tail -n 1 "$ERR")"; exit 1
  fi
  local out; out="$(tail -n 1 "$ERR.time")"
  printf '%-28s %8.1f s  %6d MiB peak\n' "$label" "${out% *}" "$(( ${out#* } / 1024 ))"
}
measure "seed $N" "$BIN" seed --lifecycles "$N"
measure "list --json (all)" "$BIN" list --json
printf '%-28s %8s\n' "  lifecycles listed" "$(grep -c '"lifecycle_id"' $OUT)"
measure "list --stack-tag main --json" "$BIN" list --stack-tag main --json
printf '%-28s %8s\n' "  lifecycles listed" "$(grep -c '"lifecycle_id"' $OUT)"
rm -f "$OUT" "$ERR" "$ERR.time"

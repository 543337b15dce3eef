#!/usr/bin/env bash
# The main job: the dashboard against a local AWS emulator with demo data and
# live workflows. Installs moto into .venv if absent, builds amiboard, starts
# moto on a free port, provisions, seeds, runs the dashboard, stops moto on exit.
# Extra arguments go to the dashboard (e.g. --read-only).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

LIFECYCLES="${AMIBOARD_DEMO_LIFECYCLES:-300}"
ensure_moto
cargo build --locked --quiet
BIN="$ROOT/target/debug/amiboard"
trap stop_moto EXIT INT TERM HUP
start_moto
# Keep the user's own config out of the demo.
export AMIBOARD_CONFIG="${AMIBOARD_CONFIG:-$ROOT/scripts/demo-config.toml}"
"$BIN" provision
"$BIN" seed --lifecycles "$LIFECYCLES"
# Two live lifecycles whose builds run while the dashboard opens; the second
# fails its smoke tests on the first attempt, to show a failure and a retry.
"$BIN" create --stack-tag demo --product-name web-frontend --product-version 4.3 \
  --commit-ref "$(git rev-parse HEAD 2>/dev/null || echo 0000000)" --yes >/dev/null
"$BIN" create --stack-tag demo --product-name payments-api --product-version 2.8 \
  --property simulate_failure=SMOKE_TESTS --property simulate_failure_attempts=1 --yes >/dev/null
"$BIN" "$@"

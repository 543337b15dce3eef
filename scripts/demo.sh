#!/usr/bin/env bash
# The main job: the dashboard against a local AWS emulator with demo data and
# live workflows. Installs moto into .venv if absent, builds amiboard, starts
# moto on a free port, provisions, seeds, starts the demo driver
# (scripts/demo-driver.sh: lifecycles that move while the dashboard is open),
# runs the dashboard, stops the driver and moto on exit.
# Extra arguments go to the dashboard (e.g. --read-only).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

LIFECYCLES="${AMIBOARD_DEMO_LIFECYCLES:-300}"
ensure_moto
# The build shows its progress (the first one takes a few minutes); BIN is
# where cargo put the binary (CARGO_TARGET_DIR is honoured).
build_amiboard
stop_driver() {
  if [ -n "${DRIVER_PID:-}" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    kill -TERM -- "-$DRIVER_PID" 2>/dev/null || true
  fi
}
finish() {
  stop_driver
  stop_moto
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# The emulated Image Builder takes this long per build (BUILDING, TESTING,
# DISTRIBUTING, a quarter each), so the dashboard shows builds running.
export AMIBOARD_EMULATOR_BUILD_SECONDS="${AMIBOARD_EMULATOR_BUILD_SECONDS:-20}"
start_moto
# Keep the user's own config out of the demo.
export AMIBOARD_CONFIG="${AMIBOARD_CONFIG:-$ROOT/scripts/demo-config.toml}"
# Every lifecycle needs an Image Builder pipeline: the demo's is the one
# `provision` creates on the emulator (moto's account is 123456789012).
export AMIBOARD_PIPELINE_ARN="${AMIBOARD_PIPELINE_ARN:-arn:aws:imagebuilder:$AWS_REGION:123456789012:image-pipeline/amiboard-demo}"
# Tables, topics, state machines, and (on the emulator) the demo pipeline,
# buckets and EC2 events rule.
step "provisioning tables, topics and state machines on the emulator" "$BIN" provision
step "writing $LIFECYCLES demo lifecycles" "$BIN" seed --lifecycles "$LIFECYCLES"
# The demo driver keeps a few lifecycles moving while the dashboard is open
# (a failure and its retry, a QA request waiting in the inbox, a promotion),
# through amiboard's own commands: scripts/demo-driver.sh. Its own process
# group, so stopping it stops the command it runs; its output goes to a log,
# never to the terminal the dashboard draws on. AMIBOARD_DEMO_DRIVER=0: none.
DRIVER_LOG="${AMIBOARD_DEMO_DRIVER_LOG:-$(mktemp -t amiboard-demo-driver.XXXXXX.log)}"
if [ "${AMIBOARD_DEMO_DRIVER:-1}" != 0 ]; then
  set -m
  AMIBOARD_DEMO_WATCH_PID=$$ "$ROOT/scripts/demo-driver.sh" >"$DRIVER_LOG" 2>&1 </dev/null &
  DRIVER_PID=$!
  set +m
  log "the demo driver (pid $DRIVER_PID) moves lifecycles of stack tag demo; its log: $DRIVER_LOG"
fi
# What a second shell needs to run the CLI against this same emulator while
# the dashboard is open (e.g. `amiboard list`, `amiboard trigger ID`).
cat >&2 <<EOF

amiboard demo: the emulator listens on $MOTO_URL. In a second shell:

  export AWS_ENDPOINT_URL=$MOTO_URL AWS_REGION=$AWS_REGION
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
  export AWS_EC2_METADATA_DISABLED=true AMIBOARD_CONFIG=$AMIBOARD_CONFIG
  export AMIBOARD_PIPELINE_ARN=$AMIBOARD_PIPELINE_ARN
  alias amiboard=$BIN

The demo driver's log: $DRIVER_LOG
(the dashboard opens in a moment; the emulator stops when it exits)
EOF
sleep "${AMIBOARD_DEMO_PAUSE:-3}"
"$BIN" "$@"

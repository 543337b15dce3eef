#!/usr/bin/env bash
# The demo driver: keeps a few demo lifecycles moving for as long as the demo
# runs, through amiboard's own commands (create, wait, trigger, retry,
# certify, promote) on the local stack, with the real workflows on the
# emulator. Two tracks run side by side, each in a loop:
#
# - release: create, smoke tests, scans, QA request (waiting in the inbox
#   for one pace), certify, promote: a promotion every round;
# - flaky: on a pipeline copy tagged with one of the emulator's documented
#   fault tags (emulator:fail-builds, then emulator:fail-smoke-tests, in
#   turn), so its build or its first smoke test fails for real; the failure
#   stays on screen for one pace, then `amiboard retry` runs it again and it
#   passes; the lifecycle then goes to its QA request and is left waiting in
#   the inbox until the next round decides it (certify or reject, in turn).
#
# Any other failure gets the same treatment: a pause, then `retry`.
# The driver never writes a result itself: every status comes from a
# workflow. scripts/demo.sh starts it in the background in its own process
# group, with its output in a log file, and stops it when the dashboard exits;
# it also stops by itself once the process AMIBOARD_DEMO_WATCH_PID (demo.sh)
# or the emulator (MOTO_PID) is gone.
#
# Needs what demo.sh exports: BIN, MOTO_URL, MOTO_PID, AMIBOARD_PIPELINE_ARN,
# AMIBOARD_CONFIG and the AWS_* variables. AMIBOARD_DEMO_PACE (seconds,
# default 12) is the pause between two steps of a track.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

: "${BIN:?BIN: the amiboard binary}" "${MOTO_URL:?MOTO_URL: the emulator}"
: "${AMIBOARD_PIPELINE_ARN:?AMIBOARD_PIPELINE_ARN: the demo pipeline}"
PACE="${AMIBOARD_DEMO_PACE:-12}"
WATCH="${AMIBOARD_DEMO_WATCH_PID:-$PPID}"
STACK_TAG="${AMIBOARD_DEMO_STACK_TAG:-demo}"
RELEASE_PRODUCTS=(web-frontend payments-api search-indexer)
FLAKY_PRODUCTS=(batch-worker edge-proxy ml-inference)
FAULTS=(emulator:fail-builds emulator:fail-smoke-tests)

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# amiboard, logged with its output; the exit code is the command's.
ab() {
  say "\$ amiboard $*"
  "$BIN" "$@"
}

nap() { sleep "${1:-$PACE}"; }

# `advance TRACK ID CMD...`: runs an amiboard command that follows an event
# to its result (--wait); when the event fails or breaks, leaves the failure
# on screen for one pace, then retries it (twice at most).
advance() {
  local track="$1" id="$2" try
  shift 2
  if ab "$@"; then
    return 0
  fi
  for try in 1 2; do
    say "$track ${id:0:8}: the event failed; retry $try in ${PACE}s"
    nap
    if ab retry "$id" --yes --wait; then
      say "$track ${id:0:8}: the retry passed"
      return 0
    fi
  done
  say "$track ${id:0:8}: still failing after two retries; leaving it"
  return 1
}

# `create_lifecycle TRACK PRODUCT VERSION [PIPELINE]`: sets ID.
create_lifecycle() {
  local track="$1" product="$2" version="$3" pipeline="${4:-}" out
  local args=(create --stack-tag "$STACK_TAG" --product-name "$product"
    --product-version "$version" --property "demo-driver=$track" --yes --json)
  if [ -n "$pipeline" ]; then
    args+=(--pipeline "$pipeline")
  fi
  out="$(ab "${args[@]}")" || return 1
  ID="$(printf '%s' "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["lifecycle_id"])')" || return 1
  say "$track ${ID:0:8}: created $product $version, its AMI_BUILD running"
}

# `fault_pipeline NAME TAG`: prints the ARN of a copy of the demo pipeline
# tagged TAG = 1, so the first build or smoke test of its AMIs fails (the
# emulator counts per pipeline: scripts/emulator/README.md).
fault_pipeline() {
  "$VENV/bin/python" - "$MOTO_URL" "$AMIBOARD_PIPELINE_ARN" "$1" "$2" <<'PY'
import os, sys, boto3
url, base, name, tag = sys.argv[1:5]
ib = boto3.client("imagebuilder", endpoint_url=url, region_name=os.environ["AWS_REGION"])
pipeline = ib.get_image_pipeline(imagePipelineArn=base)["imagePipeline"]
keep = ("imageRecipeArn", "infrastructureConfigurationArn", "distributionConfigurationArn",
        "imageTestsConfiguration", "imageScanningConfiguration")
args = {k: pipeline[k] for k in keep if pipeline.get(k)}
print(ib.create_image_pipeline(name=name, clientToken=name, tags={tag: "1"}, **args)["imagePipelineArn"])
PY
}

release_round() {
  local n="$1" product="${RELEASE_PRODUCTS[$(($1 % ${#RELEASE_PRODUCTS[@]}))]}"
  create_lifecycle release "$product" "5.$n" || return 1
  local id="$ID" event
  advance release "$id" wait "$id" AMI_BUILD || return 1
  for event in SMOKE_TESTS VULNERABILITY_SCANS QA_CERTIFICATION_REQUEST; do
    nap
    advance release "$id" trigger "$id" "$event" --yes --wait || return 1
  done
  say "release ${id:0:8}: QA request waiting in the inbox"
  nap
  ab certify "$id" --reason "Certified by QA: regression suite green (demo driver)" --yes || return 1
  nap
  advance release "$id" promote "$id" --yes --wait || return 1
  say "release ${id:0:8}: promoted to production"
}

WAITING=""
flaky_round() {
  local n="$1" product="${FLAKY_PRODUCTS[$(($1 % ${#FLAKY_PRODUCTS[@]}))]}"
  local fault="${FAULTS[$(($1 % ${#FAULTS[@]}))]}" pipeline
  pipeline="$(fault_pipeline "amiboard-demo-flaky-$$-$n" "$fault")" || return 1
  say "flaky: round $n on a pipeline tagged $fault = 1 ($pipeline)"
  create_lifecycle flaky "$product" "7.$n" "$pipeline" || return 1
  local id="$ID" event
  advance flaky "$id" wait "$id" AMI_BUILD || return 1
  for event in SMOKE_TESTS VULNERABILITY_SCANS QA_CERTIFICATION_REQUEST; do
    nap
    advance flaky "$id" trigger "$id" "$event" --yes --wait || return 1
  done
  say "flaky ${id:0:8}: QA request left waiting in the inbox"
  if [ -n "$WAITING" ]; then
    nap
    if [ $((n % 2)) -eq 0 ]; then
      ab certify "$WAITING" --reason "Certified by QA: exploratory pass (demo driver)" --yes
    else
      ab certify "$WAITING" --reject --reason "Rejected: login page regression (demo driver)" --yes
    fi
  fi
  WAITING="$id"
}

# `track NAME ROUND_FUNCTION`: rounds for ever; a round that gave up is
# followed by a new one after a pace.
track() {
  local name="$1" round="$2" n=0
  while :; do
    "$round" "$n" || say "$name: round $n stopped early; starting a new one"
    n=$((n + 1))
    nap
  done
}

alive() {
  kill -0 "$WATCH" 2>/dev/null && { [ -z "${MOTO_PID:-}" ] || kill -0 "$MOTO_PID" 2>/dev/null; }
}

# Stops the tracks and whatever amiboard command they run: the whole
# process group when the driver leads one (as demo.sh starts it), else each
# track by its id.
stop_tracks() {
  trap - EXIT INT TERM HUP
  say "driver: stopping"
  if [ "$(ps -o pgid= -p $$ | tr -d ' ')" = "$$" ]; then
    kill -TERM -- -$$ 2>/dev/null
  else
    kill -TERM $TRACKS 2>/dev/null
  fi
  exit 0
}

say "driver: pid $$, pace ${PACE}s, stack tag $STACK_TAG, emulator $MOTO_URL"
track release release_round &
TRACKS="$!"
track flaky flaky_round &
TRACKS="$TRACKS $!"
trap stop_tracks EXIT INT TERM HUP
while alive; do
  sleep 1
done
say "driver: the demo is gone"

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
# The build shows its progress (the first one takes a few minutes); BIN is
# where cargo put the binary (CARGO_TARGET_DIR is honoured).
build_amiboard
trap stop_moto EXIT INT TERM HUP
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
# Failure injection: the first smoke test on an AMI of the demo pipeline
# fails (the emulator reads the pipeline's tags), to show a failure and a retry.
"$VENV/bin/python" - "$MOTO_URL" <<'PY'
import os, sys, boto3
region = os.environ["AWS_REGION"]
ib = boto3.client("imagebuilder", endpoint_url=sys.argv[1], region_name=region)
arn = f"arn:aws:imagebuilder:{region}:123456789012:image-pipeline/amiboard-demo"
ib.tag_resource(resourceArn=arn, tags={"emulator:fail-smoke-tests": "1"})
PY
step "writing $LIFECYCLES demo lifecycles" "$BIN" seed --lifecycles "$LIFECYCLES"
# Two live lifecycles whose builds run (for real, on the emulated Image
# Builder) while the dashboard opens; the first smoke test triggered fails.
"$BIN" create --stack-tag demo --product-name web-frontend --product-version 4.3 \
  --commit-ref "$(git rev-parse HEAD 2>/dev/null || echo 0000000)" --yes >/dev/null
"$BIN" create --stack-tag demo --product-name payments-api --product-version 2.8 \
  --yes >/dev/null
# What a second shell needs to run the CLI against this same emulator while
# the dashboard is open (e.g. `amiboard list`, `amiboard trigger ID`).
cat >&2 <<EOF

amiboard demo: the emulator listens on $MOTO_URL. In a second shell:

  export AWS_ENDPOINT_URL=$MOTO_URL AWS_REGION=$AWS_REGION
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
  export AWS_EC2_METADATA_DISABLED=true AMIBOARD_CONFIG=$AMIBOARD_CONFIG
  export AMIBOARD_PIPELINE_ARN=$AMIBOARD_PIPELINE_ARN
  alias amiboard=$BIN

(the dashboard opens in a moment; the emulator stops when it exits)
EOF
sleep "${AMIBOARD_DEMO_PAUSE:-3}"
"$BIN" "$@"

# Shared shell functions of amiboard's scripts: a project-local moto install
# and a moto server on a free loopback port. Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
# 5.1.22: moto 5.2's new response serializer makes DynamoDB scans of nested
# items 7-20 times slower, which matters for the 100000-lifecycle runs.
MOTO_VERSION="5.1.22"
MOTO_REQUIREMENT="moto[server]==$MOTO_VERSION"

log() { printf 'amiboard: %s\n' "$*" >&2; }

# Runs one step with a line before it (what it does, how long it usually
# takes) and a line after it with the seconds it took: `step WHAT CMD...`.
step() {
  local what="$1" started=$SECONDS rc=0
  shift
  log "$what..."
  "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    log "$what: done in $((SECONDS - started)) s"
  else
    log "$what: failed after $((SECONDS - started)) s (exit $rc)"
  fi
  return "$rc"
}

# pip with its own progress (what it downloads and installs, with a
# progress bar on a terminal), on standard error like every other line.
pip_install() {
  local python="$1"
  shift
  "$python" -m pip install --disable-pip-version-check --progress-bar on "$@" >&2
}

# Builds amiboard and sets BIN to its binary wherever cargo put it
# (CARGO_TARGET_DIR, build.target-dir in a cargo config): the path is read
# from cargo's own build messages, never guessed.
build_amiboard() {
  local messages
  messages="$(step "building amiboard (cargo build; the first build takes 3-6 minutes)" \
    cargo build --locked --message-format=json-render-diagnostics)" || return 1
  BIN="$(printf '%s\n' "$messages" | python3 -c '
import json, sys
exe = ""
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    t = m.get("target") or {}
    if m.get("reason") == "compiler-artifact" and t.get("name") == "amiboard" and "bin" in t.get("kind", []) and m.get("executable"):
        exe = m["executable"]
print(exe)
')"
  if [ -z "$BIN" ]; then
    # No artifact message (an old cargo): the target directory cargo reports.
    BIN="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/amiboard"
  fi
  if [ ! -x "$BIN" ]; then
    log "cargo built amiboard but $BIN is not there"
    return 1
  fi
  log "amiboard is $BIN"
  export BIN
}

# Installs moto into .venv unless it is already there.
ensure_moto() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import moto.server, flask, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    return 0
  fi
  log "installing the local AWS emulator ($MOTO_REQUIREMENT) into $VENV, once: about 2-3 minutes"
  step "creating the Python environment $VENV" python3 -m venv "$VENV" \
    || { log "python3 -m venv failed: install python3-venv"; return 1; }
  step "installing $MOTO_REQUIREMENT with pip (about 150 s)" pip_install "$VENV/bin/python" "$MOTO_REQUIREMENT" \
    || { log "pip could not install $MOTO_REQUIREMENT"; return 1; }
}

# Installs the AWS CLI (v1, from PyPI) into its own venv, $VENV/awscli: the
# docs/deploy.md test runs the guide's `aws` commands against the emulator.
# Its own venv, because the CLI pins a botocore other than moto's boto3 needs.
AWSCLI_REQUIREMENT="awscli==1.46.3"
AWS_CLI="$VENV/awscli/bin/aws"
ensure_awscli() {
  if [ -x "$AWS_CLI" ] && "$AWS_CLI" --version 2>&1 | grep -q "aws-cli/${AWSCLI_REQUIREMENT#awscli==} "; then
    return 0
  fi
  log "installing the AWS CLI ($AWSCLI_REQUIREMENT) into $VENV/awscli, once: about a minute"
  step "creating the Python environment $VENV/awscli" python3 -m venv "$VENV/awscli" \
    || { log "python3 -m venv failed: install python3-venv"; return 1; }
  step "installing $AWSCLI_REQUIREMENT with pip" pip_install "$VENV/awscli/bin/python" "$AWSCLI_REQUIREMENT" \
    || { log "pip could not install $AWSCLI_REQUIREMENT"; return 1; }
}

# Prints a free TCP port on 127.0.0.1.
free_port() {
  "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts moto on a free port, waits until it answers, switches on Step
# Functions execution, and exports MOTO_PID, MOTO_URL and the AWS variables
# every amiboard call then uses.
start_moto() {
  local port started=$SECONDS
  log "starting the local AWS emulator (a few seconds)"
  port="$(free_port)"
  MOTO_LOG="${MOTO_LOG:-$(mktemp -t amiboard-moto.XXXXXX.log)}"
  "$VENV/bin/python" "$(dirname "${BASH_SOURCE[0]}")/moto_server.py" -H 127.0.0.1 -p "$port" >"$MOTO_LOG" 2>&1 &
  MOTO_PID=$!
  MOTO_URL="http://127.0.0.1:$port"
  local i
  for i in $(seq 1 100); do
    if "$VENV/bin/python" - "$MOTO_URL" <<'PY' 2>/dev/null
import sys, urllib.request, json
url = sys.argv[1]
req = urllib.request.Request(url + "/moto-api/config", method="POST",
    data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
    headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=1).read()
PY
    then
      break
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
      log "moto exited at start; its log: $MOTO_LOG"; return 1
    fi
    sleep 0.1
  done
  export MOTO_PID MOTO_URL
  export AWS_ENDPOINT_URL="$MOTO_URL"
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
  export AWS_REGION="${AWS_REGION:-us-east-1}"
  # Never ask the EC2 instance metadata service: only loopback is ours.
  export AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE
  log "moto listens on $MOTO_URL (pid $MOTO_PID), started in $((SECONDS - started)) s"
}

stop_moto() {
  if [ -n "${MOTO_PID:-}" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null
    # Its exit status is the signal's; under `set -e` in an EXIT trap it
    # would replace the script's own.
    wait "$MOTO_PID" 2>/dev/null || true
  fi
}

# dynalite (an implementation of DynamoDB on LevelDB, from npm) for the
# benchmarks at 100 000: moto takes minutes to seed or scan that many, so
# `scripts/bench-real.sh` points only DynamoDB at dynalite
# (AWS_ENDPOINT_URL_DYNAMODB) and leaves every other service on moto.
# Installed once into $ROOT/.bench/dynalite (git ignores .bench/).
DYNALITE_VERSION="4.0.0"
DYNALITE_DIR="$ROOT/.bench/dynalite"
ensure_dynalite() {
  if [ -f "$DYNALITE_DIR/node_modules/dynalite/package.json" ] \
    && grep -q "\"version\": \"$DYNALITE_VERSION\"" "$DYNALITE_DIR/node_modules/dynalite/package.json"; then
    return 0
  fi
  command -v npm >/dev/null || { log "npm is not installed (apt-get install nodejs npm): dynalite needs it"; return 1; }
  mkdir -p "$DYNALITE_DIR"
  step "installing dynalite@$DYNALITE_VERSION with npm into $DYNALITE_DIR (about a minute)" \
    npm install --prefix "$DYNALITE_DIR" --no-audit --no-fund --loglevel=error "dynalite@$DYNALITE_VERSION" >&2 \
    || { log "npm could not install dynalite@$DYNALITE_VERSION"; return 1; }
}

# Starts dynalite in memory on a free port and exports DYNALITE_PID and
# AWS_ENDPOINT_URL_DYNAMODB (DynamoDB calls go there, the rest to moto).
# Table creation and deletion take effect at once (--createTableMs 0).
start_dynalite() {
  local port i
  port="$(free_port)"
  DYNALITE_LOG="${DYNALITE_LOG:-$(mktemp -t amiboard-dynalite.XXXXXX.log)}"
  node "$DYNALITE_DIR/node_modules/dynalite/cli.js" --port "$port" \
    --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 >"$DYNALITE_LOG" 2>&1 &
  DYNALITE_PID=$!
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      break
    fi
    if ! kill -0 "$DYNALITE_PID" 2>/dev/null; then
      log "dynalite exited at start; its log: $DYNALITE_LOG"; return 1
    fi
    sleep 0.1
  done
  export DYNALITE_PID AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
  log "dynalite listens on $AWS_ENDPOINT_URL_DYNAMODB (pid $DYNALITE_PID)"
}

stop_dynalite() {
  if [ -n "${DYNALITE_PID:-}" ] && kill -0 "$DYNALITE_PID" 2>/dev/null; then
    kill "$DYNALITE_PID" 2>/dev/null
    wait "$DYNALITE_PID" 2>/dev/null || true
  fi
}

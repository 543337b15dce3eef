#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs moto into .venv if absent, then
# formatting, lints and every test (unit, snapshot, emulator, tmux end-to-end).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_moto
ensure_awscli
export AMIBOARD_PYTHON="$VENV/bin/python"
export AMIBOARD_AWS_CLI="$AWS_CLI"
if ! command -v tmux >/dev/null 2>&1; then
  log "installing tmux for the end-to-end tests"
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq tmux) >/dev/null 2>&1 || log "could not install tmux"
  fi
fi
# The local stack's own rules (scripts/emulator/README.md), without amiboard:
# each refuses what AWS refuses.
"$VENV/bin/python" -m unittest discover -s scripts/emulator/tests -t scripts
# The deployable template: its definitions are the repository's, and
# cfn-lint (installed with moto[server]) finds nothing.
"$VENV/bin/python" scripts/sync-template.py --check
if [ ! -x "$VENV/bin/cfn-lint" ]; then
  log "installing cfn-lint into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check cfn-lint
fi
"$VENV/bin/cfn-lint" deploy/amiboard.template.json
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked "$@"

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
    # apt-get's own lines (what it fetches and unpacks), on standard error.
    step "installing tmux with apt-get (under a minute)" \
      bash -c 'apt-get update && apt-get install -y tmux' >&2 || log "could not install tmux"
  fi
fi
# The local stack's own rules (scripts/emulator/README.md), without amiboard:
# each refuses what AWS refuses.
step "the local stack's own rules (python unittest)" \
  "$VENV/bin/python" -m unittest discover -s scripts/emulator/tests -t scripts
# The deployable template: its definitions are the repository's, and
# cfn-lint (installed with moto[server]) finds nothing.
step "checking the template's definitions against workflows/" \
  "$VENV/bin/python" scripts/sync-template.py --check
if [ ! -x "$VENV/bin/cfn-lint" ]; then
  step "installing cfn-lint into $VENV with pip (about 30 s)" pip_install "$VENV/bin/python" cfn-lint
fi
step "cfn-lint on deploy/amiboard.template.json (a few seconds)" \
  "$VENV/bin/cfn-lint" deploy/amiboard.template.json
step "cargo fmt --check" cargo fmt --all -- --check
# cargo prints each crate it compiles, then each test.
step "cargo clippy (-D warnings)" cargo clippy --locked --all-targets -- -D warnings
step "cargo test (the first build takes 5-10 minutes)" cargo test --locked "$@"

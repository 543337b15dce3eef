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
if [ "$#" -gt 0 ]; then
  # Arguments (a filter, --no-fail-fast, ...): cargo test as asked.
  step "cargo test $* (the first build takes 5-10 minutes)" cargo test --locked "$@"
  exit
fi
# Every test target is built first; then the two long suites (emulator and
# tmux end-to-end: they wait on the local stack and on timers far more than
# they compute) run side by side with the rest, each into its own log, and
# each log is printed whole when all have ended, with a summary last.
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT
step "building every test target (cargo test --no-run; the first build takes 5-10 minutes)" \
  cargo test --locked --no-run --message-format=json-render-diagnostics >"$LOGS/build.json"
# The binary as `cargo build` (and so scripts/demo.sh) makes it. The tests'
# dev-dependencies turn on features of serde_json, the AWS SDK and others, so
# a plain build needs a second set of dependencies. Built here, before the
# tests start, the e2e demo test's fresh clone only compiles amiboard itself;
# left to that test, on a clean CI machine it compiled the whole SDK again on
# both cores while the emulator tests ran, and timed steps there ran late.
step "building amiboard as users build it (cargo build; the first time 2-5 minutes)" \
  cargo build --locked
# name<TAB>executable of each test harness cargo built (lib, bins, tests/*).
python3 - "$LOGS/build.json" >"$LOGS/targets" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    t = m.get("target") or {}
    if m.get("reason") == "compiler-artifact" and (m.get("profile") or {}).get("test") and m.get("executable"):
        kind = t.get("kind", ["?"])[0]
        print(f"{kind}:{t.get('name')}\t{m['executable']}")
PY
if ! grep -q "^test:emulator" "$LOGS/targets" || ! grep -q "^test:e2e" "$LOGS/targets"; then
  log "cargo did not report the emulator and e2e test binaries; running cargo test as one"
  step "cargo test" cargo test --locked
  exit
fi
# One group: its targets one after the other, into LOGS/NAME.log.
group() {
  local name="$1" started=$SECONDS rc=0 target exe
  shift
  for target in "$@"; do
    exe="$(awk -F '\t' -v t="$target" '$1 == t { print $2; exit }' "$LOGS/targets")"
    printf '\n     Running %s (%s)\n' "$target" "$exe" >>"$LOGS/$name.log"
    "$exe" >>"$LOGS/$name.log" 2>&1 || rc=$?
  done
  echo "$rc $((SECONDS - started))" >"$LOGS/$name.result"
}
mapfile -t REST < <(cut -f1 "$LOGS/targets" | grep -v -x -e test:emulator -e test:e2e)
log "running the tests: emulator, e2e (tmux) and ${#REST[@]} other targets side by side (10-20 minutes)..."
group emulator test:emulator &
group e2e test:e2e &
group rest "${REST[@]}" &
wait
DOC_RC=0
cargo test --locked --doc >"$LOGS/doc.log" 2>&1 || DOC_RC=$?
FAILED=$DOC_RC
for name in rest e2e emulator; do
  cat "$LOGS/$name.log"
  read -r rc secs <"$LOGS/$name.result"
  if [ "$rc" -ne 0 ]; then FAILED=1; fi
done
cat "$LOGS/doc.log"
[ "$DOC_RC" -eq 0 ] || log "doc tests: FAILED (exit $DOC_RC): their log is above"
for name in rest e2e emulator; do
  read -r rc secs <"$LOGS/$name.result"
  if [ "$rc" -eq 0 ]; then
    log "tests ($name): passed in $secs s"
  else
    log "tests ($name): FAILED after $secs s (exit $rc): its log is above"
  fi
done
exit "$FAILED"

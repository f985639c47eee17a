#!/usr/bin/env bash
# What `npm test` runs: typecheck, lint, vitest (extra args go to vitest), then the Playwright end-to-end tests, with a Secret Service for the keychain tests.
set -euo pipefail
cd "$(dirname "$0")/.."

secret_service_reachable () {
  command -v secret-tool >/dev/null || return 1
  local err rc=0
  # A missing item exits 1 quietly; no Secret Service exits 1 with a complaint on stderr.
  err=$(timeout 5 secret-tool lookup hearth-test probe 2>&1 >/dev/null) || rc=$?
  [[ -z $err && $rc -le 1 ]]
}

if [[ $(uname -s) == Linux && -z ${HEARTH_TEST_KEYRING:-} ]] && ! secret_service_reachable; then
  for cmd in gnome-keyring-daemon dbus-run-session; do
    command -v "$cmd" >/dev/null || { echo "test.sh: $cmd is missing (no Secret Service for the keychain tests): run scripts/setup-test-env.sh" >&2; exit 1; }
  done
  # A throwaway keyring in a temp HOME: tests never touch the person's real keyring, and nothing outlives the run.
  keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/hearth-keyring.XXXXXX")
  trap 'rm -rf "$keyring_home"' EXIT
  export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
  export HOME="$keyring_home"
  export XDG_DATA_HOME="$keyring_home/data"
  export XDG_RUNTIME_DIR="$keyring_home/run"
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  export HEARTH_TEST_KEYRING=throwaway
  KEYRING_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n') dbus-run-session -- bash -c '
    printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    unset KEYRING_PASSWORD
    exec bash "$0" "$@"' "$0" "$@"
  exit
fi

step () {
  local name=$1 start=$SECONDS
  shift
  echo "── $name"
  "$@"
  echo "── $name: ok in $((SECONDS - start))s"
}

bin=./node_modules/.bin
# HEARTH_TEST_NO_STATIC=1 (CI's second Node): the static checks ran already on the same sources.
if [[ -z ${HEARTH_TEST_NO_STATIC:-} ]]; then
  step typecheck "$bin/tsc" --noEmit -p tsconfig.json
  step lint "$bin/eslint" --max-warnings 0 .
  step svelte-check "$bin/svelte-check" --workspace renderer --fail-on-warnings
fi
step vitest "$bin/vitest" run "$@"
# The web UI end to end, in Debian's Chromium; only on a full run (extra args pick vitest files).
if [[ $# -eq 0 ]]; then
  [[ -x ${HEARTH_CHROMIUM:-/usr/bin/chromium} ]] || { echo "test.sh: ${HEARTH_CHROMIUM:-/usr/bin/chromium} is missing (the end-to-end tests need Chromium): run scripts/setup-test-env.sh" >&2; exit 1; }
  step e2e "$bin/playwright" test
fi

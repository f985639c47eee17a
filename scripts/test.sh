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
  # The bus starts the keyring daemon on first use, and again should it ever die, unlocked with the same password each
  # time: a crashed gnome-keyring then costs the one call in flight, not every keychain test after it.
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$keyring_home/password"
  mkdir -p "$keyring_home/services"
  printf '%s\n' '#!/usr/bin/env bash' \
    'echo "started $(date +%T)" >> "$HOME/starts"' \
    'exec gnome-keyring-daemon --foreground --unlock --components=secrets < "$HOME/password" > /dev/null 2>> "$HOME/daemon.log"' \
    > "$keyring_home/keyring-daemon"
  # The bus notes each service it starts on stderr: into a file with it, beside what the keyring daemon says.
  printf '%s\n' '#!/usr/bin/env bash' 'exec dbus-daemon "$@" 2>> "$HOME/daemon.log"' > "$keyring_home/bus-daemon"
  chmod +x "$keyring_home/keyring-daemon" "$keyring_home/bus-daemon"
  printf '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n' "$keyring_home/keyring-daemon" > "$keyring_home/services/org.freedesktop.secrets.service"
  printf '%s\n' '<busconfig>' '  <type>session</type>' "  <listen>unix:tmpdir=$keyring_home</listen>" '  <auth>EXTERNAL</auth>' \
    "  <servicedir>$keyring_home/services</servicedir>" \
    '  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>' \
    '</busconfig>' > "$keyring_home/bus.conf"
  status=0
  dbus-run-session --config-file="$keyring_home/bus.conf" --dbus-daemon="$keyring_home/bus-daemon" -- bash "$0" "$@" || status=$?
  starts=$(cat "$keyring_home/starts" 2>/dev/null | wc -l)
  if (( starts > 1 )); then
    echo "test.sh: the throwaway keyring's gnome-keyring-daemon had to be started $starts times; what it said:" >&2
    tail -n 40 "$keyring_home/daemon.log" >&2
  fi
  exit "$status"
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

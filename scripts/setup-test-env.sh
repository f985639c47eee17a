#!/usr/bin/env bash
# Installs the Debian packages `npm test` needs beyond `npm ci`. Quick and harmless to re-run.
set -euo pipefail

packages=(
  gnome-keyring dbus dbus-x11 libsecret-tools  # a real Secret Service for the keychain tests
  gcc  # the reputation bench compiles its C baseline
  chromium  # the end-to-end tests drive the web UI in Debian's Chromium through Playwright
)

missing=()
for pkg in "${packages[@]}"; do
  # dpkg -s also succeeds for removed-but-not-purged packages, so check the status itself.
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if (( ${#missing[@]} == 0 )); then
  echo "setup-test-env: all packages present (${packages[*]})"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi

echo "setup-test-env: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null

#!/usr/bin/env bash
# Run before `npm test` (npm's pretest) and by CI: the widget's browser tests drive Debian's Chromium
# through playwright-core, which downloads no browser of its own. Installs it when missing and we
# may (root, Debian); otherwise says how, and the browser tests will fail naming the missing binary.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
else
  echo "warning: $CHROMIUM is missing; install it (sudo apt-get install chromium) or set CHROMIUM_PATH, or the widget browser tests fail" >&2
fi

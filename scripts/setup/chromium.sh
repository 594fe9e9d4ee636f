#!/usr/bin/env bash
# Installs Debian's chromium for the browser end-to-end test (app/test/browser/).
# Idempotent: a fast no-op when the binary is already there. Playwright's own browser
# download cannot work on our machines (no internet beyond package registries), so the
# test drives this system Chromium through playwright-core with executablePath.
set -euo pipefail

CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"

if [[ -x "$CHROMIUM_BIN" ]]; then
  exit 0
fi

"$(dirname "$0")/apt-install.sh" chromium.sh chromium

if [[ ! -x "$CHROMIUM_BIN" ]]; then
  echo "chromium.sh: apt-get finished but $CHROMIUM_BIN is missing" >&2
  exit 1
fi
echo "chromium.sh: $("$CHROMIUM_BIN" --version 2>/dev/null || echo 'chromium installed')" >&2

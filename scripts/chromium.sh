#!/usr/bin/env bash
# Chromium for the browser tests, from Debian's packages (Playwright drives it through `executablePath`;
# Playwright's own browser download cannot work here). Usage: scripts/chromium.sh up|status
set -euo pipefail
STACK_SERVICE=chromium
source "$(dirname "$0")/lib.sh"

up() {
  if ! command -v chromium >/dev/null; then
    say "installing chromium from Debian's packages"
    apt_install chromium fonts-liberation
  fi
  say "$(command -v chromium): $(chromium --version 2>/dev/null | head -n 1)"
}

status() {
  if command -v chromium >/dev/null; then say "$(command -v chromium)"; else say "not installed"; return 1; fi
}

"${1:-status}"

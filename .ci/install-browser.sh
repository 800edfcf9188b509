#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser tests (test/dashboard.test.ts): playwright-core
# drives it at /usr/bin/chromium, so no browser is ever downloaded. Skipped when it is installed.
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

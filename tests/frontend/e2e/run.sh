#!/usr/bin/env bash
# run.sh: runs the end-to-end dashboard tests (node --test, one file at a time since each trains).
# Exits 77 (ctest SKIP_RETURN_CODE) with a message when chromium or node is missing.
# Usage: run.sh [node --test options]; environment as in harness.mjs.
set -u
cd "$(dirname "$0")"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then echo "frontend.e2e skipped: no chromium at $CHROMIUM (apt-get install chromium)"; exit 77; fi
if ! command -v node > /dev/null; then echo "frontend.e2e skipped: no node"; exit 77; fi
if [ ! -d ../../../node_modules/playwright-core ]; then echo "frontend.e2e skipped: npm playwright-core not installed (scripts/setup.sh)"; exit 77; fi
exec node --test --test-concurrency=1 "$@" ./*.test.mjs

#!/usr/bin/env bash
# run.sh: runs the end-to-end dashboard tests (node --test, one file at a time since each trains).
# Exits 77 (ctest SKIP_RETURN_CODE) with a message when chromium or node is missing.
# Usage: run.sh [FILE.test.mjs ...] [node --test options]; no file: all of them. Environment as in
# harness.mjs. On a failure it prints, last, each failing test with its error (a long log's tail is
# what a CI summary shows) and keeps that digest in $NANOGPT_E2E_ARTEFACTS/failures/.
set -u
cd "$(dirname "$0")"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then echo "frontend.e2e skipped: no chromium at $CHROMIUM (apt-get install chromium)"; exit 77; fi
if ! command -v node > /dev/null; then echo "frontend.e2e skipped: no node"; exit 77; fi
if [ ! -d ../../../node_modules/playwright-core ]; then echo "frontend.e2e skipped: npm playwright-core not installed (scripts/setup.sh)"; exit 77; fi
files=(); options=()
for a in "$@"; do case "$a" in *.test.mjs) files+=("$a") ;; *) options+=("$a") ;; esac; done
[ ${#files[@]} -gt 0 ] || files=(./*.test.mjs)
log=$(mktemp); trap 'rm -f "$log"' EXIT
node --test --test-concurrency=1 "${options[@]}" "${files[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  artefacts=${NANOGPT_E2E_ARTEFACTS:-build/e2e-artefacts}
  case "$artefacts" in /*) ;; *) artefacts=../../../$artefacts ;; esac # harness.mjs: relative to the repo
  digest_dir=$artefacts/failures
  mkdir -p "$digest_dir"
  digest="$digest_dir/$(basename "${files[0]}" .test.mjs)$([ ${#files[@]} -gt 1 ] && echo -and-more).txt"
  # Every "not ok" block of the TAP output, from its line to the YAML end marker "...".
  awk '/^ *not ok /{on=1} on{print} on && /^ *\.\.\.$/{on=0}' "$log" > "$digest"
  echo "==== failing e2e tests (${files[*]}) ===="
  cat "$digest"
fi
exit "$status"

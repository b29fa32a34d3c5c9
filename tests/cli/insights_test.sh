#!/usr/bin/env bash
# insights_test.sh: the insights engine on a real training run. The CPU demo config, 180 steps,
# with the test hook NANOGPT_TEST_LR_SPIKE=130:30 (the learning rate of step 130 times 30): the
# live run must log the loss spike at step 131 (the first loss measured after the update) and
# record it in events.jsonl; `nanogpt insights` on the run directory (frames included) and on
# the out_dir's metrics.csv must find it too. prepare's ngram_levels.json reaches run.json.
# Usage: insights_test.sh NANOGPT_BINARY SOURCE_DIR SHARED_DATA_DIR
set -euo pipefail
BIN=$1 SRC=$2 SHARED=$3
WORK=$(mktemp -d /tmp/nanogpt-insights.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
pass=0 fail=0
check() {  # what, command...
  if "${@:2}"; then echo "ok: $1"; pass=$((pass + 1)); else echo "FAILED: $1"; fail=$((fail + 1)); fi
}
"$BIN" prepare --tokenizer char --input "$SHARED/tinyshakespeare/input.txt" --out "$WORK/data" >/dev/null
check "prepare writes ngram_levels.json" test -s "$WORK/data/ngram_levels.json"
NANOGPT_TEST_LR_SPIKE=130:30 "$BIN" train --config "$SRC/configs/shakespeare_char_cpu.toml" \
  --data-dir "$WORK/data" --out-dir "$WORK/out" --max-iters 180 --eval-interval 60 --sample-tokens 0 \
  --viz-port 0 --viz-runs-dir "$WORK/runs" >"$WORK/train.log" 2>&1
run=$(ls -d "$WORK"/runs/*/)
check "the hook says it is on" grep -q "test hook NANOGPT_TEST_LR_SPIKE: the learning rate of step 130" "$WORK/train.log"
check "the live log names the spike" grep -q "^insight: Loss spike at step 131" "$WORK/train.log"
check "events.jsonl records it" grep -q '"kind":"loss_spike","step":131' "$run/events.jsonl"
check "run.json has the bigram level" grep -q '"bigram"' "$run/run.json"
"$BIN" insights "$run" >"$WORK/offline.jsonl" 2>"$WORK/offline.err"
check "insights RUN_DIR finds the spike" grep -q '"kind":"loss_spike","step":131' "$WORK/offline.jsonl"
check "insights RUN_DIR draws the phase map" grep -q '"kind":"phase"' "$WORK/offline.jsonl"
check "every stdout line is an insight" test "$(grep -vc '^{"type":"insight"' "$WORK/offline.jsonl")" = 0
"$BIN" insights "$WORK/out/metrics.csv" >"$WORK/csv.jsonl" 2>"$WORK/csv.err"
check "insights metrics.csv finds the spike" grep -q '"kind":"loss_spike","step":131' "$WORK/csv.jsonl"
check "metrics.csv: the note on the eval train loss" grep -q "gap_growing did not run" "$WORK/csv.err"
echo "insights: $pass passed, $fail failed"
((fail == 0))

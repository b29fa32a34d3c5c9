#!/usr/bin/env bash
# learning_test.sh: configs/shakespeare_char_cpu.toml, run in full (2000 steps), must reach
# val loss <= 1.88 (nanoGPT's figure for its CPU demo). About 2 minutes on 2 idle cores.
# Usage: learning_test.sh NANOGPT_BINARY SOURCE_DIR SHARED_DATA_DIR
set -euo pipefail
BIN=$1 SRC=$2 SHARED=$3
WORK=$(mktemp -d /tmp/nanogpt-learn.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
"$BIN" prepare --tokenizer char --input "$SHARED/tinyshakespeare/input.txt" --out "$WORK/data"
start=$(date +%s)
"$BIN" train --config "$SRC/configs/shakespeare_char_cpu.toml" --data-dir "$WORK/data" \
    --out-dir "$WORK/out" --viz-port 0 --viz-runs-dir "$WORK/runs" --log-interval 250 --sample-tokens 0
echo "trained in $(( $(date +%s) - start )) s"
final=$(tail -1 "$WORK/out/metrics.csv" | cut -d, -f3)
echo "final val loss $final (bar: 1.88)"
/usr/bin/python3 -c "import sys; v = float('$final'); sys.exit(0 if v <= 1.88 else 1)" \
    && echo "learning: 1 passed, 0 failed" || { echo "learning: 0 passed, 1 failed"; exit 1; }

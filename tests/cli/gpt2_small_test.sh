#!/usr/bin/env bash
# gpt2_small_test.sh: GPT-2 small (124M) on tiny Shakespeare with the GPT-2 BPE starts and
# steps on the CPU: prepare with the gpt2 tokenizer, train 2 steps of configs/gpt2_small.toml,
# check that the loss is finite, near ln(50257) = 10.8 at the start, and that the model file
# has GPT-2 small's shape. Usage: gpt2_small_test.sh NANOGPT_BINARY SOURCE_DIR SHARED_DATA_DIR
set -euo pipefail
BIN=$1 SRC=$2 SHARED=$3
WORK=$(mktemp -d /tmp/nanogpt-gpt2.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
"$BIN" prepare --tokenizer gpt2 --input "$SHARED/tinyshakespeare/input.txt" --out "$WORK/data"
"$BIN" train --config "$SRC/configs/gpt2_small.toml" --data-dir "$WORK/data" --out-dir "$WORK/out" --viz-port 0 --viz-runs-dir "$WORK/runs" \
    --max-iters 2 --eval-iters 1 --sample-tokens 8 | tee "$WORK/train.txt"
/usr/bin/python3 - "$WORK" <<'PY'
import math, struct, sys
work = sys.argv[1]
rows = open(f"{work}/out/metrics.csv").read().split("\n")[1:]
losses = [float(r.split(",")[1]) for r in rows if r and r.split(",")[1]]
assert len(losses) == 2, losses
assert all(math.isfinite(l) for l in losses), losses
assert abs(losses[0] - math.log(50257)) < 1.0, f"initial loss {losses[0]} far from ln(V)"
h = struct.unpack("<8i", open(f"{work}/out/model.bin", "rb").read(32))
assert h == (20240326, 3, 1024, 50257, 12, 12, 768, 50304), h
print("gpt2_small: 1 passed, 0 failed")
PY

#!/usr/bin/env bash
# The main job, on a fresh machine: install everything, build, prepare tiny Shakespeare as
# characters, and train nanoGPT's CPU demo model (configs/shakespeare_char_cpu.toml).
# Extra arguments go to `nanogpt train`, e.g. scripts/run.sh --max-iters 200
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

DATA=data/shakespeare_char
if [ ! -f "$DATA/train.bin" ]; then
    # Prefer a local copy of the corpus (works offline); otherwise prepare downloads it.
    LOCAL=../shared/data/tinyshakespeare/input.txt
    if [ -f "$LOCAL" ]; then
        build/nanogpt prepare --tokenizer char --input "$LOCAL" --out "$DATA"
    else
        build/nanogpt prepare --tokenizer char --out "$DATA"
    fi
fi
exec build/nanogpt train --config configs/shakespeare_char_cpu.toml "$@"

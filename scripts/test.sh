#!/usr/bin/env bash
# Sets up everything (idempotent) and runs every test: C++ units, the PyTorch reference
# checks, the tokenizer against node, command-line end-to-end runs. GPU tests skip without a GPU.
# Extra arguments go to ctest, e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" "$@"

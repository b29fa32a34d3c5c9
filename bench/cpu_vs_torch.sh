#!/usr/bin/env bash
# Our CPU training step vs PyTorch's (nanoGPT design), side by side in one run, same threads,
# same BLAS (OpenBLAS, OpenMP variant, for both: scripts/setup.sh selects it for torch's
# libblas.so.3). Rounds alternate the two so machine noise hits both alike; each round is the
# median of several steps, and the table shows the median over rounds and the ratio.
#
# Usage: bench/cpu_vs_torch.sh [rounds=3]   (after scripts/setup.sh; build dir: $BUILD_DIR or build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
BIN=${BUILD_DIR:-build}/bench_cpu_step
THREADS=${OMP_NUM_THREADS:-$(nproc)}
export OMP_NUM_THREADS=$THREADS
[ -x "$BIN" ] || { echo "missing $BIN: run scripts/setup.sh first" >&2; exit 1; }

blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || echo unknown)
ours_blas=$(ldd "$BIN" | awk '/libopenblas/{print $3}')
echo "machine: $(lscpu | awk -F: '/Model name/{gsub(/^ +/,"",$2);print $2}'), $(nproc) cores; threads $THREADS"
echo "BLAS: nanogpt links $ours_blas; torch's libblas.so.3 -> $blas"

median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

run_case() {  # name shape B T steps
    local name=$1 shape=$2 B=$3 T=$4 steps=$5 ours=() theirs=() peak=""
    for ((r = 0; r < ROUNDS; r++)); do
        o=$("$BIN" --shape "$shape" --B "$B" --T "$T" --steps "$steps")
        t=$(/usr/bin/python3 bench/torch_gpt2_step.py --shape "$shape" --B "$B" --T "$T" --steps "$steps" --threads "$THREADS")
        ours+=("$(echo "$o" | field ms_median)")
        theirs+=("$(echo "$t" | field ms_median)")
        peak=$(echo "$o" | field peak_gflops)
        flops_o=$(echo "$o" | field gflops)
        echo "  round $((r + 1)): nanogpt $(echo "$o" | field ms_median) ms, pytorch $(echo "$t" | field ms_median) ms" >&2
    done
    local mo mt
    mo=$(printf '%s\n' "${ours[@]}" | median)
    mt=$(printf '%s\n' "${theirs[@]}" | median)
    # GFLOP per step (nanoGPT's 6N + attention estimate), from our program's own report.
    local gflop_step
    gflop_step=$(/usr/bin/python3 -c "print($flops_o * ${ours[-1]} / 1000)")
    /usr/bin/python3 - "$name" "$B" "$T" "$mo" "$mt" "$peak" "$gflop_step" <<'PY'
import sys
name, B, T = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mo, mt, peak, gflop = (float(v) for v in sys.argv[4:8])
tok = B * T
achieved = gflop / (mo / 1e3)
print(f"| {name} | B={B} T={T} | {mo:.1f} | {mt:.1f} | {mt / mo:.2f}x | {tok / mo * 1e3:.0f} | "
      f"{tok / mt * 1e3:.0f} | {achieved:.1f} / {peak:.1f} = {achieved / peak * 100:.1f}% |")
PY
}

echo
echo "| model | batch | nanogpt ms/step | pytorch ms/step | speed-up | nanogpt tok/s | pytorch tok/s | nanogpt GFLOP/s / sgemm peak |"
echo "|---|---|---|---|---|---|---|---|"
run_case "GPT-2 124M" gpt2-124m 4 64 3
run_case "shakespeare_char (L4 C128)" char-small 12 64 20

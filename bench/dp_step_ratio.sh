#!/usr/bin/env bash
# dp_step_ratio.sh BUILD_DIR [ROUNDS] [CONFIG]: the step time of 2 ranks x 1 thread against
# 1 rank x 2 threads on the same global batch, in alternating rounds (this machine is shared and
# noisy: only the ratio measured side by side means something). Prints the median ms/step of
# each and their ratio. Default config: GPT-2 124M's shape at B=4 (global), T=64, 6 steps.
set -euo pipefail
build=${1:?usage: dp_step_ratio.sh BUILD_DIR [ROUNDS]}; rounds=${2:-3}
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/nanogpt
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$bin" prepare --tokenizer char --input "${NANOGPT_SHARED_DATA:-$src/../shared/data}/tinyshakespeare/input.txt" \
  --out "$work/data" >/dev/null
args="train --data-dir $work/data --viz-off --device cpu --n-layer 12 --n-head 12 --n-embd 768 --block-size 64
      --max-iters 6 --eval-interval 1000 --eval-iters 1 --sample-tokens 0 --log-interval 1 --warmup-iters 2"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
median_ms() {  # the median ms of the steps after the first two, from a run's output
  grep -E '^step +[0-9]+/' | awk -F'|' 'NR > 2 { gsub(/ ms/, "", $5); print $5 + 0 }' | sort -n |
    awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
one=(); two=()
for r in $(seq "$rounds"); do
  one+=("$("$bin" $args --batch-size 4 --threads 2 --out-dir "$work/one" | median_ms)")
  two+=("$(mpirun --oversubscribe --bind-to none -np 2 -x OMP_NUM_THREADS=1 "$bin" $args --batch-size 2 --threads 1 \
           --out-dir "$work/two" | median_ms)")
  echo "round $r: 1 rank x 2 threads ${one[-1]} ms/step, 2 ranks x 1 thread ${two[-1]} ms/step"
done
m1=$(printf '%s\n' "${one[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
m2=$(printf '%s\n' "${two[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median of $rounds rounds: 1x2 $m1 ms/step, 2x1 $m2 ms/step, ratio (2x1 / 1x2) $(echo "scale=3; $m2 / $m1" | bc)"

#!/usr/bin/env bash
# compare_runs.sh OLD_NANOGPT NEW_NANOGPT: shows that a change left training untouched. Both
# binaries train the same fixed-seed run (tiny Shakespeare, 120 steps, dropout 0.1, gradient
# accumulation 2, the dashboard on with a snapshot every 5 steps), then the script compares, to
# the bit: model.bin, state.bin, metrics.csv without its timing columns (ms, tokens/s, MFU), and
# the data of every recorded frame (headers differ only by session id). Exit 0 when all match.
# Used before and after a refactor: build the old revision in another directory first.
set -euo pipefail
old=${1:?usage: compare_runs.sh OLD_NANOGPT NEW_NANOGPT}; new=${2:?usage: compare_runs.sh OLD_NANOGPT NEW_NANOGPT}
src=$(cd "$(dirname "$0")/.." && pwd)
text=${NANOGPT_SHARED_DATA:-$src/../shared/data}/tinyshakespeare/input.txt
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$new" prepare --tokenizer char --input "$text" --out "$work/data" >/dev/null
for side in old new; do
  bin=${!side}
  echo "[compare] training with $side: $bin"
  "$bin" train --config "$src/configs/shakespeare_char_cpu.toml" --data-dir "$work/data" --out-dir "$work/$side" \
    --max-iters 120 --eval-interval 50 --dropout 0.1 --gradient-accumulation-steps 2 --sample-tokens 50 \
    --viz-port 0 --viz-interval 5 --viz-runs-dir "$work/runs-$side" >"$work/$side.log" 2>&1
done
status=0
same() {  # what, file a, file b
  if cmp -s "$2" "$3"; then echo "same: $1"; else echo "DIFFERENT: $1"; status=1; fi
}
same model.bin "$work/old/model.bin" "$work/new/model.bin"
same state.bin "$work/old/state.bin" "$work/new/state.bin"
cut -d, -f1-5 "$work/old/metrics.csv" >"$work/old.metrics"; cut -d, -f1-5 "$work/new/metrics.csv" >"$work/new.metrics"
same "metrics.csv (step, train_loss, val_loss, lr, grad_norm)" "$work/old.metrics" "$work/new.metrics"
same samples.txt "$work/old/samples.txt" "$work/new/samples.txt"
# Frames: the data section after the JSON header (magic, version, header length, header).
frames_old=("$work"/runs-old/*/frames/*.bin); frames_new=("$work"/runs-new/*/frames/*.bin)
if [ "${#frames_old[@]}" != "${#frames_new[@]}" ]; then
  echo "DIFFERENT: ${#frames_old[@]} frames vs ${#frames_new[@]}"; status=1
else
  differ=0
  for i in "${!frames_old[@]}"; do
    a=${frames_old[$i]} b=${frames_new[$i]}
    ha=$(od -An -tu4 -j8 -N4 "$a" | tr -d ' '); hb=$(od -An -tu4 -j8 -N4 "$b" | tr -d ' ')
    cmp -s <(tail -c +$((13 + ha)) "$a") <(tail -c +$((13 + hb)) "$b") || differ=$((differ + 1))
  done
  if ((differ)); then echo "DIFFERENT: $differ of ${#frames_old[@]} frames' data"; status=1
  else echo "same: the data of all ${#frames_old[@]} frames"; fi
fi
exit $status

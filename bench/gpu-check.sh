#!/usr/bin/env bash
# gpu-check.sh: the one-shot check of the CUDA backend on a GPU machine (H100/H200), within
# 8 minutes, every stage under its own time limit so one hang cannot eat the rest (all stages
# took about 3.5 minutes on an H200 before the kernel lab was added, whose three programs are
# limited to 60 s each; the machine's start-up comes on top).
#
# Prepare HERE (a machine with our Debian libraries): scripts/gpu_bundle.sh, which leaves
# build-gpu/ (binaries + libs, < 60 MiB) and data/shakespeare_char/. On the GPU machine (CUDA
# 13, nvidia-smi, compute-sanitizer, python3 with PyTorch), from the repository root, with
# build-gpu/ and data/shakespeare_char/ carried along:
#   bench/gpu-check.sh [stage ...]
# Stages, in this order by default:
#   info         nvidia-smi's name, memory and driver
#   tests        the gpu-labelled test binaries (build-gpu/bin/test_cuda_*)
#   lab          the kernel lab (build-gpu/bin/lab_*, bench/kernels/): every version of each op
#                validated against the CPU, then timed, at GPT-2 124M's shapes
#   sanitizer    compute-sanitizer memcheck on 3 steps of a tiny model, dashboard sampling on
#   shakespeare  configs/shakespeare_char.toml on cuda (goal: val loss <= 1.47 at 5000 iters)
#   bench        GPT-2 124M, T=1024, B=16 (8 if 16 does not fit): ms/step, tokens/s, MFU with
#                the dashboard off and on (default interval), alternating off/on/off/on
#   torch        bench/torch_gpt2_gpu.py: PyTorch, bf16 autocast + torch.compile, same B and T
# Environment: OUT (logs and results; default ./gpu-check-out), BUDGET_S (total seconds,
# default 470: stages that no longer fit are skipped and say so), SHAKESPEARE_S (its limit,
# default 240), STEPS (GPT-2 steps per run, default 30).
# Prints one table at the end; under $OUT: summary.md (the table), results.txt, logs.tar.gz
# (every stage's log and the runs' metrics.csv files).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/gpu-check-out}
mkdir -p "$OUT"
BUDGET_S=${BUDGET_S:-470}
SHAKESPEARE_S=${SHAKESPEARE_S:-240}
STEPS=${STEPS:-30}
START=$(date +%s)
RESULTS=$OUT/results.txt
: > "$RESULTS"
WORK=$(mktemp -d /tmp/gpu-check.XXXXXX)
NG=$ROOT/build-gpu/nanogpt
# Only our binaries see build-gpu/libs: python, PyTorch and NVIDIA's tools keep their own.
NG_LIBS=$ROOT/build-gpu/libs:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
SANITIZER=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)

result() { echo "$1|$2" >> "$RESULTS"; echo ">> $1: $2"; }
elapsed() { echo $(( $(date +%s) - START )); }
# limit_for WANTED: the seconds a stage may take: WANTED, or what is left less 10 s for the summary.
limit_for() {
    local left=$(( BUDGET_S - $(elapsed) - 10 ))
    (( left < $1 )) && echo "$left" || echo "$1"
}
# run_limited SECONDS LOG cmd...: our binaries with our libraries, killed at the limit.
run_limited() {
    local secs=$1 log=$2
    shift 2
    LD_LIBRARY_PATH=$NG_LIBS timeout -k 5 "$secs" "$@" > "$log" 2>&1
}
# A column's median over metrics.csv rows with step >= FROM and the column present.
csv_median() {  # file column from
    python3 - "$1" "$2" "$3" <<'EOF'
import csv, sys
path, col, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
vals = sorted(float(r[col]) for r in csv.DictReader(open(path)) if int(r["step"]) >= start and r.get(col))
print(vals[len(vals) // 2] if vals else "")
EOF
}

stage_info() {
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$OUT/info.log" 2>&1
    result "GPU" "$(head -1 "$OUT/info.log")"
}

stage_tests() {
    local pass=0 fail=0 skip=0 bad=""
    for t in "$ROOT"/build-gpu/bin/test_cuda_*; do
        local name log secs
        name=$(basename "$t")
        log=$OUT/$name.log
        secs=$(limit_for 120)
        (( secs < 10 )) && { bad="$bad $name(no time)"; continue; }
        run_limited "$secs" "$log" "$t" --gtest_color=no
        local rc=$?
        pass=$(( pass + $(grep -c '^\[       OK \]' "$log") ))
        fail=$(( fail + $(grep -c '^\[  FAILED  \] [A-Za-z].*(' "$log") ))
        skip=$(( skip + $(grep -c '^\[  SKIPPED \] [A-Za-z].*(' "$log") ))
        (( rc != 0 )) && bad="$bad $name(rc $rc)"
    done
    result "gpu tests" "$pass passed, $fail failed, $skip skipped${bad:+; problems:$bad}"
}

stage_lab() {
    local lab
    for lab in "$ROOT"/build-gpu/bin/lab_*; do
        [ -x "$lab" ] || { result "kernel lab" "no lab binaries in build-gpu/bin"; return; }
        local name secs log rc summary
        name=$(basename "$lab")
        log=$OUT/$name.log
        secs=$(limit_for 60)
        (( secs < 10 )) && { result "$name" "skipped: no time left"; continue; }
        run_limited "$secs" "$log" "$lab"
        rc=$?
        # Table rows: "v what... prec err tol valid ms GB/s"; keep version, validity and ms.
        summary=$(awk '/^[0-9]+ / { printf "%sv%s %s ms%s", sep, $1, $(NF-1), ($(NF-2) == "yes" ? "" : " INVALID"); sep = ", " }' "$log")
        result "$name ($(head -1 "$log" | cut -d: -f1))" "${summary:-no table}, rc $rc"
    done
}

stage_sanitizer() {
    local secs
    secs=$(limit_for 120)
    run_limited "$secs" "$OUT/sanitizer.log" "$SANITIZER" --tool memcheck --error-exitcode 99 \
        "$NG" train --device cuda --precision bf16 --data-dir "$ROOT/data/shakespeare_char" \
        --out-dir "$WORK/san" --n-layer 2 --n-head 4 --n-embd 64 --block-size 32 --batch-size 4 \
        --dropout 0.1 --max-iters 3 --eval-interval 1000 --eval-iters 1 --sample-tokens 0 \
        --log-interval 1 --viz-interval 1 --viz-port 0 --viz-runs-dir "$WORK/san-runs"
    local rc=$?
    local summary
    summary=$(grep -E 'ERROR SUMMARY' "$OUT/sanitizer.log" | tail -1)
    result "memcheck (3 steps, tiny, viz every step)" "rc $rc${summary:+, $summary}"
}

stage_shakespeare() {
    local secs t0
    secs=$(limit_for "$SHAKESPEARE_S")
    (( secs < 30 )) && { result "shakespeare_char" "skipped: no time left"; return; }
    t0=$(date +%s)
    # Evaluations every 250 steps as the config, on 100 batches (the config: 200) to save time.
    run_limited "$secs" "$OUT/shakespeare.log" "$NG" train --config configs/shakespeare_char.toml \
        --device cuda --data-dir "$ROOT/data/shakespeare_char" --out-dir "$WORK/shakespeare" \
        --eval-interval 250 --eval-iters 100 --log-interval 100 --sample-tokens 200 \
        --viz-port 0 --viz-runs-dir "$WORK/shakespeare-runs"
    local rc=$? secs_used=$(( $(date +%s) - t0 ))
    cp "$WORK/shakespeare/metrics.csv" "$OUT/shakespeare_metrics.csv" 2>/dev/null
    local last
    last=$(python3 - "$OUT/shakespeare_metrics.csv" <<'EOF'
import csv, sys
try:
    rows = list(csv.DictReader(open(sys.argv[1])))
except OSError:
    rows = []
val = [r for r in rows if r["val_loss"]]
ms = sorted(float(r["ms"]) for r in rows if r["ms"])
step = rows[-1]["step"] if rows else "-"
v = "no evaluation"
if val:
    best = min(val, key=lambda r: float(r["val_loss"]))
    # The config expects to overfit and checkpoints only on improvement, as nanoGPT's, whose
    # 1.4697 is such a best value: report it beside the last one.
    v = (f'best val loss {float(best["val_loss"]):.4f} at step {best["step"]}, '
         f'last {float(val[-1]["val_loss"]):.4f} at step {val[-1]["step"]}')
print(f'{v}; reached step {step}; median {ms[len(ms)//2]:.1f} ms/step' if ms else v)
EOF
)
    local verdict="(goal: best val <= 1.47 within 5000 iterations)"
    (( rc == 124 || rc == 137 )) && verdict="$verdict; stopped at the ${secs} s limit"
    result "shakespeare_char" "$last in ${secs_used} s, rc $rc $verdict"
}

# A shard of random GPT-2 token ids (llm.c format): the benchmark needs shapes, not text.
make_gpt2_data() {
    python3 - "$WORK/gpt2" <<'EOF'
import os, random, struct, sys
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
rng = random.Random(1337)
for name, n in (("train.bin", 2_000_000), ("val.bin", 200_000)):
    toks = [rng.randrange(50257) for _ in range(n)]
    toks[0] = 50256  # the vocabulary is max id + 1: make it GPT-2's 50257
    header = struct.pack("<256i", 20240520, 1, n, *([0] * 253))
    with open(os.path.join(d, name), "wb") as f:
        f.write(header)
        f.write(struct.pack(f"<{n}H", *toks))
EOF
}

BENCH_B=""
gpt2_run() {  # tag B viz(on|off)
    local tag=$1 b=$2 viz=$3 secs
    secs=$(limit_for 90)
    (( secs < 20 )) && return 2
    local vizargs=(--viz-off)
    [ "$viz" = on ] && vizargs=(--viz-port 0 --viz-runs-dir "$WORK/runs-$tag")
    run_limited "$secs" "$OUT/gpt2-$tag.log" "$NG" train --config configs/gpt2_small.toml \
        --device cuda --data-dir "$WORK/gpt2" --out-dir "$WORK/gpt2-$tag" --batch-size "$b" \
        --max-iters "$STEPS" --eval-interval 100000 --eval-iters 1 --sample-tokens 0 \
        --log-interval 1 "${vizargs[@]}"
    local rc=$?
    cp "$WORK/gpt2-$tag/metrics.csv" "$OUT/gpt2-$tag.csv" 2>/dev/null
    rm -rf "$WORK/gpt2-$tag"  # 1.5 GB of checkpoint
    return $rc
}

stage_bench() {
    make_gpt2_data || { result "GPT-2 124M" "could not write the data"; return; }
    local b
    for b in 16 8; do
        if gpt2_run off1 "$b" off; then BENCH_B=$b; break; fi
        grep -qi "out of memory" "$OUT/gpt2-off1.log" || break
    done
    [ -n "$BENCH_B" ] || { result "GPT-2 124M" "failed: see $OUT/gpt2-off1.log"; return; }
    gpt2_run on1 "$BENCH_B" on
    gpt2_run off2 "$BENCH_B" off
    gpt2_run on2 "$BENCH_B" on
    local mode
    for mode in off on; do
        local ms=() tps=() mfu=() tag
        for tag in ${mode}1 ${mode}2; do
            [ -f "$OUT/gpt2-$tag.csv" ] || continue
            ms+=("$(csv_median "$OUT/gpt2-$tag.csv" ms 5)")
            tps+=("$(csv_median "$OUT/gpt2-$tag.csv" tokens_per_s 5)")
            mfu+=("$(csv_median "$OUT/gpt2-$tag.csv" mfu 5)")
        done
        result "GPT-2 124M B=$BENCH_B T=1024 viz $mode (rounds: ms/step, tok/s, MFU)" \
               "ms ${ms[*]:-none} | tok/s ${tps[*]:-none} | MFU ${mfu[*]:-unknown}"
    done
}

stage_torch() {
    local b=${BENCH_B:-16} secs
    secs=$(limit_for 180)
    (( secs < 40 )) && { result "PyTorch" "skipped: no time left"; return; }
    # PyTorch runs with the machine's own libraries (no LD_LIBRARY_PATH of ours).
    timeout -k 5 "$secs" python3 bench/torch_gpt2_gpu.py --B "$b" --T 1024 --steps "$STEPS" \
        > "$OUT/torch.log" 2>&1
    local rc=$?
    if (( rc != 0 )); then
        secs=$(limit_for 60)
        if (( secs >= 30 )); then
            timeout -k 5 "$secs" python3 bench/torch_gpt2_gpu.py --B "$b" --T 1024 \
                --steps "$STEPS" --no-compile >> "$OUT/torch.log" 2>&1
            rc=$?
        fi
    fi
    result "PyTorch B=$b T=1024 bf16" "$(grep '^{' "$OUT/torch.log" | tail -1 || echo "failed rc $rc")"
}

STAGES=("$@")
(( ${#STAGES[@]} )) || STAGES=(info tests lab sanitizer shakespeare bench torch)
for s in "${STAGES[@]}"; do
    echo "== $s ($(elapsed) s elapsed)"
    "stage_$s"
done

# MFU of PyTorch: same FLOP count and same peak as ours, so it scales with tokens/s.
python3 - "$RESULTS" "$OUT" <<'EOF' | tee "$OUT/summary.md"
import csv, json, os, statistics, sys
results, out = sys.argv[1], sys.argv[2]
rows = [l.rstrip("\n").split("|", 1) for l in open(results) if "|" in l]
def med(tag, col):
    vals = []
    for t in (tag + "1", tag + "2"):
        p = os.path.join(out, f"gpt2-{t}.csv")
        if os.path.exists(p):
            vals += [float(r[col]) for r in csv.DictReader(open(p)) if int(r["step"]) >= 5 and r.get(col)]
    return statistics.median(vals) if vals else None
off_ms, on_ms = med("off", "ms"), med("on", "ms")
off_tps, off_mfu = med("off", "tokens_per_s"), med("off", "mfu")
if off_ms and on_ms:
    rows.append(("viz on / viz off (step time)", f"{on_ms / off_ms:.3f}"))
for l in open(os.path.join(out, "torch.log")) if os.path.exists(os.path.join(out, "torch.log")) else []:
    if l.startswith("{"):
        t = json.loads(l)
        if off_tps:
            mfu = f", MFU {off_mfu * t['tokens_per_s'] / off_tps:.3f}" if off_mfu else ""
            rows.append(("PyTorch vs nanogpt (viz off), tokens/s",
                         f"{t['tokens_per_s'] / off_tps:.2f}x{mfu}"))
print("| check | result |\n| --- | --- |")
for k, v in rows:
    print(f"| {k} | {v} |")
EOF
# Few files travel back best: the table, the raw results, and every log in one archive.
(
    cd "$OUT" || exit 0
    ls | grep -vxE 'summary.md|results.txt|logs.tar.gz' > "$WORK/packlist"
    if [ -s "$WORK/packlist" ]; then
        tar -czf logs.tar.gz -T "$WORK/packlist" && xargs rm -f < "$WORK/packlist"
    fi
)
echo "total $(elapsed) s; in $OUT: summary.md, results.txt, logs.tar.gz"
rm -rf "$WORK"

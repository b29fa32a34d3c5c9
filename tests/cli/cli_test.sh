#!/usr/bin/env bash
# cli_test.sh: `nanogpt` used as a person uses it, end to end: prepare tiny Shakespeare, train a
# short run from a config file with command-line overrides, resume it, evaluate, sample, and the
# errors a user sees for bad input. Prints "N passed, M failed"; exits non-zero on any failure.
# Usage: cli_test.sh NANOGPT_BINARY SOURCE_DIR SHARED_DATA_DIR
set -u
BIN=$1 SRC=$2 SHARED=$3
INPUT=$SHARED/tinyshakespeare/input.txt
WORK=$(mktemp -d /tmp/nanogpt-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
passed=0 failed=0

check() {  # name, then a command that must succeed
    local name=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok   $name"
    else failed=$((failed + 1)); echo "FAIL $name"; fi
}
# A command that must fail with exit 1, print "error:" and the given text, and not crash.
fails_with() {
    local text=$1; shift
    "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
    local rc=$?
    if [ $rc -eq 0 ]; then echo "  expected failure, got success"; return 1; fi
    if [ $rc -ge 128 ]; then echo "  crashed with signal $((rc - 128))"; cat "$WORK/err.txt"; return 1; fi
    if ! grep -qF -- "$text" "$WORK/err.txt"; then echo "  stderr lacks '$text':"; cat "$WORK/err.txt"; return 1; fi
    if grep -qiE "terminate called|stack trace|Aborted|Segmentation" "$WORK/err.txt"; then return 1; fi
    return 0
}

DATA=$WORK/data OUT=$WORK/out
check "prepare char" "$BIN" prepare --tokenizer char --input "$INPUT" --out "$DATA"
check "shards and tokenizer written" test -s "$DATA/train.bin" -a -s "$DATA/val.bin" -a -s "$DATA/tokenizer.json"

RUNS=$WORK/runs
TRAIN=("$BIN" train --config "$SRC/configs/shakespeare_char_cpu.toml" --data-dir "$DATA" --out-dir "$OUT"
       --eval-interval 10 --eval-iters 2 --log-interval 1 --sample-tokens 40
       --viz-port 0 --viz-runs-dir "$RUNS" --viz-interval 5)
check "train 20 steps" bash -c '"$@" --max-iters 20 > "'"$WORK"'/train.txt"' _ "${TRAIN[@]}"
check "progress line per step" bash -c "[ \$(grep -cE '^step +[0-9]+/20 \| loss [0-9.]+ \| lr .* ms \| [0-9]+ tok/s' $WORK/train.txt) -eq 20 ]"
check "validation printed" grep -q "step 20: train loss .*, val loss" "$WORK/train.txt"
check "sample printed" grep -q -- "---- sample at step 10 ----" "$WORK/train.txt"
check "metrics.csv header" bash -c "head -1 $OUT/metrics.csv | grep -qx 'step,train_loss,val_loss,lr,grad_norm,ms,tokens_per_s,mfu'"
check "metrics.csv rows" bash -c "[ \$(tail -n +2 $OUT/metrics.csv | wc -l) -eq 21 ]"
check "val empty between evaluations" bash -c "sed -n 3p $OUT/metrics.csv | grep -qE '^1,[0-9.]+,,'"
check "command line overrides the file" grep -qx "eval_interval = 10" "$OUT/config.toml"
check "file values kept" grep -qx "n_embd = 128" "$OUT/config.toml"
check "checkpoint written" test -s "$OUT/model.bin" -a -s "$OUT/state.bin"

check "resume to 30 steps" bash -c '"$@" --max-iters 30 --init-from resume > "'"$WORK"'/resume.txt"' _ "${TRAIN[@]}"
check "resume says where it starts" grep -q "resuming from .* at step 20" "$WORK/resume.txt"
check "resume continues the step count" bash -c "grep -qE '^step +29/30' $WORK/resume.txt && ! grep -qE '^step +19/30' $WORK/resume.txt"
check "metrics.csv continued" bash -c "[ \$(tail -n +2 $OUT/metrics.csv | wc -l) -eq 31 ]"

check "eval prints val_loss last" bash -c "'$BIN' eval --model $OUT/model.bin --data $DATA/val.bin --batch-size 2 --seq-len 32 --max-batches 3 > $WORK/eval.txt && tail -1 $WORK/eval.txt | grep -qE '^val_loss [0-9]+\.[0-9]+$'"
check "eval is the mean of its batches" /usr/bin/python3 -c "
import re; lines = open('$WORK/eval.txt').read().split('\n')
b = [float(m.group(1)) for l in lines if (m := re.match(r'batch \d+: loss (\S+)', l))]
v = float(lines[-2].split()[1]) if not lines[-1] else float(lines[-1].split()[1])
assert len(b) == 3 and abs(sum(b) / 3 - v) < 1e-5, (b, v)"
check "sample generates text" bash -c "'$BIN' sample --model $OUT/model.bin --num-tokens 30 --prompt 'ROMEO:' > $WORK/sample.txt && [ \$(wc -c < $WORK/sample.txt) -gt 30 ] && grep -q '^ROMEO:' $WORK/sample.txt"
check "sample is seeded" bash -c "'$BIN' sample --model $OUT/model.bin --num-tokens 30 --seed 5 > $WORK/s1 && '$BIN' sample --model $OUT/model.bin --num-tokens 30 --seed 5 > $WORK/s2 && cmp -s $WORK/s1 $WORK/s2"

# The dashboard side: the run was recorded, can be exported and served.
check "dashboard URL printed, with its token" grep -qE "^dashboard: http://127.0.0.1:[0-9]+/\?token=[0-9a-f]{48} " "$WORK/train.txt"
check "the resume continued the train's session" bash -c "[ \$(ls $RUNS | wc -l) -eq 1 ] && grep -q '\"resumed\":\[{\"step\":20' $RUNS/*/run.json"
SESSION=$(ls "$RUNS" | head -1)
check "frames every viz interval" bash -c "[ \$(ls $RUNS/$SESSION/frames | wc -l) -eq 6 ]"
check "export npz opens in NumPy" bash -c "'$BIN' export $RUNS/$SESSION --format npz --out $WORK/run.npz > /dev/null && /usr/bin/python3 -c \"
import numpy as np; z = np.load('$WORK/run.npz')
assert list(z['steps']) == [5, 10, 15, 20, 25, 30], z['steps']
assert z['wte.xyz'].shape == (6, 65, 3) and np.isfinite(z['wte.xyz']).all()
assert z['metrics.train_loss'].shape[0] == 31\""
check "export csv" bash -c "'$BIN' export $SESSION --runs $RUNS --format csv --out $WORK/run.csv > /dev/null && head -1 $WORK/run.csv | grep -q '^step,train_loss,val_loss'"
check "export of an unknown run" fails_with "error:" "$BIN" export nosuchrun --runs "$RUNS" --format npz --out "$WORK/x.npz"
"$BIN" serve --runs "$RUNS" --port 0 > "$WORK/serve.txt" 2>&1 &
SERVE=$!
for _ in $(seq 50); do grep -q "serving" "$WORK/serve.txt" && break; sleep 0.1; done
PORT=$(grep -oE '127.0.0.1:[0-9]+' "$WORK/serve.txt" | head -1 | cut -d: -f2)
TOKEN=$(grep -oE 'token=[0-9a-f]+' "$WORK/serve.txt" | head -1 | cut -d= -f2)
check "serve prints its address with a token" test -n "$TOKEN"
check "serve refuses a request without the token" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/api/sessions) -eq 401 ]"
check "serve lists recorded sessions" bash -c "curl -sf -H 'Authorization: Bearer $TOKEN' http://127.0.0.1:$PORT/api/sessions | grep -q '$SESSION'"
check "serve returns a frame by step" bash -c "curl -sf 'http://127.0.0.1:$PORT/api/sessions/$SESSION/frames/10?token=$TOKEN' | head -c 4 | grep -q NGVF"
check "serve serves the page" bash -c "curl -sf 'http://127.0.0.1:$PORT/?token=$TOKEN' | grep -q '<title>nanogpt'"
check "serve refuses traversal" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --path-as-is 'http://127.0.0.1:$PORT/../../etc/passwd?token=$TOKEN') -ge 400 ]"
check "serve refuses a foreign Host" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example' 'http://127.0.0.1:$PORT/?token=$TOKEN') -eq 403 ]"
kill $SERVE; wait $SERVE 2>/dev/null
check "--viz-off records nothing" bash -c "'$BIN' train --config $SRC/configs/shakespeare_char_cpu.toml --data-dir $DATA --out-dir $WORK/off --max-iters 3 --viz-off --viz-runs-dir $WORK/offruns > $WORK/off.txt && [ ! -e $WORK/offruns ] && ! grep -q dashboard $WORK/off.txt"
check "the token is not written to disk" bash -c "'$BIN' train --config $SRC/configs/shakespeare_char_cpu.toml --data-dir $DATA --out-dir $WORK/tok2 --max-iters 1 --viz-token s3cret-value --viz-port 0 --viz-runs-dir $WORK/tok2runs > /dev/null && ! grep -rq s3cret-value $WORK/tok2 $WORK/tok2runs && grep -q 'token = \"\"' $WORK/tok2/config.toml"
check "the random token is not written to disk" bash -c "'$BIN' train --config $SRC/configs/shakespeare_char_cpu.toml --data-dir $DATA --out-dir $WORK/tok3 --max-iters 1 --viz-port 0 --viz-runs-dir $WORK/tok3runs > $WORK/tok3.txt && T=\$(grep -oE 'token=[0-9a-f]{48}' $WORK/tok3.txt | cut -d= -f2) && [ -n \"\$T\" ] && ! grep -rq \"\$T\" $WORK/tok3 $WORK/tok3runs"
check "no token only on loopback" bash -c "'$BIN' train --config $SRC/configs/shakespeare_char_cpu.toml --data-dir $DATA --out-dir $WORK/tok --max-iters 1 --viz-host 0.0.0.0 --viz-no-token --viz-port 0 --viz-runs-dir $WORK/tokruns 2>&1 | grep -q 'viz-no-token is allowed on loopback only'"
check "serve: no token only on loopback" fails_with "loopback only" "$BIN" serve --runs "$RUNS" --host 0.0.0.0 --no-token --port 0

# kill -9 in the middle of a run: the store still loads (at most the frame being written is lost).
"$BIN" train --config "$SRC/configs/shakespeare_char_cpu.toml" --data-dir "$DATA" --out-dir "$WORK/kill" \
    --max-iters 100000 --eval-interval 100000 --sample-tokens 0 --viz-interval 1 --viz-port 0 \
    --viz-runs-dir "$WORK/killruns" > "$WORK/kill.txt" 2>&1 &
KILLPID=$!
for _ in $(seq 200); do
    [ "$(ls "$WORK"/killruns/*/frames 2>/dev/null | grep -c '\.bin$')" -ge 10 ] && break
    sleep 0.1
done
kill -9 $KILLPID; wait $KILLPID 2>/dev/null
KILLED=$(ls "$WORK/killruns" | head -1)
check "store of a killed run exports" bash -c "'$BIN' export $WORK/killruns/$KILLED --format npz --out $WORK/killed.npz > /dev/null && /usr/bin/python3 -c \"
import numpy as np; z = np.load('$WORK/killed.npz'); assert len(z['steps']) >= 10, z['steps']\""

printf 'max_iters = 5\nmax_iterz = 3\n' > "$WORK/unknown.toml"
check "unknown key in a config file" fails_with "unknown key 'max_iterz'" "$BIN" train --config "$WORK/unknown.toml" --data-dir "$DATA"
printf 'max_iters = "many"\n' > "$WORK/badvalue.toml"
check "bad value in a config file" fails_with "bad value 'many' for key 'max_iters'" "$BIN" train --config "$WORK/badvalue.toml" --data-dir "$DATA"
check "unknown flag" fails_with "max-iterz" "$BIN" train --max-iterz 3
check "bad flag value" fails_with "--max-iters" "$BIN" train --max-iters abc
check "missing config file" fails_with "does not exist" "$BIN" train --config "$WORK/none.toml"
check "out-of-range value" fails_with "dropout" "$BIN" train --data-dir "$DATA" --dropout 2
check "block_size above the model's maxT" fails_with "larger than the model's maxT 64" "$BIN" train --config "$SRC/configs/shakespeare_char_cpu.toml" --data-dir "$DATA" --out-dir "$WORK/o2" --init-from "$OUT/model.bin" --block-size 128
check "a shard is not a model" fails_with "wrong magic" "$BIN" eval --model "$DATA/val.bin" --data "$DATA/val.bin"
head -c 2000 "$OUT/model.bin" > "$WORK/trunc.bin"
check "truncated model" fails_with "truncated" "$BIN" eval --model "$WORK/trunc.bin" --data "$DATA/val.bin"
head -c 3000 "$DATA/val.bin" > "$WORK/trunc_shard.bin"
check "truncated shard" fails_with "trunc_shard.bin" "$BIN" eval --model "$OUT/model.bin" --data "$WORK/trunc_shard.bin"
: > "$WORK/empty.txt"
check "empty text" fails_with "empty" "$BIN" prepare --tokenizer char --input "$WORK/empty.txt" --out "$WORK/d2"
check "missing input text" fails_with "error:" "$BIN" prepare --tokenizer char --input "$WORK/nope.txt" --out "$WORK/d3"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

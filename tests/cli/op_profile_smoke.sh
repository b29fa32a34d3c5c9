#!/usr/bin/env bash
# op_profile_smoke.sh: bench_op_profile on the CPU with a tiny model (ctest bench.op_profile_cpu_smoke).
# Checks that the table lists the ops every training step calls, the qkv matmul's shape row
# (N = B*T = 64, C = 64, OC = 3C = 192), and that the header names the device and precision the
# profiled backend reports (ProfilingBackend forwards them from the wrapped CPU backend).
#   tests/cli/op_profile_smoke.sh path/to/bench_op_profile
# No pipefail: grep -q stops reading early, which would fail the writer of a pipe; the checks
# read here-strings instead.
set -u
bin=${1:?usage: op_profile_smoke.sh path/to/bench_op_profile}
out=$("$bin" --device cpu --model tiny --B 2 --T 32 --steps 2 --warmup 1) || { echo "$out"; exit 1; }
echo "$out"
fail() { echo "op_profile_smoke: $1"; exit 1; }
for op in matmul_forward matmul_backward adamw_update layernorm_forward attention_forward 'unaccounted (wall'; do
    grep -q "^$op" <<< "$out" || fail "missing row: $op"
done
grep -qE '^matmul_forward +[0-9]+ +64 +192 ' <<< "$out" || fail "missing qkv matmul shape row"
grep -q '^op_profile: device cpu (cpu), precision fp32,' <<< "$out" || fail "header does not name device cpu (cpu), precision fp32"
# A usage mistake is refused by name, with exit status 2.
"$bin" --B 0 > /dev/null 2> "${TMPDIR:-/tmp}/op_profile_smoke.$$"
rc=$?
err=$(cat "${TMPDIR:-/tmp}/op_profile_smoke.$$"); rm -f "${TMPDIR:-/tmp}/op_profile_smoke.$$"
[ "$rc" = 2 ] || fail "--B 0: exit status $rc, expected 2"
grep -q -- "--B must be positive" <<< "$err" || fail "--B 0: no message naming --B: $err"
echo "op_profile_smoke: ok"

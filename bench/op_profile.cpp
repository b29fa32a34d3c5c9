// op_profile.cpp: where a training step's time goes, op by op.
//
// Builds a GPT-2 on a ProfilingBackend (bench/profiling_backend.h) wrapped around the chosen
// device, runs warm-up steps unprofiled, then profiled steps (zero_grad, forward, backward,
// AdamW, as trainer/train_run.cpp does), and prints:
//   - wall ms/step (host clock, synchronize before and after each step);
//   - every backend op sorted by device time: calls/step, ms/step, % of step, host ms/step
//     (time the caller spent inside the call: large where the host waits for the device);
//   - "unaccounted" = wall - sum of ops: host work and launch gaps between ops;
//   - matmul_forward/backward by shape (N, C, OC) with achieved TFLOP/s
//     (2*N*C*OC per forward, 4*N*C*OC per backward).
// Usage: bench_op_profile [--device cpu|cuda] [--precision fp32|tf32|bf16]
//        [--model gpt2-124m|char-small|tiny] [--B 16] [--T 1024] [--steps 10] [--warmup 3]
//        [--sync-per-op 0|1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_args.h"
#include "bench/profiling_backend.h"
#include "common/error.h"
#include "kernels/registry.h"
#include "trainer/gpt2.h"
#include "trainer/optimizer.h"

using namespace nanogpt;
using Clock = std::chrono::steady_clock;

namespace {

void print_ops(const bench::ProfilingBackend& prof, int steps, double wall_ms) {
    std::vector<std::pair<std::string, bench::OpStats>> rows(prof.ops().begin(), prof.ops().end());
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.second.device_ms > b.second.device_ms; });
    std::printf("%-31s %11s %11s %10s %13s\n", "op", "calls/step", "ms/step", "% of step",
                "host ms/step");
    double sum_ms = 0.0;
    for (const auto& [op, s] : rows) {
        const double ms = s.device_ms / steps;
        sum_ms += ms;
        std::printf("%-31s %11.1f %11.3f %9.1f%% %13.3f\n", op.c_str(), (double)s.calls / steps, ms,
                    100.0 * ms / wall_ms, s.host_ms / steps);
    }
    std::printf("%-31s %11s %11.3f %9.1f%%\n", "sum of ops", "", sum_ms, 100.0 * sum_ms / wall_ms);
    std::printf("%-31s %11s %11.3f %9.1f%%\n", "unaccounted (wall - sum of ops)", "",
                wall_ms - sum_ms, 100.0 * (wall_ms - sum_ms) / wall_ms);
}

void print_matmuls(const bench::ProfilingBackend& prof, int steps, double wall_ms) {
    std::vector<std::pair<bench::MatmulShape, bench::OpStats>> rows(prof.matmuls().begin(),
                                                                    prof.matmuls().end());
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.second.device_ms > b.second.device_ms; });
    std::printf("\nmatmul by shape (forward 2*N*C*OC, backward 4*N*C*OC FLOPs)\n");
    std::printf("%-16s %6s %6s %6s %11s %11s %10s %9s\n", "pass", "N", "C", "OC", "calls/step",
                "ms/step", "% of step", "TFLOP/s");
    for (const auto& [shape, s] : rows) {
        const double ms = s.device_ms / steps;
        const double tflops = s.device_ms > 0 ? shape.flops() * s.calls / (s.device_ms * 1e-3) / 1e12 : 0.0;
        std::printf("%-16s %6d %6d %6d %11.1f %11.3f %9.1f%% %9.2f\n",
                    shape.backward ? "matmul_backward" : "matmul_forward", shape.N, shape.C,
                    shape.OC, (double)s.calls / steps, ms, 100.0 * ms / wall_ms, tflops);
    }
}

int run(int argc, char** argv) {
    bench::Args args("bench_op_profile [--device cpu|cuda] [--precision fp32|tf32|bf16] "
                     "[--model gpt2-124m|char-small|tiny] [--B 16] [--T 1024] [--steps 10] "
                     "[--warmup 3] [--sync-per-op 0|1]",
                     {{"device", "cuda"}, {"precision", "bf16"}, {"model", "gpt2-124m"}, {"B", "16"},
                      {"T", "1024"}, {"steps", "10"}, {"warmup", "3"}, {"sync-per-op", "0"}});
    args.parse(argc, argv);
    const ModelConfig mc = bench::shape_arg(args, "model");
    const int B = args.positive("B"), T = args.positive("T");
    const int steps = args.positive("steps");
    const int warmup = args.non_negative("warmup");
    const bool sync_per_op = args.flag("sync-per-op");
    if (T > mc.max_seq_len)
        throw Error("--T " + std::to_string(T) + " is longer than the model's context (" +
                        std::to_string(mc.max_seq_len) + ")",
                    "use --T " + std::to_string(mc.max_seq_len) + " or less");

    auto device = make_backend(args.str("device"), args.str("precision"));
    bench::ProfilingBackend prof(*device, sync_per_op);
    prof.set_enabled(false);  // allocation and warm-up are not part of the profile
    GPT2 model(prof, mc);
    model.init_random(1);
    AdamW opt(model, AdamWSettings{});
    std::vector<int> x, y;
    bench::random_batch(B, T, mc.vocab_size, x, y);
    PassOptions po;
    po.dloss = 1.0f / (float)(B * T);

    double wall_ms = 0.0, loss = 0.0;
    for (int s = 0; s < warmup + steps; s++) {
        const bool profiled = s >= warmup;
        // The last warm-up step is profiled and then forgotten: it makes the timers (one event
        // pair per call), so the measured steps only reuse them.
        prof.set_enabled(s >= warmup - 1);
        prof.synchronize();
        const auto t0 = Clock::now();
        model.zero_grad();
        loss = model.forward(x.data(), y.data(), B, T, po);
        model.backward();
        opt.step(1e-4f, s + 1);
        prof.synchronize();
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (profiled) {
            wall_ms += ms;
            prof.resolve();  // after the wall clock: waiting for events is not the step's time
        } else {
            prof.reset();
        }
    }
    wall_ms /= steps;

    std::printf("op_profile: device %s (%s), precision %s, model %s (%s), B %d, T %d, %d steps "
                "after %d warm-up\n",
                prof.name().c_str(), prof.device_name().c_str(), prof.precision().c_str(),
                args.str("model").c_str(),
                mc.describe().c_str(), B, T, steps, warmup);
    std::printf("timing: %s\n",
                sync_per_op
                    ? "OpTimer around each call, waited for after each call (--sync-per-op 1: "
                      "host and device do not overlap, the wall includes those waits)"
                    : "OpTimer pair around each call (cudaEvents on the stream on CUDA, host clock "
                      "on CPU), resolved after each step: no per-call synchronisation");
    std::printf("wall: %.3f ms/step (host clock, synchronize at both ends), %.0f tokens/s, "
                "last loss %.4f\n\n",
                wall_ms, B * T / (wall_ms * 1e-3), loss);
    print_ops(prof, steps, wall_ms);
    print_matmuls(prof, steps, wall_ms);
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

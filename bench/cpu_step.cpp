// cpu_step.cpp: times full training steps (forward, backward, AdamW) of the CPU backend on a
// GPT-2 shape, and the machine's sgemm peak on the same threads, and prints one JSON line:
//   {"shape":..,"B":..,"T":..,"threads":..,"ms_median":..,"tokens_per_s":..,"gflops":..,
//    "peak_gflops":..,"fraction_of_peak":..}
// Usage: bench_cpu_step --shape gpt2-124m|char-small|tiny [--B 4] [--T 64] [--steps 5] [--warmup 1]
// Used by bench/cpu_vs_torch.sh, which runs PyTorch beside it and prints ratios.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_args.h"
#include "common/counter_rng.h"
#include "kernels/cpu/cpu_backend.h"
#include "trainer/gpt2.h"
#include "trainer/optimizer.h"

using namespace nanogpt;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The best of a few large square sgemms: what the BLAS can do on these threads.
static double sgemm_peak_gflops() {
    const int n = 2048;
    std::vector<float> a((size_t)n * n, 0.5f), b((size_t)n * n, 0.25f), c((size_t)n * n);
    double best = 0.0;
    for (int rep = 0; rep < 4; rep++) {
        auto t0 = Clock::now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0f, a.data(), n, b.data(),
                    n, 0.0f, c.data(), n);
        best = std::max(best, 2.0 * n * n * n / seconds_since(t0) / 1e9);
    }
    return best;
}

static int run(int argc, char** argv) {
    bench::Args args("bench_cpu_step --shape gpt2-124m|char-small|tiny [--B 4] [--T 64] [--steps 5] "
                     "[--warmup 1]",
                     {{"shape", "gpt2-124m"}, {"B", "4"}, {"T", "64"}, {"steps", "5"}, {"warmup", "1"}});
    args.parse(argc, argv);
    const ModelConfig mc = bench::shape_arg(args, "shape");
    const std::string shape = args.str("shape");
    const int B = args.positive("B"), T = args.positive("T");
    const int steps = args.positive("steps"), warmup = args.non_negative("warmup");
    CpuBackend be;
    GPT2 model(be, mc);
    model.init_random(1);
    AdamW opt(model, AdamWSettings{});
    std::vector<int> x, y;
    bench::random_batch(B, T, mc.vocab_size, x, y);
    PassOptions po;
    po.dloss = 1.0f / (B * T);
    std::vector<double> times;
    for (int s = 0; s < warmup + steps; s++) {
        auto t0 = Clock::now();
        model.zero_grad();
        model.forward(x.data(), y.data(), B, T, po);
        model.backward();
        opt.step(1e-4f, s + 1);
        if (s >= warmup) times.push_back(seconds_since(t0));
    }
    std::sort(times.begin(), times.end());
    double med = times[times.size() / 2];
    // nanoGPT's estimate: 6 FLOPs per parameter per token (without wpe) plus attention.
    double n_params = (double)model.num_params() - (double)mc.max_seq_len * mc.channels -
                      (double)(mc.padded_vocab_size - mc.vocab_size) * mc.channels;
    double flops_per_token = 6.0 * n_params + 12.0 * mc.num_layers * mc.channels * T;
    double gflops = flops_per_token * B * T / med / 1e9;
    double peak = sgemm_peak_gflops();
    std::printf("{\"impl\":\"nanogpt\",\"shape\":\"%s\",\"B\":%d,\"T\":%d,\"threads\":%d,\"steps\":%d,"
                "\"ms_median\":%.2f,\"tokens_per_s\":%.1f,\"gflops\":%.2f,\"peak_gflops\":%.2f,"
                "\"fraction_of_peak\":%.4f}\n",
                shape.c_str(), B, T, omp_get_max_threads(), steps, med * 1e3, B * T / med, gflops,
                peak, gflops / peak);
    return 0;
}

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

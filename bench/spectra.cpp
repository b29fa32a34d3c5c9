// spectra.cpp (bench_spectra): what the parameter insights cost, part by part, side by side.
//   1. the training thread: AdamW's snapshot pass with the exact statistics, without sigma_max,
//      with it on the CPU's schedule (spectra.h SigmaSchedule), and on every matrix,
//      alternating, ms per pass;
//   2. the viz thread at evaluations: eigenvalues of W^T W and the power-law fit, per matrix
//      shape of the chosen model (median ms);
//   3. the viz thread per frame: the embedding's clusters, neighbours and frequency direction
//      on the watched wte rows (median ms).
// Medians, and for the optimizer's pass also minima: on a shared machine the minimum is the
// work itself, the median adds what waiting for the cores costs.
// Usage: bench_spectra [--shape char-small|gpt2-124m] [--reps 5] [--embedding-rows 256]
#include <algorithm>
#include <chrono>
#include <map>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "bench/bench_args.h"
#include "kernels/cpu/cpu_backend.h"
#include "trainer/gpt2.h"
#include "trainer/model_desc.h"
#include "trainer/optimizer.h"
#include "viz/insights/embedding_structure.h"
#include "viz/insights/spectra.h"

using namespace nanogpt;
using namespace nanogpt::viz::insights;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}
double minimum(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }

std::vector<float> noise(size_t n, uint64_t seed, float scale) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++) v[i] = (uniform_at(seed, i) - 0.5f) * 2 * scale;
    return v;
}

}  // namespace

static int run(int argc, char** argv) {
    bench::Args args("bench_spectra [--shape char-small|gpt2-124m|tiny] [--reps 5] [--embedding-rows 256]",
                     {{"shape", "char-small"}, {"reps", "5"}, {"embedding-rows", "256"}});
    args.parse(argc, argv);
    const ModelConfig mc = bench::shape_arg(args, "shape");
    const int reps = args.positive("reps");
    CpuBackend be;
    GPT2 model(be, mc);
    model.init_random(1);
    AdamW opt(model, AdamWSettings{});
    const ModelDesc desc = describe_model(model, nullptr, nullptr);
    std::printf("shape %s (%s), %d reps\n\n", args.str("shape").c_str(), mc.describe().c_str(), reps);

    // 1. The optimizer's snapshot pass. Gradients: small noise (the pass costs the same for any).
    {
        std::vector<float> g = noise(model.num_params(), 3, 1e-3f);
        be.to_device(model.grads(), g.data(), g.size() * sizeof(float));
        std::vector<TensorStats> stats(opt.num_slabs());
        const SigmaSchedule cpu = SigmaSchedule::for_device(desc, "cpu");
        // Alternating: no sigma, the CPU's schedule (a share of the matrices per snapshot when
        // the model is large), every matrix (what a GPU does each snapshot).
        std::vector<double> t[3];
        for (int r = 0; r <= reps; r++) {
            for (int mode = 0; mode < 3; mode++) {
                for (TensorStats& s : stats) s = TensorStats{};
                if (mode == 1) cpu.request(stats, r);
                if (mode == 2) request_sigma(desc, stats);
                const auto t0 = Clock::now();
                opt.step(1e-5f, r * 3 + mode + 1, stats.data());
                const double ms = ms_since(t0);
                if (r > 0) t[mode].push_back(ms);  // the first: allocations, fresh vectors' 30 iterations
            }
        }
        const char* names[3] = {"without sigma_max", "sigma_max, the CPU's schedule", "sigma_max of every matrix"};
        std::printf("| AdamW pass with statistics (%d matrix rounds on the CPU) | ms, median | ms, minimum |\n|---|---|---|\n",
                    cpu.rounds());
        for (int mode = 0; mode < 3; mode++)
            std::printf("| %s | %.2f (%+.2f) | %.2f (%+.2f) |\n", names[mode], median(t[mode]),
                        median(t[mode]) - median(t[0]), minimum(t[mode]), minimum(t[mode]) - minimum(t[0]));
        std::printf("\n");
    }

    // 2. The power-law fit of each block matrix shape, as the viz thread runs it.
    {
        std::printf("| alpha at evaluations: matrix | rows x cols | eigenvalues + fit, ms (median) |\n|---|---|---|\n");
        const MatrixCopyPlan plan = MatrixCopyPlan::unbounded(desc);
        std::map<std::pair<int, int>, double> per_shape;  // each distinct shape timed once per rep
        for (const MatrixCopyPlan::Slab& s : plan.slabs) {
            if (per_shape.count({s.rows, s.cols})) continue;
            const std::vector<float> W = noise((size_t)s.rows * s.cols, 7 + s.rows, 0.02f);
            std::vector<double> t;
            for (int r = 0; r < std::max(1, reps / 2); r++) {
                const auto t0 = Clock::now();
                const PowerLawFit f = fit_power_law(squared_singular_values(W.data(), s.rows, s.cols));
                t.push_back(ms_since(t0));
                if (!f.ok) std::printf("(no fit)\n");
            }
            per_shape[{s.rows, s.cols}] = median(t);
            std::printf("| %s | %d x %d | %.1f |\n", s.name.c_str(), s.rows, s.cols, median(t));
        }
        double total = 0;
        for (const MatrixCopyPlan::Slab& s : plan.slabs) total += per_shape[{s.rows, s.cols}];
        const MatrixCopyPlan fits = MatrixCopyPlan::make(desc);
        std::printf("| all %zu block matrices | %zu floats copied, %.1f GFLOP | %.0f ms; online: %s |\n\n",
                    plan.slabs.size(), plan.indices.size(), plan.flops / 1e9, total,
                    fits.empty() ? "no (over the budget: offline only)" : "yes");
    }

    // 3. The embedding analysis per frame on the watched rows (all of them when V <= 2048).
    {
        const int K = std::min(mc.vocab_size, 2048), C = mc.channels;
        std::vector<int> ids(K);
        for (int i = 0; i < K; i++) ids[i] = i;
        const std::vector<float> rows = noise((size_t)K * C, 11, 0.05f);
        ModelDesc m = desc;
        for (int i = 0; i < mc.vocab_size; i++) m.tokens_by_frequency.push_back(i);
        std::printf("| embedding per frame: rows analysed (of %d x %d) | ms (median) |\n|---|---|\n", K, C);
        for (int n : {args.positive("embedding-rows"), 128, 64}) {
            if (n > K && n != args.positive("embedding-rows")) continue;
            EmbeddingOptions o;
            o.max_rows = n;
            EmbeddingAnalyzer a(m, o);
            std::vector<double> t;
            for (int r = 0; r <= reps; r++) {
                const auto t0 = Clock::now();
                a.analyse(rows.data(), ids, C);
                if (r) t.push_back(ms_since(t0));
            }
            std::printf("| %d | %.2f |\n", std::min(n, K), median(t));
        }
    }
    return 0;
}

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

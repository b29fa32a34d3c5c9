// probe_cost.cpp: what the probe costs, beside what it is spread over. On one model, side by
// side in alternating rounds: a training step (forward, backward, AdamW), an evaluation
// (eval_iters batches of each split, as the trainer runs them), and a probe: on the training
// thread (trainer/probe.h: the forward and the copies of attention, pre-GELU activations and
// losses), then on the viz worker (scores, the detectors, encoding the record). A probe runs
// once per evaluation, so its share of training time is probe / (eval_interval x step).
// Usage: bench_probe_cost [--shape char-small|gpt2-124m|tiny] [--B 12] [--T 64] [--rounds 5]
//        [--eval-iters 20] [--eval-interval 250] [--probe-block 0 (= T)]
// --probe-block: the block_size the probe is chosen for (GPT-2's 1024 gives its real probe,
// B=9 T=64, while the training step is timed at a CPU-affordable --T).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "bench/bench_args.h"
#include "data/shard.h"
#include "kernels/cpu/cpu_backend.h"
#include "trainer/gpt2.h"
#include "trainer/model_desc.h"
#include "trainer/optimizer.h"
#include "trainer/probe.h"
#include "trainer/token_dataset.h"
#include "viz/frame.h"
#include "viz/insights/emitter.h"
#include "viz/insights/probe_analysis.h"
#include "viz/insights/probe_record.h"

using namespace nanogpt;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

static int run(int argc, char** argv) {
    bench::Args args("bench_probe_cost [--shape char-small|gpt2-124m|tiny] [--B 12] [--T 64] [--rounds 5] "
                     "[--eval-iters 20] [--eval-interval 250] [--probe-block 0]",
                     {{"shape", "char-small"}, {"B", "12"}, {"T", "64"}, {"rounds", "5"}, {"eval-iters", "20"},
                      {"eval-interval", "250"}, {"probe-block", "0"}});
    args.parse(argc, argv);
    ModelConfig mc = bench::shape_arg(args, "shape");
    const int B = args.positive("B"), T = args.positive("T"), rounds = args.positive("rounds");
    const int eval_iters = args.positive("eval-iters"), eval_interval = args.positive("eval-interval");
    const int probe_block = args.non_negative("probe-block") ? args.non_negative("probe-block") : T;
    mc.max_seq_len = std::max({mc.max_seq_len, T, probe_block});
    CpuBackend be;
    GPT2 model(be, mc);
    model.init_random(1);
    AdamW opt(model, AdamWSettings{});

    // A validation split of random tokens for the probe's text rows.
    const std::string val_path = (std::filesystem::temp_directory_path() / "nanogpt-bench-probe-val.bin").string();
    {
        std::vector<uint16_t> tokens(200000);
        for (size_t i = 0; i < tokens.size(); i++) tokens[i] = (uint16_t)(rng_at(9, i) % mc.vocab_size);
        write_shard(val_path, tokens);
    }
    TokenDataset val(val_path);
    const ModelDesc desc = describe_model(model, nullptr, nullptr);
    RunInfo run_info;
    run_info.batch_size = probe_block == T ? B : 4;
    run_info.block_size = probe_block;
    ProbeRequest request;
    if (!viz::insights::make_probe_request(desc, run_info, 0, request)) throw Error("no probe for this shape");

    std::vector<int> x, y;
    std::vector<double> step_ms, eval_ms, probe_ms, worker_ms;
    size_t record_bytes = 0;
    int insights = 0;
    viz::insights::Emitter out([&](const viz::insights::Insight&) { insights++; });
    viz::insights::ProbeAnalysis analysis(desc, run_info, out);
    PassOptions train;
    train.dloss = 1.0f / (B * T);
    for (int round = 0; round < rounds; round++) {
        bench::random_batch(B, T, mc.vocab_size, x, y, round + 1, round + 7);
        auto t0 = Clock::now();
        model.zero_grad();
        model.forward(x.data(), y.data(), B, T, train);
        model.backward();
        opt.step(1e-4f, round + 1);
        step_ms.push_back(ms_since(t0));

        t0 = Clock::now();
        for (int k = 0; k < 2 * eval_iters; k++) model.forward(x.data(), y.data(), B, T, PassOptions{});
        eval_ms.push_back(ms_since(t0));

        request.step = round;
        t0 = Clock::now();
        ProbeResult result = run_probe(model, val, probe_block, request);
        probe_ms.push_back(ms_since(t0));

        t0 = Clock::now();
        analysis.observe(result);
        const viz::insights::ProbeScores scores = viz::insights::score_probe(result);
        record_bytes = viz::encode_frame(viz::insights::probe_record("bench", desc, result, scores)).size();
        worker_ms.push_back(ms_since(t0));
    }
    std::filesystem::remove(val_path);

    const double step = median(step_ms), eval = median(eval_ms), probe = median(probe_ms);
    std::printf("shape %s (L=%d NH=%d C=%d), training B=%d T=%d; probe B=%d T=%d; medians of %d rounds\n",
                args.str("shape").c_str(), mc.num_layers, mc.num_heads, mc.channels, B, T, request.B, request.T,
                rounds);
    std::printf("| what | ms | vs one training step |\n|---|---|---|\n");
    std::printf("| training step (forward, backward, AdamW) | %.2f | 1.000 |\n", step);
    std::printf("| evaluation (%d batches x 2 splits) | %.2f | %.2f |\n", eval_iters, eval, eval / step);
    std::printf("| probe on the training thread (forward + copies) | %.2f | %.3f |\n", probe, probe / step);
    std::printf("| probe on the viz worker (scores, detectors, record) | %.2f | - |\n", median(worker_ms));
    std::printf("probe record %zu bytes; probe share of training time at eval_interval %d: %.4f %% "
                "(probe / (eval_interval x step)); of an evaluation: %.2f %%\n",
                record_bytes, eval_interval, 100.0 * probe / (eval_interval * step), 100.0 * probe / eval);
    return 0;
}

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

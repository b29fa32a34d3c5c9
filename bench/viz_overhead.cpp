// viz_overhead.cpp: what watching costs. In one process, side by side in alternating rounds:
// training steps with no observer (--viz-off), with the dashboard at the default interval and
// at interval 1, a loopback WebSocket client connected and reading. Prints one table:
// step time and its ratio to viz-off, time on the training thread per sample (gather), the
// viz thread's projection + encoding per frame, frame bytes, and delivery latency from frame
// ready to the client (p50/p99). With --probe-interval K a fourth mode adds the probe every K
// steps (as at evaluations every K steps: trainer/probe.h) before the step: its time on the
// training thread is timed on its own and spread over K steps (the step median does not move;
// a mean over so few probes is the machine's noise).
// Usage: bench_viz_overhead [--shape char-small|gpt2-124m] [--B 12] [--T 64] [--steps 40] [--rounds 3]
//        [--probe-interval 0]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_args.h"
#include "bench/frame_reader.h"
#include "bench/watched_training.h"
#include "data/shard.h"
#include "kernels/cpu/cpu_backend.h"
#include "trainer/probe.h"

using namespace nanogpt;

namespace {

using bench::FrameReader;
using bench::percentile;

struct Result {
    std::vector<double> step_ms, gather_ms, latency_ms, probe_ms;
    double build_ms = 0;
    uint64_t frames = 0, skipped = 0;
    size_t frame_bytes = 0;
};

// Runs `steps` training steps with the given viz interval (0: no observer).
void run_mode(GPT2& model, AdamW& opt, int interval, int B, int T, int steps,
              int round, Result& r, int probe_interval = 0, const TokenDataset* val = nullptr) {
    std::unique_ptr<viz::Dashboard> obs;
    std::unique_ptr<FrameReader> client;
    std::string runs = (std::filesystem::temp_directory_path() / "nanogpt-bench-runs").string();
    if (interval > 0) {
        obs = bench::bench_dashboard(model, interval, runs, B, T);
        client = std::make_unique<FrameReader>(obs->port());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the client connect
        r.frame_bytes = obs->frame_bytes();
    }
    bench::WatchedTraining training(model, opt, B, T);
    for (int s = 0; s < steps; s++) {
        // An evaluation's probe before the step, at steps 2, 2 + K, ...
        if (obs && probe_interval > 0 && s >= 2 && (s - 2) % probe_interval == 0) {
            const auto p0 = std::chrono::steady_clock::now();
            if (ProbeRequest* req = obs->probe_due(s)) obs->probe_ready(run_probe(model, *val, T, *req));
            r.probe_ms.push_back(bench::ms_since(p0));
        }
        double gather = -1;
        r.step_ms.push_back(training.step(obs.get(), s, round * 1000 + s, &gather));
        if (gather >= 0) r.gather_ms.push_back(gather);
    }
    if (obs) {
        obs->drain();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // last frames in flight
        viz::VizCounters c = obs->counters();
        r.frames += c.frames;
        r.skipped += c.skipped_snapshots;
        r.build_ms += c.build_ms_total;
        obs->run_finished(RunEnd::Finished);  // closes the hub: the client's thread ends
        r.latency_ms = client->latencies();
        client.reset();
        std::filesystem::remove_all(runs);
    }
}

}  // namespace

static int run(int argc, char** argv) {
    bench::Args args("bench_viz_overhead [--shape char-small|gpt2-124m|tiny] [--B 12] [--T 64] [--steps 40] "
                     "[--rounds 3] [--probe-interval 0]",
                     {{"shape", "char-small"}, {"B", "12"}, {"T", "64"}, {"steps", "40"}, {"rounds", "3"},
                      {"probe-interval", "0"}});
    args.parse(argc, argv);
    const ModelConfig mc = bench::shape_arg(args, "shape");
    const std::string shape = args.str("shape");
    const int B = args.positive("B"), T = args.positive("T");
    const int steps = args.positive("steps"), rounds = args.positive("rounds");
    CpuBackend be;
    GPT2 model(be, mc);
    model.init_random(1);
    AdamW opt(model, AdamWSettings{});
    const int probe_interval = args.non_negative("probe-interval");
    // The probe's validation rows: a split of random tokens.
    const std::string val_path = (std::filesystem::temp_directory_path() / "nanogpt-bench-viz-val.bin").string();
    std::vector<uint16_t> val_tokens(100000);
    for (size_t i = 0; i < val_tokens.size(); i++) val_tokens[i] = (uint16_t)(rng_at(9, i) % mc.vocab_size);
    write_shard(val_path, val_tokens);
    const TokenDataset val(val_path);
    const int modes[4] = {0, 10, 1, 10};
    const int num_modes = probe_interval > 0 ? 4 : 3;
    Result results[4];
    for (int round = 0; round < rounds; round++)
        for (int m = 0; m < num_modes; m++) {
            Result r;
            run_mode(model, opt, modes[m], B, T, steps, round, r, m == 3 ? probe_interval : 0, &val);
            // drop the first two steps of each run (warm-up, client connecting)
            results[m].step_ms.insert(results[m].step_ms.end(), r.step_ms.begin() + std::min(2, steps), r.step_ms.end());
            results[m].gather_ms.insert(results[m].gather_ms.end(), r.gather_ms.begin(), r.gather_ms.end());
            results[m].probe_ms.insert(results[m].probe_ms.end(), r.probe_ms.begin(), r.probe_ms.end());
            results[m].latency_ms.insert(results[m].latency_ms.end(), r.latency_ms.begin(), r.latency_ms.end());
            results[m].frames += r.frames;
            results[m].skipped += r.skipped;
            results[m].build_ms += r.build_ms;
            results[m].frame_bytes = r.frame_bytes;
        }
    std::printf("shape %s, B=%d T=%d, %d steps x %d rounds per mode\n", shape.c_str(), B, T, steps, rounds);
    std::filesystem::remove(val_path);
    std::printf("| mode | ms/step (median) | vs viz-off | with the probe spread over its interval | gather on "
                "training thread (median ms) | projection+encoding per frame (mean ms, viz thread) | frame bytes | "
                "frames (skipped) | delivery p50 / p99 ms (frames received) |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    double off = percentile(results[0].step_ms, 0.5);
    const std::string probed = "viz interval 10 + probe every " + std::to_string(probe_interval) + " steps";
    const char* names[4] = {"--viz-off", "viz interval 10 (default)", "viz interval 1", probed.c_str()};
    for (int m = 0; m < num_modes; m++) {
        const Result& r = results[m];
        double med = percentile(r.step_ms, 0.5);
        if (m == 0) {
            std::printf("| %s | %.2f | 1.000 | - | - | - | - | - | - |\n", names[m], med);
            continue;
        }
        char spread[96] = "-";
        if (!r.probe_ms.empty()) {
            const double probe = percentile(r.probe_ms, 0.5);
            std::snprintf(spread, sizeof spread, "%.3f (probe %.1f ms / %d steps)",
                          (med + probe / probe_interval) / off, probe, probe_interval);
        }
        std::printf("| %s | %.2f | %.3f | %s | %.3f | %.2f | %zu | %llu (%llu) | %.2f / %.2f (%zu) |\n",
                    names[m], med, med / off, spread,
                    percentile(r.gather_ms, 0.5), r.frames ? r.build_ms / r.frames : 0.0,
                    r.frame_bytes, (unsigned long long)r.frames, (unsigned long long)r.skipped,
                    percentile(r.latency_ms, 0.5), percentile(r.latency_ms, 0.99), r.latency_ms.size());
    }
    return 0;
}

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

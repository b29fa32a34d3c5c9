// viz_overhead.cpp: what watching costs. In one process, side by side in alternating rounds:
// training steps with no observer (--viz-off), with the dashboard at the default interval and
// at interval 1, a loopback WebSocket client connected and reading. Prints one table:
// step time and its ratio to viz-off, time on the training thread per sample (gather), the
// viz thread's projection + encoding per frame, frame bytes, and delivery latency from frame
// ready to the client (p50/p99).
// Usage: bench_viz_overhead [--shape char-small|gpt2-124m] [--B 12] [--T 64] [--steps 40] [--rounds 3]
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
#include "kernels/cpu/cpu_backend.h"

using namespace nanogpt;

namespace {

using bench::FrameReader;
using bench::percentile;

struct Result {
    std::vector<double> step_ms, gather_ms, latency_ms;
    double build_ms = 0;
    uint64_t frames = 0, skipped = 0;
    size_t frame_bytes = 0;
};

// Runs `steps` training steps with the given viz interval (0: no observer).
void run_mode(GPT2& model, AdamW& opt, int interval, int B, int T, int steps,
              int round, Result& r) {
    std::unique_ptr<viz::Dashboard> obs;
    std::unique_ptr<FrameReader> client;
    std::string runs = (std::filesystem::temp_directory_path() / "nanogpt-bench-runs").string();
    if (interval > 0) {
        obs = bench::bench_dashboard(model, interval, runs);
        client = std::make_unique<FrameReader>(obs->port());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the client connect
        r.frame_bytes = obs->frame_bytes();
    }
    bench::WatchedTraining training(model, opt, B, T);
    for (int s = 0; s < steps; s++) {
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
                     "[--rounds 3]",
                     {{"shape", "char-small"}, {"B", "12"}, {"T", "64"}, {"steps", "40"}, {"rounds", "3"}});
    args.parse(argc, argv);
    const ModelConfig mc = bench::shape_arg(args, "shape");
    const std::string shape = args.str("shape");
    const int B = args.positive("B"), T = args.positive("T");
    const int steps = args.positive("steps"), rounds = args.positive("rounds");
    CpuBackend be;
    GPT2 model(be, mc);
    model.init_random(1);
    AdamW opt(model, AdamWSettings{});
    const int modes[3] = {0, 10, 1};
    Result results[3];
    for (int round = 0; round < rounds; round++)
        for (int m = 0; m < 3; m++) {
            Result r;
            run_mode(model, opt, modes[m], B, T, steps, round, r);
            // drop the first two steps of each run (warm-up, client connecting)
            results[m].step_ms.insert(results[m].step_ms.end(), r.step_ms.begin() + std::min(2, steps), r.step_ms.end());
            results[m].gather_ms.insert(results[m].gather_ms.end(), r.gather_ms.begin(), r.gather_ms.end());
            results[m].latency_ms.insert(results[m].latency_ms.end(), r.latency_ms.begin(), r.latency_ms.end());
            results[m].frames += r.frames;
            results[m].skipped += r.skipped;
            results[m].build_ms += r.build_ms;
            results[m].frame_bytes = r.frame_bytes;
        }
    std::printf("shape %s, B=%d T=%d, %d steps x %d rounds per mode\n", shape.c_str(), B, T, steps, rounds);
    std::printf("| mode | ms/step (median) | vs viz-off | gather on training thread (median ms) | "
                "projection+encoding per frame (mean ms, viz thread) | frame bytes | frames (skipped) | "
                "delivery p50 / p99 ms (frames received) |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    double off = percentile(results[0].step_ms, 0.5);
    const char* names[3] = {"--viz-off", "viz interval 10 (default)", "viz interval 1"};
    for (int m = 0; m < 3; m++) {
        const Result& r = results[m];
        double med = percentile(r.step_ms, 0.5);
        if (m == 0) {
            std::printf("| %s | %.2f | 1.000 | - | - | - | - | - |\n", names[m], med);
            continue;
        }
        std::printf("| %s | %.2f | %.3f | %.3f | %.2f | %zu | %llu (%llu) | %.2f / %.2f (%zu) |\n", names[m],
                    med, med / off, percentile(r.gather_ms, 0.5), r.frames ? r.build_ms / r.frames : 0.0,
                    r.frame_bytes, (unsigned long long)r.frames, (unsigned long long)r.skipped,
                    percentile(r.latency_ms, 0.5), percentile(r.latency_ms, 0.99), r.latency_ms.size());
    }
    return 0;
}

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

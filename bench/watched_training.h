// watched_training.h: training steps as the trainer's loop runs them (forward, backward, AdamW
// with the statistics a snapshot asks for, the metrics message), watched by a dashboard or not;
// shared by the benchmarks that time what watching costs (viz_overhead, hub_stress).
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_args.h"
#include "bench/frame_reader.h"
#include "trainer/gpt2.h"
#include "trainer/model_desc.h"
#include "trainer/optimizer.h"
#include "viz/dashboard.h"

namespace nanogpt::bench {

// A dashboard on a free loopback port without a token (the benchmark's own clients), recording
// into `runs_dir`, its run started with batches of B x T (the probe's size depends on them).
inline std::unique_ptr<viz::Dashboard> bench_dashboard(GPT2& model, int interval, const std::string& runs_dir,
                                                       int B, int T) {
    viz::VizOptions o;
    o.interval = interval;
    o.port = 0;
    o.no_token = true;
    o.runs_dir = runs_dir;
    std::unique_ptr<viz::Dashboard> obs = viz::make_dashboard(o);
    RunInfo info;
    info.device = model.backend().name();  // sigma_max's schedule depends on it (viz/insights/spectra.h)
    info.batch_size = B;
    info.block_size = T;
    obs->run_started(describe_model(model, nullptr, nullptr), info);
    return obs;
}

class WatchedTraining {
public:
    WatchedTraining(GPT2& model, AdamW& opt, int B, int T) : model_(model), opt_(opt), reader_(model), B_(B), T_(T) {
        po_.dloss = 1.0f / (B * T);
    }

    // Step s (batch seeded by `seed`), watched by `obs` when not null; the step's milliseconds.
    // `gather_ms`, when given, gets the time of snapshot_ready on this thread (or stays as is).
    double step(viz::Dashboard* obs, int s, uint64_t seed, double* gather_ms = nullptr) {
        random_batch(B_, T_, model_.config().vocab_size, x_, y_, seed, seed + 7);
        const auto t0 = std::chrono::steady_clock::now();
        model_.zero_grad();
        model_.forward(x_.data(), y_.data(), B_, T_, po_);
        model_.backward();
        SnapshotRequest* req = obs ? obs->snapshot_due(s + 1) : nullptr;
        opt_.step(1e-4f, s + 1, req ? req->stats.data() : nullptr);
        if (req) {
            const auto g0 = std::chrono::steady_clock::now();
            obs->snapshot_ready(req, reader_);
            if (gather_ms) *gather_ms = ms_since(g0);
        }
        if (obs) {
            StepMetrics m;
            m.step = s;
            m.train_loss = 1.0f;
            obs->step_finished(m);
        }
        return ms_since(t0);
    }

private:
    GPT2& model_;
    AdamW& opt_;
    HostParamReader reader_;
    int B_, T_;
    PassOptions po_;
    std::vector<int> x_, y_;
};

}  // namespace nanogpt::bench

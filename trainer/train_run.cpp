// train_run.cpp: the training loop (train_run.h), in the order of nanoGPT's train.py: set up
// (train_setup.h), then per step: evaluate and checkpoint, a text sample, one training step,
// the log line.
#include "trainer/train_run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "common/counter_rng.h"
#include "common/error.h"
#include "common/file_io.h"
#include "common/interrupt.h"
#include "dist/job.h"
#include "trainer/generate.h"
#include "trainer/metrics_log.h"
#include "trainer/mfu.h"
#include "trainer/model_desc.h"
#include "trainer/probe.h"
#include "trainer/train_setup.h"

namespace nanogpt {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Test hook, not a feature: NANOGPT_TEST_LR_SPIKE=STEP:FACTOR multiplies the learning rate of
// that one step by FACTOR, so the loss really spikes (the insights' end-to-end tests use it:
// a live run must show the loss_spike event). Unset: no effect at all.
struct LrSpike {
    int step = -1;
    float factor = 1.0f;
};
LrSpike lr_spike_from_env() {
    LrSpike s;
    const char* v = std::getenv("NANOGPT_TEST_LR_SPIKE");
    if (!v || !*v) return s;
    char* end = nullptr;
    const long step = std::strtol(v, &end, 10);
    const bool colon = end && *end == ':';
    const float factor = colon ? std::strtof(end + 1, &end) : 0.0f;
    if (!colon || *end != '\0' || step < 0 || !(factor > 0.0f))
        throw Error(std::string("NANOGPT_TEST_LR_SPIKE='") + v + "' is not STEP:FACTOR",
                    "e.g. NANOGPT_TEST_LR_SPIKE=150:30 (a test hook; unset it to train normally)");
    s.step = (int)step;
    s.factor = factor;
    std::printf("test hook NANOGPT_TEST_LR_SPIKE: the learning rate of step %d is multiplied by %g\n", s.step,
                (double)s.factor);
    return s;
}

// One run in progress: what the steps of the loop share. With several ranks every rank runs
// the same loop on its slice of each batch; rank 0 alone writes files, prints and is watched.
struct Run {
    const TrainConfig& cfg;
    TrainingData& data;
    GPT2& model;
    AdamW& opt;
    Communicator& comm;
    TrainingObserver* watcher;  // null with --viz-off and on every rank but 0
    StepCost cost;
    std::optional<MetricsLog> metrics;  // rank 0 only
    HostParamReader params{model};
    TrainSummary summary;
    float best_val = INFINITY;
    LrSpike lr_spike = lr_spike_from_env();
    int last_checkpoint = -1;  // the step model.bin and state.bin continue at, -1: none yet
    std::vector<int> x, y;
    std::vector<TensorStats> stats_scratch;  // ranks but 0: the snapshot's statistics request
    const bool root;
    const int first_sequence;  // this rank's slice of each batch starts here

    Run(const TrainConfig& c, TrainingData& d, GPT2& m, AdamW& o, Communicator& cm, TrainingObserver* w,
        StepCost sc, int start_step)
        : cfg(c), data(d), model(m), opt(o), comm(cm), watcher(w), cost(sc), root(cm.rank() == 0),
          first_sequence(cm.rank() * c.batch_size) {
        if (root) metrics.emplace(c.out_dir + "/metrics.csv", c.init_from == "resume" ? start_step : -1);
    }

    // The mean over ranks of a value each rank measured on its slice.
    double mean_over_ranks(double v) {
        if (comm.size() == 1) return v;
        comm.allreduce_host(&v, 1, ReduceOp::Sum);
        return v / comm.size();
    }

    void record(const StepMetrics& row) {
        if (metrics) metrics->write(row);
        if (watcher) watcher->step_finished(row);
    }
    void tell(int step, EventKind kind, const std::string& text) {
        if (watcher) watcher->event(step, kind, text);
    }

    // Mean loss over eval_iters batches. The batches are the same at every evaluation (keyed
    // by the split, not the step), so successive values differ only because the model did.
    float estimate_loss(const TokenDataset& split_data, uint64_t split) {
        double sum = 0.0;
        for (int k = 0; k < cfg.eval_iters; k++) {
            split_data.random_batch(derive_seed(cfg.seed, kEvalBatch, split, (uint64_t)k), cfg.batch_size,
                                    cfg.block_size, x, y, first_sequence);
            sum += model.forward(x.data(), y.data(), cfg.batch_size, cfg.block_size, PassOptions{});
        }
        return (float)mean_over_ranks(sum / cfg.eval_iters);
    }

    void checkpoint(int next_step) {
        save_checkpoint(cfg, model, opt, next_step, comm);
        last_checkpoint = next_step;
    }

    void evaluate_and_checkpoint(int step, bool last, int start_step, StepMetrics& row) {
        const float train_est = estimate_loss(data.train, 0);
        const float val = estimate_loss(data.val, 1);
        row.val_loss = val;
        row.eval_train_loss = train_est;
        summary.final_val_loss = val;
        std::printf("step %d: train loss %.4f, val loss %.4f\n", step, train_est, val);
        std::fflush(stdout);
        char text[96];
        std::snprintf(text, sizeof text, "train loss %.4f, val loss %.4f", train_est, val);
        tell(step, EventKind::Eval, text);
        probe(step);
        if (cfg.eval_only) return;
        if (step > start_step && (cfg.always_save_checkpoint || val < best_val || last)) {
            checkpoint(step);
            std::printf("saved checkpoint to %s\n", cfg.out_dir.c_str());
            tell(step, EventKind::Checkpoint, "saved " + model_path(cfg));
        }
        best_val = std::min(best_val, val);
    }

    // The watcher's probe, when it asks for one (trainer/probe.h). A request the model cannot
    // run is refused with a warning and handed back empty (B = 0), so the watcher may ask again.
    void probe(int step) {
        ProbeRequest* request = watcher ? watcher->probe_due(step) : nullptr;
        if (!request) return;
        ProbeResult result;
        try {
            result = run_probe(model, data.val, cfg.block_size, *request);
        } catch (const Error& e) {
            std::printf("warning: %s\n", e.what());
            result = ProbeResult{};
            result.step = step;
        }
        watcher->probe_ready(std::move(result));
    }

    void print_sample(int step) {
        if (!root || cfg.sample_tokens <= 0 || !data.tokenizer) return;
        SampleOptions so;
        so.num_tokens = cfg.sample_tokens;
        so.temperature = cfg.temperature;
        so.top_k = cfg.top_k;
        so.seed = derive_seed(cfg.seed, kSample, (uint64_t)step);
        so.max_context = cfg.block_size;
        std::vector<int> ids = generate(model, {start_token(*data.tokenizer)}, so);
        std::string text = data.tokenizer->decode(ids);
        std::printf("---- sample at step %d ----\n%s\n---------------------------\n", step, text.c_str());
        std::fflush(stdout);
        tell(step, EventKind::Sample, text);
        std::string entry = "step " + std::to_string(step) + ":\n" + text + "\n\n";
        if (FILE* f = std::fopen((cfg.out_dir + "/samples.txt").c_str(), "ab")) {
            std::fwrite(entry.data(), 1, entry.size(), f);
            std::fclose(f);
        }
    }

    // The statistics the optimizer fills for a snapshot. Sharded, each rank holds part of every
    // tensor, so every rank takes part: rank 0 says whether a snapshot is due and hands round
    // its request (histogram ranges), and the optimizer combines the parts.
    TensorStats* snapshot_stats(SnapshotRequest* snap) {
        if (!opt.sharded()) return snap ? snap->stats.data() : nullptr;
        int due = snap != nullptr;
        comm.broadcast_host(&due, sizeof due, 0);
        if (!due) return nullptr;
        TensorStats* stats = snap ? snap->stats.data() : nullptr;
        if (!stats) {
            stats_scratch.resize(opt.num_slabs());
            stats = stats_scratch.data();
        }
        comm.broadcast_host(stats, sizeof(TensorStats) * opt.num_slabs(), 0);
        return stats;
    }

    // Forward and backward over the micro-batches, then the optimizer: update step + 1.
    void train_step(int step, StepMetrics& row) {
        const int B = cfg.batch_size, T = cfg.block_size, accum = cfg.gradient_accumulation_steps;
        const auto t0 = Clock::now();
        model.zero_grad();
        double loss = 0.0;
        for (int micro = 0; micro < accum; micro++) {
            data.train.random_batch(derive_seed(cfg.seed, kTrainBatch, (uint64_t)step, (uint64_t)micro), B, T, x, y,
                                    first_sequence);
            PassOptions po;
            po.dropout = cfg.dropout;
            po.dropout_seed = derive_seed(cfg.seed, kDropout, (uint64_t)step, (uint64_t)micro);
            po.dloss = 1.0f / (float)(B * T * accum);
            po.first_sequence = first_sequence;
            loss += model.forward(x.data(), y.data(), B, T, po) / accum;
            model.backward();
        }
        const float lr = learning_rate_at(cfg, step) * (step == lr_spike.step ? lr_spike.factor : 1.0f);
        // A snapshot shows the state after this update (step + 1 updates): its exact statistics
        // come out of the optimizer's pass, then the watched values are copied. The final
        // state's snapshot may wait for a free buffer: that wait is not step time.
        const auto wait0 = Clock::now();
        SnapshotRequest* snap = watcher ? watcher->snapshot_due(step + 1, step + 1 == cfg.max_iters) : nullptr;
        const double snapshot_wait_ms = ms_since(wait0);
        const float norm = opt.step(lr, step + 1, snapshot_stats(snap));
        if (snap) watcher->snapshot_ready(snap, params);
        loss = mean_over_ranks(loss);
        const double ms = ms_since(t0) - snapshot_wait_ms;

        row.train_loss = (float)loss;
        row.lr = lr;
        row.grad_norm = norm;
        row.ms = (float)ms;
        row.tokens_per_s = (float)(cost.tokens_per_step / (ms / 1000.0));
        // MFU of the whole job: every rank's device counts in the peak.
        const auto peak = cost.peak_tflops ? std::optional<double>(*cost.peak_tflops * comm.size()) : std::nullopt;
        if (auto u = model_flops_utilisation(cost.flops_per_token, *row.tokens_per_s, peak)) row.mfu = (float)*u;
        summary.steps_run++;
        summary.final_train_loss = (float)loss;
    }

    void log_step(int step, const StepMetrics& row) {
        const float loss = *row.train_loss;
        if (!std::isfinite(loss)) std::printf("warning: loss is %f at step %d (diverged?)\n", loss, step);
        if (step % cfg.log_interval != 0) return;
        std::printf("step %5d/%d | loss %.4f | lr %.2e | norm %.4f | %.1f ms | %.0f tok/s", step, cfg.max_iters,
                    loss, *row.lr, *row.grad_norm, *row.ms, *row.tokens_per_s);
        if (row.mfu) std::printf(" | MFU %.1f%%", 100.0 * *row.mfu);
        std::printf("\n");
        std::fflush(stdout);
    }

    // After a signal: the step in flight is done. Keep it in a checkpoint when that loses
    // nothing (always_save_checkpoint, or no checkpoint to keep yet), and say how to go on.
    void stop_after(int step, int signal) {
        const int next = step + 1;
        if (cfg.always_save_checkpoint || last_checkpoint < 0) checkpoint(next);
        const std::string why = std::string("interrupted by ") + StopRequest::name(signal) + " after step " +
                                std::to_string(step);
        tell(step, EventKind::Interrupted, why);
        std::printf("%s; %s\n", why.c_str(),
                    last_checkpoint == next
                        ? ("checkpoint saved to " + cfg.out_dir).c_str()
                        : ("the last checkpoint (best val loss) continues at step " + std::to_string(last_checkpoint))
                              .c_str());
        std::printf("to continue: run the same command with --init-from resume (it resumes at step %d)\n",
                    last_checkpoint);
        std::fflush(stdout);
        summary.stopped_by = signal;
    }
};

}  // namespace

TrainSummary run_train(const TrainConfig& cfg, const std::string& config_text, TrainingObserver* watcher,
                       dist::Job* job) {
    cfg.validate();
    StopRequest stop;  // Ctrl-C and SIGTERM stop the run after the step in flight
    const auto t_start = Clock::now();
    std::unique_ptr<dist::Job> own_job;
    if (!job) job = (own_job = dist::Job::start()).get();

    TrainingData data = open_data(cfg);
    if (job->is_root()) std::filesystem::create_directories(cfg.out_dir);
    ModelSource source = choose_model(cfg, data);
    auto backend = cfg.system.make(job->local_rank());  // one GPU per rank on each machine
    std::unique_ptr<Communicator> comm = job->communicator_for(*backend);
    const AdamWSettings settings = adamw_settings(cfg);
    // Sharded, the buffers hold ranks equal shards (the tail padded with zeros).
    const size_t buffer = settings.zero_stage >= 1 && comm->size() > 1
                              ? AdamW::shard_floats(ParamLayout::make(source.file.config).total, comm->size()) *
                                    comm->size()
                              : 0;
    GPT2 model(*backend, source.file.config, buffer);
    init_weights(model, source, cfg.seed);  // the same weights on every rank (the same seed or file)
    AdamW opt(model, settings, comm.get());
    const int start_step = maybe_resume(cfg, model, opt, comm->size());
    if (job->is_root() && !config_text.empty())
        write_file_atomic(cfg.out_dir + "/config.toml", config_text.data(), config_text.size());
    const StepCost cost = print_banner(cfg, *backend, model, data, start_step, *comm, settings.zero_stage);
    if (!job->is_root()) watcher = nullptr;  // only rank 0 is watched
    if (watcher) {
        RunInfo info = run_info(cfg, config_text, *backend, model, start_step);
        info.ranks = comm->size();
        info.communicator = comm->name();
        info.zero_stage = opt.sharded() ? settings.zero_stage : 0;
        watcher->run_started(describe_model(model, &data.train, data.tokenizer.get()), info);
        if (const std::string line = watcher->banner(); !line.empty()) std::printf("%s\n", line.c_str());
    }
    std::fflush(stdout);

    Run run(cfg, data, model, opt, *comm, watcher, cost, start_step);
    run.summary.final_val_loss = NAN;
    if (cfg.init_from == "resume") run.last_checkpoint = start_step;
    const int sample_interval = cfg.sample_interval > 0 ? cfg.sample_interval : cfg.eval_interval;
    for (int step = start_step;; step++) {
        const bool last = step >= cfg.max_iters;
        StepMetrics row;
        row.step = step;
        if (step % cfg.eval_interval == 0 || last || cfg.eval_only) {
            run.evaluate_and_checkpoint(step, last, start_step, row);
            if (cfg.eval_only) {
                run.record(row);
                break;
            }
        }
        if (step > start_step && (step % sample_interval == 0 || last)) run.print_sample(step);
        if (last) {
            if (row.val_loss) run.record(row);
            if (step == start_step) run.checkpoint(step);
            break;
        }
        run.train_step(step, row);
        run.record(row);
        run.log_step(step, row);
        // Every rank stops after the same step: a signal seen by any of them counts for all.
        double signal = stop.signal();
        if (comm->size() > 1) comm->allreduce_host(&signal, 1, ReduceOp::Max);
        if (signal > 0) {
            run.stop_after(step, (int)signal);
            break;
        }
    }
    if (watcher) watcher->run_finished(run.summary.stopped_by ? RunEnd::Interrupted : RunEnd::Finished);
    run.summary.seconds = ms_since(t_start) / 1000.0;
    std::printf("done: %d steps in %.1f s", run.summary.steps_run, run.summary.seconds);
    if (std::isfinite(run.summary.final_val_loss)) std::printf(", final val loss %.4f", run.summary.final_val_loss);
    std::printf("\n");
    return run.summary;
}

}  // namespace nanogpt

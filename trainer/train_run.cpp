#include "trainer/train_run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <omp.h>

#include "common/error.h"
#include "common/file_io.h"
#include "data/tokenizer.h"
#include "common/counter_rng.h"
#include "trainer/checkpoint.h"
#include "trainer/dataloader.h"
#include "trainer/device.h"
#include "trainer/generate.h"
#include "trainer/gpt2.h"
#include "trainer/metrics_log.h"
#include "trainer/mfu.h"
#include "trainer/optimizer.h"
#include "trainer/viz_bridge.h"

namespace nanogpt {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Stream identifiers for derive_seed: every random draw is keyed by what it is for.
enum RngStream : uint64_t { kInit = 1, kTrainBatch = 2, kEvalBatch = 3, kDropout = 4, kSample = 5 };

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Mean loss over eval_iters batches. The batches are the same at every evaluation (keyed by
// the split, not the step), so successive values differ only because the model did.
float estimate_loss(GPT2& model, const TokenDataset& data, const TrainConfig& cfg, uint64_t split) {
    std::vector<int> x, y;
    double sum = 0.0;
    for (int k = 0; k < cfg.eval_iters; k++) {
        data.random_batch(derive_seed(cfg.seed, kEvalBatch, split, (uint64_t)k), cfg.batch_size,
                          cfg.block_size, x, y);
        sum += model.forward(x.data(), y.data(), cfg.batch_size, cfg.block_size, PassOptions{});
    }
    return (float)(sum / cfg.eval_iters);
}

int sample_start_token(const Tokenizer* tok) {
    if (!tok) return 0;
    if (tok->kind() == "gpt2") return 50256;  // <|endoftext|>
    try {
        auto ids = tok->encode("\n");
        if (!ids.empty()) return ids[0];
    } catch (const Error&) {
    }
    return 0;
}

void print_sample(GPT2& model, const Tokenizer* tok, const TrainConfig& cfg, int step,
                  const std::string& samples_path, TrainingObserver* viz) {
    if (cfg.sample_tokens <= 0 || !tok) return;
    SampleOptions so;
    so.num_tokens = cfg.sample_tokens;
    so.temperature = cfg.temperature;
    so.top_k = cfg.top_k;
    so.seed = derive_seed(cfg.seed, kSample, (uint64_t)step);
    so.max_context = cfg.block_size;
    std::vector<int> ids = generate(model, {sample_start_token(tok)}, so);
    std::string text = tok->decode(ids);
    std::printf("---- sample at step %d ----\n%s\n---------------------------\n", step, text.c_str());
    std::fflush(stdout);
    if (viz) viz->event(step, "sample", text);
    std::string entry = "step " + std::to_string(step) + ":\n" + text + "\n\n";
    if (FILE* f = std::fopen(samples_path.c_str(), "ab")) {
        std::fwrite(entry.data(), 1, entry.size(), f);
        std::fclose(f);
    }
}

}  // namespace

TrainSummary run_train(const TrainConfig& cfg, const std::string& config_text) {
    cfg.validate();
    if (cfg.threads > 0) omp_set_num_threads(cfg.threads);
    auto t_start = Clock::now();

    const std::string data_dir = cfg.resolved_data_dir();
    const std::string train_path = data_dir + "/train.bin", val_path = data_dir + "/val.bin";
    if (!file_exists(train_path))
        throw Error("no training data at '" + train_path + "'",
                    "prepare it first: nanogpt prepare --tokenizer char --out " + data_dir +
                        " (or pass --data-dir)");
    TokenDataset train_data(train_path);
    TokenDataset val_data(val_path);

    std::unique_ptr<Tokenizer> tokenizer;
    try {
        tokenizer = load_tokenizer(data_dir);
    } catch (const Error& e) {
        std::printf("warning: no tokenizer in %s (%s): text samples are off\n", data_dir.c_str(), e.what());
    }
    int data_vocab = std::max(train_data.max_token(), val_data.max_token()) + 1;
    if (tokenizer) data_vocab = std::max(data_vocab, tokenizer->vocab_size());

    // Model shape: from the config (scratch), the checkpoint (resume), or a weights file.
    fs::create_directories(cfg.out_dir);
    const std::string model_path = cfg.out_dir + "/model.bin", state_path = cfg.out_dir + "/state.bin";
    ModelFile init;
    bool from_file = cfg.init_from != "scratch";
    if (cfg.init_from == "resume") {
        init = load_model(model_path);
    } else if (from_file) {
        init = load_model_any(cfg.init_from, cfg.n_head);
    } else {
        init.config.max_seq_len = cfg.block_size;
        init.config.vocab_size = data_vocab;
        init.config.padded_vocab_size = pad_vocab(data_vocab);
        init.config.num_layers = cfg.n_layer;
        init.config.num_heads = cfg.n_head;
        init.config.channels = cfg.n_embd;
    }
    const ModelConfig& mc = init.config;
    if (cfg.block_size > mc.max_seq_len)
        throw Error("block_size " + std::to_string(cfg.block_size) + " is larger than the model's maxT " +
                        std::to_string(mc.max_seq_len),
                    "set block_size to at most " + std::to_string(mc.max_seq_len));
    if (data_vocab > mc.vocab_size)
        throw Error("the data uses token ids up to " + std::to_string(data_vocab - 1) +
                        " but the model's vocabulary has " + std::to_string(mc.vocab_size),
                    "prepare the data with the tokenizer the model was trained with");
    train_data.require_window(cfg.block_size);
    val_data.require_window(cfg.block_size);

    auto backend = make_backend(cfg.device, cfg.precision);
    GPT2 model(*backend, mc);
    if (from_file) model.load_params(init.params);
    else model.init_random(derive_seed(cfg.seed, kInit));
    init.params.clear();
    init.params.shrink_to_fit();

    AdamWSettings as;
    as.beta1 = cfg.beta1;
    as.beta2 = cfg.beta2;
    as.weight_decay = cfg.weight_decay;
    as.grad_clip = cfg.grad_clip;
    as.train_biases = cfg.bias;
    AdamW opt(model, as);

    int start_step = 0;
    if (cfg.init_from == "resume") {
        TrainState st = load_state(state_path, model.num_params());
        if (st.seed != cfg.seed || st.batch_size != cfg.batch_size || st.block_size != cfg.block_size ||
            st.grad_accum != cfg.gradient_accumulation_steps)
            std::printf("warning: seed, batch_size, block_size or gradient_accumulation_steps differ "
                        "from the checkpoint's: the run will not match an uninterrupted one\n");
        opt.load(st.m, st.v);
        start_step = st.step;
    }
    if (!config_text.empty()) {
        std::string p = cfg.out_dir + "/config.toml";
        write_file_atomic(p, config_text.data(), config_text.size());
    }

    const int B = cfg.batch_size, T = cfg.block_size, accum = cfg.gradient_accumulation_steps;
    const double tokens_per_step = (double)B * T * accum;
    // MFU needs the card's peak at the precision the products run in (trainer/mfu.h).
    const std::string device_model = device_model_name(*backend);
    const std::string precision = effective_precision(*backend);
    const std::optional<double> peak = peak_tflops(device_model, precision);
    const double step_flops_per_token = flops_per_token(mc, T);
    if (backend->name() == "cpu")
        std::printf("nanogpt train | device cpu (fp32), %d threads | model %s, %.2fM parameters\n",
                    omp_get_max_threads(), mc.describe().c_str(), model.num_params() / 1e6);
    else
        std::printf("nanogpt train | device %s (%s, %s, peak %s) | model %s, %.2fM parameters\n",
                    backend->name().c_str(), device_model.c_str(), precision.c_str(),
                    peak ? (std::to_string((int)*peak) + " TFLOP/s").c_str() : "unknown: no MFU",
                    mc.describe().c_str(), model.num_params() / 1e6);
    std::printf("data %s: %zu train tokens, %zu val tokens | B=%d T=%d accumulation %d (%.0f tokens/step)\n",
                data_dir.c_str(), train_data.size(), val_data.size(), B, T, accum, tokens_per_step);
    if (start_step > 0) std::printf("resuming from %s at step %d\n", model_path.c_str(), start_step);

    // The dashboard sees the run only through TrainingObserver; with --viz-off there is none.
    std::unique_ptr<TrainingObserver> viz = make_dashboard(cfg);
    HostParamReader param_reader(model);
    if (viz) {
        viz->run_started(describe_model(model, &train_data, tokenizer.get()),
                         run_metadata_json(cfg, config_text, model, backend->name()));
        if (!viz->url().empty())
            std::printf("dashboard: %s (parameter samples every %d steps)\n", viz->url().c_str(),
                        cfg.viz_interval);
    }
    std::fflush(stdout);

    MetricsLog metrics(cfg.out_dir + "/metrics.csv", cfg.init_from == "resume" ? start_step : -1);
    const std::string samples_path = cfg.out_dir + "/samples.txt";
    const int sample_interval = cfg.sample_interval > 0 ? cfg.sample_interval : cfg.eval_interval;

    auto save_checkpoint = [&](int next_step) {
        TrainState st;
        st.step = next_step;
        st.seed = cfg.seed;
        st.batch_size = B;
        st.block_size = T;
        st.grad_accum = accum;
        st.m = opt.save_m();
        st.v = opt.save_v();
        save_state(state_path, st);
        save_model(model_path, mc, model.save_params());
    };

    TrainSummary summary;
    summary.final_val_loss = NAN;
    float best_val = INFINITY;
    std::vector<int> x, y;
    for (int step = start_step;; step++) {
        const bool last = step >= cfg.max_iters;
        StepMetrics row;
        row.step = step;
        if (step % cfg.eval_interval == 0 || last || cfg.eval_only) {
            float train_est = estimate_loss(model, train_data, cfg, 0);
            float val = estimate_loss(model, val_data, cfg, 1);
            row.val_loss = val;
            summary.final_val_loss = val;
            std::printf("step %d: train loss %.4f, val loss %.4f\n", step, train_est, val);
            std::fflush(stdout);
            if (viz) {
                char text[96];
                std::snprintf(text, sizeof text, "train loss %.4f, val loss %.4f", train_est, val);
                viz->event(step, "eval", text);
            }
            if (cfg.eval_only) {
                metrics.write(row);
                if (viz) viz->step_finished(row);
                break;
            }
            if (step > start_step && (cfg.always_save_checkpoint || val < best_val || last)) {
                save_checkpoint(step);
                std::printf("saved checkpoint to %s\n", cfg.out_dir.c_str());
                if (viz) viz->event(step, "checkpoint", "saved " + model_path);
            }
            best_val = std::min(best_val, val);
        }
        if (step > start_step && (step % sample_interval == 0 || last))
            print_sample(model, tokenizer.get(), cfg, step, samples_path, viz.get());
        if (last) {
            if (row.val_loss) {
                metrics.write(row);
                if (viz) viz->step_finished(row);
            }
            if (step == start_step) save_checkpoint(step);
            break;
        }

        auto t0 = Clock::now();
        model.zero_grad();
        double loss = 0.0;
        for (int micro = 0; micro < accum; micro++) {
            train_data.random_batch(derive_seed(cfg.seed, kTrainBatch, (uint64_t)step, (uint64_t)micro),
                                    B, T, x, y);
            PassOptions po;
            po.dropout = cfg.dropout;
            po.dropout_seed = derive_seed(cfg.seed, kDropout, (uint64_t)step, (uint64_t)micro);
            po.dloss = 1.0f / (float)(B * T * accum);
            loss += model.forward(x.data(), y.data(), B, T, po) / accum;
            model.backward();
        }
        float lr = learning_rate_at(cfg, step);
        // A dashboard sample shows the state after this update (step + 1 updates): its exact
        // statistics come out of the optimizer's pass, then the watched values are copied.
        // The final state's sample may wait for a free buffer: that wait is not step time.
        const auto wait0 = Clock::now();
        SampleRequest* sample = viz ? viz->sample_due(step + 1, step + 1 == cfg.max_iters) : nullptr;
        const double sample_wait_ms = ms_since(wait0);
        float norm = opt.step(lr, step + 1, sample ? sample->stats.data() : nullptr);
        if (sample) viz->sample_ready(sample, param_reader);
        double ms = ms_since(t0) - sample_wait_ms;

        row.train_loss = (float)loss;
        row.lr = lr;
        row.grad_norm = norm;
        row.ms = (float)ms;
        row.tokens_per_s = (float)(tokens_per_step / (ms / 1000.0));
        if (auto u = model_flops_utilisation(step_flops_per_token, *row.tokens_per_s, peak)) row.mfu = (float)*u;
        metrics.write(row);
        if (viz) viz->step_finished(row);
        summary.steps_run++;
        summary.final_train_loss = (float)loss;
        if (!std::isfinite(loss))
            std::printf("warning: loss is %f at step %d (diverged?)\n", loss, step);
        if (step % cfg.log_interval == 0) {
            std::printf("step %5d/%d | loss %.4f | lr %.2e | norm %.4f | %.1f ms | %.0f tok/s", step,
                        cfg.max_iters, loss, lr, norm, ms, *row.tokens_per_s);
            if (row.mfu) std::printf(" | MFU %.1f%%", 100.0 * *row.mfu);
            std::printf("\n");
            std::fflush(stdout);
        }
    }
    if (viz) viz->run_finished("finished");
    summary.seconds = ms_since(t_start) / 1000.0;
    std::printf("done: %d steps in %.1f s", summary.steps_run, summary.seconds);
    if (std::isfinite(summary.final_val_loss)) std::printf(", final val loss %.4f", summary.final_val_loss);
    std::printf("\n");
    return summary;
}

}  // namespace nanogpt

// train_setup.cpp: preparing a training run (train_setup.h).
#include "trainer/train_setup.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <omp.h>

#include "common/counter_rng.h"
#include "common/error.h"
#include "common/file_io.h"
#include "data/ngram_levels.h"
#include "trainer/mfu.h"

#ifndef NANOGPT_GIT_REVISION
#define NANOGPT_GIT_REVISION "unknown"
#endif

namespace nanogpt {

TrainingData open_data(const TrainConfig& cfg) {
    const std::string dir = cfg.resolved_data_dir();
    const std::string train_path = dir + "/train.bin", val_path = dir + "/val.bin";
    if (!file_exists(train_path))
        throw Error("no training data at '" + train_path + "'",
                    "prepare it first: nanogpt prepare --tokenizer char --out " + dir + " (or pass --data-dir)");
    TrainingData d{dir, TokenDataset(train_path), TokenDataset(val_path), nullptr, 0};
    try {
        d.tokenizer = load_tokenizer(dir);
    } catch (const Error& e) {
        std::printf("warning: no tokenizer in %s (%s): text samples are off\n", dir.c_str(), e.what());
    }
    d.vocab = std::max(d.train.max_token(), d.val.max_token()) + 1;
    if (d.tokenizer) d.vocab = std::max(d.vocab, d.tokenizer->vocab_size());
    return d;
}

ModelSource choose_model(const TrainConfig& cfg, const TrainingData& data) {
    ModelSource src;
    if (cfg.init_from == "resume") {
        src.file = load_model(model_path(cfg));
        src.has_weights = true;
    } else if (cfg.init_from != "scratch") {
        src.file = load_model_any(cfg.init_from, cfg.n_head);
        src.has_weights = true;
    } else {
        ModelConfig& mc = src.file.config;
        mc.max_seq_len = cfg.block_size;
        mc.vocab_size = data.vocab;
        mc.padded_vocab_size = pad_vocab(data.vocab);
        mc.num_layers = cfg.n_layer;
        mc.num_heads = cfg.n_head;
        mc.channels = cfg.n_embd;
    }
    const ModelConfig& mc = src.file.config;
    if (cfg.block_size > mc.max_seq_len)
        throw Error("block_size " + std::to_string(cfg.block_size) + " is larger than the model's maxT " +
                        std::to_string(mc.max_seq_len),
                    "set block_size to at most " + std::to_string(mc.max_seq_len));
    if (data.vocab > mc.vocab_size)
        throw Error("the data uses token ids up to " + std::to_string(data.vocab - 1) +
                        " but the model's vocabulary has " + std::to_string(mc.vocab_size),
                    "prepare the data with the tokenizer the model was trained with");
    data.train.require_window(cfg.block_size);
    data.val.require_window(cfg.block_size);
    return src;
}

void init_weights(GPT2& model, ModelSource& source, uint64_t seed) {
    if (source.has_weights) model.load_params(source.file.params);
    else model.init_random(derive_seed(seed, kInit));
    source.file.params.clear();
    source.file.params.shrink_to_fit();
}

AdamWSettings adamw_settings(const TrainConfig& cfg) {
    AdamWSettings as;
    as.beta1 = cfg.beta1;
    as.beta2 = cfg.beta2;
    as.weight_decay = cfg.weight_decay;
    as.grad_clip = cfg.grad_clip;
    as.train_biases = cfg.bias;
    as.zero_stage = cfg.zero_stage;
    return as;
}

std::string model_path(const TrainConfig& cfg) { return cfg.out_dir + "/model.bin"; }
std::string state_path(const TrainConfig& cfg) { return cfg.out_dir + "/state.bin"; }

int maybe_resume(const TrainConfig& cfg, GPT2& model, AdamW& opt, int ranks) {
    if (cfg.init_from != "resume") return 0;
    TrainState st = load_state(state_path(cfg), model.num_params());
    if (st.seed != cfg.seed || st.batch_size != cfg.batch_size || st.block_size != cfg.block_size ||
        st.grad_accum != cfg.gradient_accumulation_steps)
        std::printf("warning: seed, batch_size, block_size or gradient_accumulation_steps differ "
                    "from the checkpoint's: the run will not match an uninterrupted one\n");
    if (st.ranks != ranks) {
        const int global = st.batch_size * st.ranks;
        std::printf("warning: the checkpoint was trained by %d rank%s, this job has %d: each step's global batch is "
                    "now %d sequences instead of %d, so the run continues, but not as it would have%s\n",
                    st.ranks, st.ranks == 1 ? "" : "s", ranks, cfg.batch_size * ranks, global,
                    global % ranks == 0 && global / ranks != cfg.batch_size
                        ? (" (batch_size " + std::to_string(global / ranks) + " keeps the global batch)").c_str()
                        : "");
    }
    opt.load(st.m, st.v);
    return st.step;
}

void save_checkpoint(const TrainConfig& cfg, GPT2& model, const AdamW& opt, int next_step, Communicator& comm) {
    TrainState st;
    st.ranks = comm.size();
    st.step = next_step;
    st.seed = cfg.seed;
    st.batch_size = cfg.batch_size;
    st.block_size = cfg.block_size;
    st.grad_accum = cfg.gradient_accumulation_steps;
    st.m = opt.save_m();  // collective when sharded
    st.v = opt.save_v();
    if (comm.rank() != 0) return;
    save_state(state_path(cfg), st);
    save_model(model_path(cfg), model.config(), model.save_params());
}

StepCost print_banner(const TrainConfig& cfg, const Backend& backend, const GPT2& model,
                      const TrainingData& data, int start_step, const Communicator& comm, int zero_stage) {
    const ModelConfig& mc = model.config();
    StepCost cost;
    cost.tokens_per_step = (double)cfg.batch_size * cfg.block_size * cfg.gradient_accumulation_steps * comm.size();
    // MFU needs the card's peak at the precision the products run in (trainer/mfu.h).
    const std::string device_model = backend.device_name();
    const std::string precision = backend.precision();
    cost.peak_tflops = peak_tflops(device_model, precision);
    cost.flops_per_token = flops_per_token(mc, cfg.block_size);
    if (backend.name() == "cpu")
        std::printf("nanogpt train | device cpu (fp32), %d threads | model %s, %.2fM parameters\n",
                    omp_get_max_threads(), mc.describe().c_str(), model.num_params() / 1e6);
    else
        std::printf("nanogpt train | device %s (%s, %s, peak %s) | model %s, %.2fM parameters\n",
                    backend.name().c_str(), device_model.c_str(), precision.c_str(),
                    cost.peak_tflops ? (std::to_string((int)*cost.peak_tflops) + " TFLOP/s").c_str()
                                     : "unknown: no MFU",
                    mc.describe().c_str(), model.num_params() / 1e6);
    std::printf("data %s: %zu train tokens, %zu val tokens | B=%d T=%d accumulation %d (%.0f tokens/step)\n",
                data.dir.c_str(), data.train.size(), data.val.size(), cfg.batch_size, cfg.block_size,
                cfg.gradient_accumulation_steps, cost.tokens_per_step);
    if (comm.size() > 1)
        std::printf("data parallel: %d ranks over %s%s, each %d of the %d sequences of every batch\n", comm.size(),
                    comm.name().c_str(), zero_stage >= 1 ? ", AdamW state sharded (ZeRO-1)" : "", cfg.batch_size,
                    cfg.batch_size * comm.size());
    if (start_step > 0) std::printf("resuming from %s at step %d\n", model_path(cfg).c_str(), start_step);
    return cost;
}

RunInfo run_info(const TrainConfig& cfg, const std::string& config_text, const Backend& backend,
                 const GPT2& model, int start_step) {
    RunInfo r;
    r.git_revision = NANOGPT_GIT_REVISION;
    r.device = backend.name();
    r.device_name = backend.device_name();
    r.precision = backend.precision();
    r.data_dir = cfg.resolved_data_dir();
    r.out_dir = cfg.out_dir;
    r.params = model.num_params();
    r.batch_size = cfg.batch_size;
    r.block_size = cfg.block_size;
    r.gradient_accumulation_steps = cfg.gradient_accumulation_steps;
    r.max_iters = cfg.max_iters;
    r.learning_rate = cfg.learning_rate;
    r.min_lr = cfg.min_lr;
    r.weight_decay = cfg.weight_decay;
    r.grad_clip = cfg.grad_clip;
    r.dropout = cfg.dropout;
    r.warmup_iters = cfg.warmup_iters;
    r.lr_decay_iters = cfg.lr_decay_iters;
    r.eval_interval = cfg.eval_interval;
    r.decay_lr = cfg.decay_lr;
    r.config_toml = config_text;
    // The data's n-gram levels (nanogpt prepare writes them); data prepared before they
    // existed simply has none, and an unreadable file costs the levels, not the run.
    try {
        if (const std::optional<NgramLevels> l = read_ngram_levels(r.data_dir)) {
            r.reference.uniform = l->uniform;
            r.reference.unigram = l->unigram;
            r.reference.bigram = l->bigram;
            r.reference.trigram = l->trigram;
        }
    } catch (const Error& e) {
        std::printf("warning: %s: the run has no n-gram reference levels\n", e.what());
    }
    r.start_step = start_step;
    return r;
}

}  // namespace nanogpt

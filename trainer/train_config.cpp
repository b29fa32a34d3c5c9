#include "trainer/train_config.h"

#include <cmath>

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "common/file_io.h"

namespace nanogpt {

namespace {
// "max_iters" -> "--max-iters,--max_iters"
std::string flag_names(const std::string& key) {
    std::string dashed = key;
    for (char& c : dashed)
        if (c == '_') c = '-';
    return dashed == key ? "--" + key : "--" + dashed + ",--" + key;
}

template <typename T>
void opt(CLI::App& cmd, const std::string& key, T& value, const std::string& help) {
    cmd.add_option(flag_names(key), value, help)->capture_default_str();
}
}  // namespace

void add_train_options(CLI::App& cmd, TrainConfig& c, std::string& config_path) {
    cmd.add_option("--config", config_path, "TOML config file (keys as below, e.g. max_iters = 2000)");
    opt(cmd, "out_dir", c.out_dir, "where checkpoints, metrics.csv and samples go");
    opt(cmd, "data_dir", c.data_dir, "directory with train.bin, val.bin, tokenizer.json (default data/<dataset>)");
    opt(cmd, "dataset", c.dataset, "data set name, used for the default data_dir");
    opt(cmd, "eval_interval", c.eval_interval, "evaluate (and checkpoint) every N steps");
    opt(cmd, "log_interval", c.log_interval, "print a progress line every N steps");
    opt(cmd, "eval_iters", c.eval_iters, "batches per evaluation");
    opt(cmd, "eval_only", c.eval_only, "evaluate once and exit");
    opt(cmd, "always_save_checkpoint", c.always_save_checkpoint, "checkpoint at every evaluation, not only on improvement");
    opt(cmd, "init_from", c.init_from, "scratch | resume | FILE (.bin llm.c model or .safetensors)");
    opt(cmd, "gradient_accumulation_steps", c.gradient_accumulation_steps, "micro-batches per step");
    opt(cmd, "batch_size", c.batch_size, "sequences per micro-batch (B)");
    opt(cmd, "block_size", c.block_size, "sequence length (T)");
    opt(cmd, "n_layer", c.n_layer, "transformer blocks (L)");
    opt(cmd, "n_head", c.n_head, "attention heads (NH)");
    opt(cmd, "n_embd", c.n_embd, "channels (C)");
    opt(cmd, "dropout", c.dropout, "dropout probability");
    opt(cmd, "bias", c.bias, "biases in Linear and LayerNorm layers");
    opt(cmd, "learning_rate", c.learning_rate, "peak learning rate");
    opt(cmd, "max_iters", c.max_iters, "training steps");
    opt(cmd, "weight_decay", c.weight_decay, "AdamW weight decay (2-D tensors only)");
    opt(cmd, "beta1", c.beta1, "AdamW beta1");
    opt(cmd, "beta2", c.beta2, "AdamW beta2");
    opt(cmd, "grad_clip", c.grad_clip, "clip the global gradient norm to this (0: off)");
    opt(cmd, "decay_lr", c.decay_lr, "cosine learning-rate decay");
    opt(cmd, "warmup_iters", c.warmup_iters, "linear warm-up steps");
    opt(cmd, "lr_decay_iters", c.lr_decay_iters, "step where the cosine decay reaches min_lr");
    opt(cmd, "min_lr", c.min_lr, "final learning rate");
    add_device_options(cmd, c.system);
    opt(cmd, "seed", c.seed, "seed for initialisation, batches and dropout");
    // --zero 1 as llm.c spells it; the file key (the last long name) stays zero_stage.
    cmd.add_option("--zero," + flag_names("zero_stage"), c.zero_stage,
                   "with several ranks: 0 all-reduces gradients, 1 shards AdamW's state (ZeRO-1)")
        ->capture_default_str();
    opt(cmd, "dist_timeout", c.dist_timeout, "seconds a rank may wait for the others before the job ends");
    opt(cmd, "sample_interval", c.sample_interval, "print a text sample every N steps (0: at each evaluation)");
    opt(cmd, "sample_tokens", c.sample_tokens, "length of text samples in tokens (0: none)");
    opt(cmd, "temperature", c.temperature, "sampling temperature");
    opt(cmd, "top_k", c.top_k, "sample from the k most likely tokens (0: all)");
}

void TrainConfig::validate() const {
    auto need = [](bool ok, const std::string& key, const std::string& what) {
        if (!ok) throw Error("bad value for " + key + ": " + what);
    };
    need(eval_interval > 0, "eval_interval", "must be > 0");
    need(log_interval > 0, "log_interval", "must be > 0");
    need(eval_iters > 0, "eval_iters", "must be > 0");
    need(gradient_accumulation_steps > 0, "gradient_accumulation_steps", "must be > 0");
    need(batch_size > 0, "batch_size", "must be > 0");
    need(block_size > 0, "block_size", "must be > 0");
    need(n_layer > 0, "n_layer", "must be > 0");
    need(n_head > 0, "n_head", "must be > 0");
    need(n_embd > 0 && n_embd % n_head == 0, "n_embd", "must be a positive multiple of n_head");
    need(dropout >= 0.0f && dropout < 1.0f, "dropout", "must be in [0, 1)");
    need(learning_rate > 0.0f, "learning_rate", "must be > 0");
    need(min_lr >= 0.0f, "min_lr", "must be >= 0");
    need(max_iters >= 0, "max_iters", "must be >= 0");
    need(weight_decay >= 0.0f, "weight_decay", "must be >= 0");
    need(beta1 >= 0.0f && beta1 < 1.0f, "beta1", "must be in [0, 1)");
    need(beta2 >= 0.0f && beta2 < 1.0f, "beta2", "must be in [0, 1)");
    need(grad_clip >= 0.0f, "grad_clip", "must be >= 0");
    need(warmup_iters >= 0, "warmup_iters", "must be >= 0");
    need(!decay_lr || lr_decay_iters > warmup_iters, "lr_decay_iters", "must be greater than warmup_iters");
    system.validate();
    need(zero_stage == 0 || zero_stage == 1, "zero_stage", "must be 0 or 1");
    need(dist_timeout > 0.0f, "dist_timeout", "must be > 0 (seconds)");
    need(sample_interval >= 0, "sample_interval", "must be >= 0");
    need(sample_tokens >= 0, "sample_tokens", "must be >= 0");
    need(temperature > 0.0f, "temperature", "must be > 0");
    need(top_k >= 0, "top_k", "must be >= 0");
}

float learning_rate_at(const TrainConfig& c, int step) {
    if (!c.decay_lr) return c.learning_rate;
    if (step < c.warmup_iters) return c.learning_rate * (step + 1) / (float)(c.warmup_iters + 1);
    if (step > c.lr_decay_iters) return c.min_lr;
    double ratio = (double)(step - c.warmup_iters) / (double)(c.lr_decay_iters - c.warmup_iters);
    double coeff = 0.5 * (1.0 + std::cos(M_PI * ratio));
    return (float)(c.min_lr + coeff * (c.learning_rate - c.min_lr));
}

}  // namespace nanogpt

// train_config.h: every setting of a training run, with nanoGPT's names and defaults
// (train.py's defaults: GPT-2 124M on OpenWebText), read from configs/*.toml and the command line
// (common/config_file.h applies the file).
#pragma once
#include <cstdint>
#include <string>

#include "trainer/device_options.h"

namespace CLI { class App; }

namespace nanogpt {

struct TrainConfig {
    // I/O
    std::string out_dir = "out";
    std::string data_dir = "";           // default: data/<dataset>
    std::string dataset = "shakespeare_char";
    int eval_interval = 2000;
    int log_interval = 1;
    int eval_iters = 200;
    bool eval_only = false;
    bool always_save_checkpoint = true;
    std::string init_from = "scratch";  // scratch | resume | path to a .bin (llm.c) or .safetensors
    // data
    int gradient_accumulation_steps = 1;
    int batch_size = 12;
    int block_size = 1024;
    // model
    int n_layer = 12;
    int n_head = 12;
    int n_embd = 768;
    float dropout = 0.0f;
    bool bias = true;  // false: biases stay zero and are not trained (nanoGPT's bias=False)
    // AdamW
    float learning_rate = 6e-4f;
    int max_iters = 600000;
    float weight_decay = 0.1f;
    float beta1 = 0.9f;
    float beta2 = 0.95f;
    float grad_clip = 1.0f;  // 0 disables clipping
    // learning-rate schedule: linear warm-up, cosine decay to min_lr
    bool decay_lr = true;
    int warmup_iters = 2000;
    int lr_decay_iters = 600000;
    float min_lr = 6e-5f;
    // system
    DeviceChoice system;  // device, precision, threads (trainer/device_options.h)
    uint64_t seed = 1337;
    // across processes (mpirun -np N nanogpt train ...): batch_size is per rank
    int zero_stage = 0;          // 0: gradients all-reduced; 1: AdamW state sharded (ZeRO-1)
    float dist_timeout = 600.0f; // seconds a rank may wait in a collective before ending the job
    // text samples during training
    int sample_interval = 0;  // 0 = at every evaluation
    int sample_tokens = 200;
    float temperature = 0.8f;
    int top_k = 200;

    std::string resolved_data_dir() const { return data_dir.empty() ? "data/" + dataset : data_dir; }
    // Checks ranges and relations between values; throws Error naming the key.
    void validate() const;
};

// Registers every key as --key-name (and --key_name, the spelling config files use) on the
// `train` subcommand, plus --config FILE. Unknown keys on the command line are errors. The
// dashboard registers its own viz.* keys on the same command (viz/options.h).
void add_train_options(CLI::App& cmd, TrainConfig& cfg, std::string& config_path);

// nanoGPT's learning-rate schedule.
float learning_rate_at(const TrainConfig& cfg, int step);

}  // namespace nanogpt

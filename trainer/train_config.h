// train_config.h: every setting of a training run, with nanoGPT's names and defaults
// (train.py's defaults: GPT-2 124M on OpenWebText), read from configs/*.toml and the command line.
#pragma once
#include <cstdint>
#include <string>

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
    std::string device = "auto";  // auto | cpu | cuda
    std::string precision = "bf16";  // fp32 | tf32 | bf16: CUDA matrix products; the CPU is fp32
    int threads = 0;              // OpenMP threads; 0 = all cores
    uint64_t seed = 1337;
    // text samples during training
    int sample_interval = 0;  // 0 = at every evaluation
    int sample_tokens = 200;
    float temperature = 0.8f;
    int top_k = 200;

    // the dashboard (viz/): on unless viz_off
    bool viz_off = false;
    int viz_interval = 10;
    std::string viz_host = "127.0.0.1";
    int viz_port = 8080;           // 0: any free port
    std::string viz_token = "";    // required to bind beyond loopback
    std::string viz_runs_dir = "runs";
    int viz_history_mb = 256;
    int viz_max_frame_bytes = 1 << 20;
    int viz_embedding_points = 2048;
    int viz_grid = 32;

    std::string resolved_data_dir() const { return data_dir.empty() ? "data/" + dataset : data_dir; }
    // Checks ranges and relations between values; throws Error naming the key.
    void validate() const;
};

// Registers every key as --key-name (and --key_name, the spelling config files use) on the
// `train` subcommand, plus --config FILE. Unknown keys on the command line are errors.
// Returns the --config option's target string.
void add_train_options(CLI::App& cmd, TrainConfig& cfg, std::string& config_path);

// Applies a TOML config file to the options of `cmd` that the command line did not set
// (the command line wins). An unknown key or a value of the wrong type is an Error naming it.
// (CLI11 2.1 ignores set_config() on subcommands, so config files are applied here.)
void apply_config_file(CLI::App& cmd, const std::string& path);

// The effective configuration of `cmd` as TOML with nanoGPT's key names (key = value lines).
std::string effective_config_toml(const CLI::App& cmd);

// nanoGPT's learning-rate schedule.
float learning_rate_at(const TrainConfig& cfg, int step);

}  // namespace nanogpt

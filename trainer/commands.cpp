#include "trainer/commands.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <omp.h>

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "common/file_io.h"
#include "data/tokenizer.h"
#include "trainer/checkpoint.h"
#include "trainer/dataloader.h"
#include "trainer/device.h"
#include "trainer/generate.h"
#include "trainer/train_run.h"

namespace nanogpt {

void add_train_command(CLI::App& app) {
    auto cfg = std::make_shared<TrainConfig>();
    auto config_path = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("train", "train a GPT-2 model (keys as nanoGPT's train.py)");
    add_train_options(*cmd, *cfg, *config_path);
    cmd->callback([cfg, cmd, config_path]() {
        if (!config_path->empty()) apply_config_file(*cmd, *config_path);
        // The effective configuration (file + command line), saved beside the checkpoints.
        run_train(*cfg, effective_config_toml(*cmd));
    });
}

namespace {
struct EvalArgs {
    std::string model, data, device = "auto", precision = "bf16";
    int batch_size = 4, seq_len = 64, max_batches = 0, threads = 0;
};
}  // namespace

void add_eval_command(CLI::App& app) {
    auto a = std::make_shared<EvalArgs>();
    CLI::App* cmd = app.add_subcommand("eval", "mean cross-entropy of a model on a token shard");
    cmd->add_option("--model", a->model, "model file (.bin llm.c format or .safetensors)")->required();
    cmd->add_option("--data", a->data, "token shard (.bin, llm.c format)")->required();
    cmd->add_option("--batch-size,--batch_size", a->batch_size, "sequences per batch (B)")->capture_default_str();
    cmd->add_option("--seq-len,--seq_len", a->seq_len, "sequence length (T)")->capture_default_str();
    cmd->add_option("--max-batches,--max_batches", a->max_batches, "batches to read (0: the whole shard)")->capture_default_str();
    cmd->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
    cmd->add_option("--precision", a->precision, "fp32 | tf32 | bf16 on CUDA (the CPU is always fp32)")->capture_default_str();
    cmd->add_option("--threads", a->threads, "CPU threads (0: all cores)")->capture_default_str();
    cmd->callback([a]() {
        if (a->batch_size <= 0 || a->seq_len <= 0 || a->max_batches < 0)
            throw Error("--batch-size and --seq-len must be > 0, --max-batches >= 0");
        if (a->threads > 0) omp_set_num_threads(a->threads);
        ModelFile mf = load_model_any(a->model);
        if (a->seq_len > mf.config.max_seq_len)
            throw Error("--seq-len " + std::to_string(a->seq_len) + " exceeds the model's maxT " +
                        std::to_string(mf.config.max_seq_len));
        TokenDataset data(a->data);
        if (data.max_token() >= mf.config.vocab_size)
            throw Error("shard '" + a->data + "' has token " + std::to_string(data.max_token()) +
                        " outside the model's vocabulary (V=" + std::to_string(mf.config.vocab_size) + ")");
        auto backend = make_backend(a->device, a->precision);
        GPT2 model(*backend, mf.config);
        model.load_params(mf.params);
        std::vector<int> x, y;
        double sum = 0.0;
        int n = 0;
        while ((a->max_batches == 0 || n < a->max_batches) &&
               data.sequential_batch((size_t)n, a->batch_size, a->seq_len, x, y)) {
            float loss = model.forward(x.data(), y.data(), a->batch_size, a->seq_len, PassOptions{});
            sum += loss;
            n++;
            std::printf("batch %d: loss %.6f\n", n, loss);
            std::fflush(stdout);
        }
        if (n == 0)
            throw Error("shard '" + a->data + "' is too short for one batch of " +
                        std::to_string(a->batch_size) + "x" + std::to_string(a->seq_len) + " tokens");
        std::printf("val_loss %.6f\n", sum / n);
    });
}

namespace {
struct SampleArgs {
    std::string model, data_dir, prompt, device = "auto", precision = "bf16";
    int num_tokens = 256, top_k = 200, threads = 0;
    float temperature = 0.8f;
    uint64_t seed = 1337;
};

// The data directory a run was trained on, from the config.toml `train` saves beside model.bin.
std::string data_dir_of_run(const std::string& model_path) {
    std::filesystem::path cfg = std::filesystem::path(model_path).parent_path() / "config.toml";
    std::ifstream in(cfg);
    std::string line, dataset;
    while (std::getline(in, line)) {
        auto value = [&](const char* key) -> std::string {
            std::string k = key;
            if (line.rfind(k, 0) != 0) return "";
            auto q1 = line.find('"'), q2 = line.rfind('"');
            return (q1 != std::string::npos && q2 > q1) ? line.substr(q1 + 1, q2 - q1 - 1) : "";
        };
        if (auto v = value("data_dir="); !v.empty()) return v;
        if (auto v = value("data_dir ="); !v.empty()) return v;
        if (auto v = value("dataset="); !v.empty()) dataset = v;
        if (auto v = value("dataset ="); !v.empty()) dataset = v;
    }
    return dataset.empty() ? "" : "data/" + dataset;
}
}  // namespace

void add_sample_command(CLI::App& app) {
    auto a = std::make_shared<SampleArgs>();
    CLI::App* cmd = app.add_subcommand("sample", "generate text from a trained model");
    cmd->add_option("--model", a->model, "model file (.bin or .safetensors)")->required();
    cmd->add_option("--data-dir,--data_dir", a->data_dir, "data directory with tokenizer.json (default: the one the run used)");
    cmd->add_option("--prompt", a->prompt, "text to continue (default: start of text)");
    cmd->add_option("--num-tokens,--num_tokens", a->num_tokens, "tokens to generate")->capture_default_str();
    cmd->add_option("--temperature", a->temperature, "softmax temperature")->capture_default_str();
    cmd->add_option("--top-k,--top_k", a->top_k, "sample among the k most likely (0: all)")->capture_default_str();
    cmd->add_option("--seed", a->seed, "random seed")->capture_default_str();
    cmd->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
    cmd->add_option("--precision", a->precision, "fp32 | tf32 | bf16 on CUDA (the CPU is always fp32)")->capture_default_str();
    cmd->add_option("--threads", a->threads, "CPU threads (0: all cores)")->capture_default_str();
    cmd->callback([a]() {
        if (a->num_tokens < 0 || a->top_k < 0 || !(a->temperature > 0.0f))
            throw Error("--num-tokens and --top-k must be >= 0 and --temperature > 0");
        if (a->threads > 0) omp_set_num_threads(a->threads);
        ModelFile mf = load_model_any(a->model);
        std::string dir = a->data_dir.empty() ? data_dir_of_run(a->model) : a->data_dir;
        if (dir.empty())
            throw Error("no tokenizer to decode with", "pass --data-dir DIR (the directory nanogpt prepare wrote)");
        std::unique_ptr<Tokenizer> tok = load_tokenizer(dir);
        auto backend = make_backend(a->device, a->precision);
        GPT2 model(*backend, mf.config);
        model.load_params(mf.params);
        std::vector<int> prompt;
        if (!a->prompt.empty()) prompt = tok->encode(a->prompt);
        if (prompt.empty()) prompt = {tok->kind() == "gpt2" ? 50256 : tok->encode("\n").at(0)};
        SampleOptions so;
        so.num_tokens = a->num_tokens;
        so.temperature = a->temperature;
        so.top_k = a->top_k;
        so.seed = a->seed;
        std::printf("%s", a->prompt.c_str());
        generate(model, prompt, so, [&](int t) {
            std::string s = tok->decode_token(t);
            std::fwrite(s.data(), 1, s.size(), stdout);
            std::fflush(stdout);
        });
        std::printf("\n");
    });
}

}  // namespace nanogpt

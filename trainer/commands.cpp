#include "trainer/commands.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>

#include "common/config_file.h"
#include "common/error.h"
#include "data/tokenizer.h"
#include "trainer/checkpoint.h"
#include "trainer/token_dataset.h"
#include "trainer/device_options.h"
#include "trainer/generate.h"

namespace nanogpt {

namespace {
struct EvalArgs {
    std::string model, data;
    int batch_size = 4, seq_len = 64, max_batches = 0;
    DeviceChoice system;
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
    add_device_options(*cmd, a->system);
    cmd->callback([a]() {
        if (a->batch_size <= 0 || a->seq_len <= 0 || a->max_batches < 0)
            throw Error("--batch-size and --seq-len must be > 0, --max-batches >= 0");
        ModelFile mf = load_model_any(a->model);
        if (a->seq_len > mf.config.max_seq_len)
            throw Error("--seq-len " + std::to_string(a->seq_len) + " exceeds the model's maxT " +
                        std::to_string(mf.config.max_seq_len));
        TokenDataset data(a->data);
        if (data.max_token() >= mf.config.vocab_size)
            throw Error("shard '" + a->data + "' has token " + std::to_string(data.max_token()) +
                        " outside the model's vocabulary (V=" + std::to_string(mf.config.vocab_size) + ")");
        auto backend = a->system.make();
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
    std::string model, data_dir, prompt;
    int num_tokens = 256, top_k = 200;
    DeviceChoice system;
    float temperature = 0.8f;
    uint64_t seed = 1337;
};

// The data directory a run was trained on, from the config.toml `train` saves beside model.bin.
std::string data_dir_of_run(const std::string& model_path) {
    const auto values = read_config_values(
        (std::filesystem::path(model_path).parent_path() / "config.toml").string());
    if (auto it = values.find("data_dir"); it != values.end() && !it->second.empty()) return it->second;
    if (auto it = values.find("dataset"); it != values.end() && !it->second.empty()) return "data/" + it->second;
    return "";
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
    add_device_options(*cmd, a->system);
    cmd->callback([a]() {
        if (a->num_tokens < 0 || a->top_k < 0 || !(a->temperature > 0.0f))
            throw Error("--num-tokens and --top-k must be >= 0 and --temperature > 0");
        ModelFile mf = load_model_any(a->model);
        std::string dir = a->data_dir.empty() ? data_dir_of_run(a->model) : a->data_dir;
        if (dir.empty())
            throw Error("no tokenizer to decode with", "pass --data-dir DIR (the directory nanogpt prepare wrote)");
        std::unique_ptr<Tokenizer> tok = load_tokenizer(dir);
        auto backend = a->system.make();
        GPT2 model(*backend, mf.config);
        model.load_params(mf.params);
        std::vector<int> prompt;
        if (!a->prompt.empty()) prompt = tok->encode(a->prompt);
        if (prompt.empty()) prompt = {start_token(*tok)};
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

#include "trainer/viz_bridge.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "viz/viz_observer.h"

#ifndef NANOGPT_GIT_REVISION
#define NANOGPT_GIT_REVISION "unknown"
#endif
#ifndef NANOGPT_SOURCE_DIR
#define NANOGPT_SOURCE_DIR "."
#endif

namespace nanogpt {

std::unique_ptr<TrainingObserver> make_dashboard(const TrainConfig& cfg) {
    if (cfg.viz_off) return nullptr;
    viz::VizOptions o;
    o.interval = cfg.viz_interval;
    o.host = cfg.viz_host;
    o.port = cfg.viz_port;
    o.token = cfg.viz_token;
    o.runs_dir = cfg.viz_runs_dir;
    o.history_mb = (uint64_t)cfg.viz_history_mb;
    o.files = viz::dashboard_files(NANOGPT_SOURCE_DIR);
    for (const std::string& f : viz::missing_library_files(o.files))
        std::printf("warning: %s is missing, so the dashboard page cannot load: run `npm install` in %s "
                    "(scripts/setup.sh does it)\n", f.c_str(), NANOGPT_SOURCE_DIR);
    o.sampling.embedding_points = cfg.viz_embedding_points;
    o.sampling.grid = cfg.viz_grid;
    o.sampling.max_frame_bytes = (size_t)cfg.viz_max_frame_bytes;
    o.sampling.seed = cfg.seed;
    return viz::make_viz_observer(o);
}

ModelDesc describe_model(const GPT2& model, const TokenDataset* train, const Tokenizer* tokenizer) {
    const ModelConfig& c = model.config();
    ModelDesc d;
    d.L = c.num_layers;
    d.NH = c.num_heads;
    d.C = c.channels;
    d.V = c.vocab_size;
    d.Vp = c.padded_vocab_size;
    d.maxT = c.max_seq_len;
    for (const ParamTensorInfo& t : model.layout().tensors)
        d.tensors.push_back({t.name, t.offset, t.layers, t.rows, t.cols});
    if (train) {
        std::vector<std::pair<uint64_t, int>> counts(c.vocab_size);
        for (int i = 0; i < c.vocab_size; i++) counts[i] = {0, i};
        train->count_tokens([&](int token) { counts[token].first++; });
        std::stable_sort(counts.begin(), counts.end(), [](auto& a, auto& b) { return a.first > b.first; });
        for (auto& [n, token] : counts)
            if (n > 0) d.tokens_by_frequency.push_back(token);
    }
    if (tokenizer) {
        d.token_text.resize(c.vocab_size);
        for (int i = 0; i < c.vocab_size && i < tokenizer->vocab_size(); i++) {
            try {
                d.token_text[i] = tokenizer->decode_token(i);
            } catch (const std::exception&) {
            }
        }
    }
    return d;
}

std::string run_metadata_json(const TrainConfig& cfg, const std::string& config_toml,
                              const GPT2& model, const std::string& device) {
    const ModelConfig& c = model.config();
    char when[32];
    std::time_t t = std::time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("start_time"); w.String(when);
    w.Key("git_revision"); w.String(NANOGPT_GIT_REVISION);
    w.Key("device"); w.String(device.c_str());
    w.Key("data_dir"); w.String(cfg.resolved_data_dir().c_str());
    w.Key("out_dir"); w.String(cfg.out_dir.c_str());
    w.Key("model");
    w.StartObject();
    w.Key("L"); w.Int(c.num_layers);
    w.Key("NH"); w.Int(c.num_heads);
    w.Key("C"); w.Int(c.channels);
    w.Key("V"); w.Int(c.vocab_size);
    w.Key("Vp"); w.Int(c.padded_vocab_size);
    w.Key("maxT"); w.Int(c.max_seq_len);
    w.Key("params"); w.Uint64(model.num_params());
    w.EndObject();
    w.Key("train");
    w.StartObject();
    w.Key("batch_size"); w.Int(cfg.batch_size);
    w.Key("block_size"); w.Int(cfg.block_size);
    w.Key("gradient_accumulation_steps"); w.Int(cfg.gradient_accumulation_steps);
    w.Key("max_iters"); w.Int(cfg.max_iters);
    w.Key("learning_rate"); w.Double(cfg.learning_rate);
    w.Key("viz_interval"); w.Int(cfg.viz_interval);
    w.EndObject();
    w.Key("config_toml"); w.String(config_toml.c_str());
    w.EndObject();
    return sb.GetString();
}

std::unique_ptr<PendingCopy> HostParamReader::gather(const std::vector<uint64_t>& indices,
                                                     float* values, float* grads) {
    return model_.backend().gather_async(model_.params(), model_.grads(), indices.data(),
                                         indices.size(), values, grads);
}

}  // namespace nanogpt

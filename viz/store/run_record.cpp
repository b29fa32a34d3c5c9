// run_record.cpp: the run.json document (run_record.h).
#include "viz/store/run_record.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "viz/protocol.h"
#include "viz/store/files.h"

namespace nanogpt::viz::store {

std::string run_record_json(const RunInfo& run, const ModelDesc& m, int snapshot_interval) {
    rapidjson::StringBuffer sb;
    protocol::JsonWriter w(sb);
    auto str = [&](const char* key, const std::string& value) {
        w.Key(key);
        w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    };
    w.StartObject();
    str("start_time", utc_now_iso8601());
    str("git_revision", run.git_revision);
    str("device", run.device);
    str("device_name", run.device_name);
    str("precision", run.precision);
    w.Key("ranks"); w.Int(run.ranks);
    str("communicator", run.communicator);
    w.Key("zero_stage"); w.Int(run.zero_stage);
    str("data_dir", run.data_dir);
    str("out_dir", run.out_dir);
    w.Key("model");
    w.StartObject();
    protocol::write_model_fields(w, m);  // the shape hello and frames carry, then run.json's own
    w.Key("Vp"); w.Int(m.Vp);
    w.Key("params"); w.Uint64(run.params);
    w.EndObject();
    w.Key("train");
    w.StartObject();
    w.Key("batch_size"); w.Int(run.batch_size);
    w.Key("block_size"); w.Int(run.block_size);
    w.Key("gradient_accumulation_steps"); w.Int(run.gradient_accumulation_steps);
    w.Key("max_iters"); w.Int(run.max_iters);
    w.Key("learning_rate"); w.Double(run.learning_rate);
    w.Key("min_lr"); w.Double(run.min_lr);
    w.Key("decay_lr"); w.Bool(run.decay_lr);
    w.Key("warmup_iters"); w.Int(run.warmup_iters);
    w.Key("lr_decay_iters"); w.Int(run.lr_decay_iters);
    w.Key("weight_decay"); w.Double(run.weight_decay);
    w.Key("grad_clip"); w.Double(run.grad_clip);
    w.Key("dropout"); w.Double(run.dropout);
    w.Key("eval_interval"); w.Int(run.eval_interval);
    w.Key("viz_interval"); w.Int(snapshot_interval);
    w.EndObject();
    // n-gram levels of the data (nats/token): the loss chart's reference lines.
    w.Key("reference_levels");
    w.StartObject();
    auto level = [&](const char* key, const std::optional<double>& v) {
        if (!v) return;
        w.Key(key);
        w.Double(*v);
    };
    level("uniform", run.reference.uniform);
    level("unigram", run.reference.unigram);
    level("bigram", run.reference.bigram);
    level("trigram", run.reference.trigram);
    w.EndObject();
    str("config_toml", run.config_toml);
    w.EndObject();
    return sb.GetString();
}

}  // namespace nanogpt::viz::store

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
    w.Key("viz_interval"); w.Int(snapshot_interval);
    w.EndObject();
    str("config_toml", run.config_toml);
    w.EndObject();
    return sb.GetString();
}

}  // namespace nanogpt::viz::store

// offline.cpp: reading a recorded run for the insights engine, and replaying it (offline.h).
#include "viz/insights/offline.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include <rapidjson/document.h>

#include "common/config_file.h"
#include "common/error.h"
#include "common/file_io.h"
#include "viz/protocol.h"
#include "viz/store/files.h"

namespace nanogpt::viz::insights {
namespace {

namespace fs = std::filesystem;

double number(const rapidjson::Value& obj, const char* key, double fallback = 0) {
    if (!obj.IsObject()) return fallback;
    auto it = obj.FindMember(key);
    return it != obj.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble() : fallback;
}

std::optional<double> level(const rapidjson::Value& obj, const char* key) {
    const double v = number(obj, key, NAN);
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

void read_levels(const rapidjson::Value& obj, ReferenceLevels& r) {
    r.uniform = level(obj, "uniform");
    r.unigram = level(obj, "unigram");
    r.bigram = level(obj, "bigram");
    r.trigram = level(obj, "trigram");
}

// A metric that is present: a number, or null for a value that was not finite (the protocol
// writes NaN and infinities as null, docs/protocol.md).
std::optional<float> metric(const rapidjson::Value& obj, const char* key) {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd()) return std::nullopt;
    if (it->value.IsNumber()) return (float)it->value.GetDouble();
    if (it->value.IsNull()) return NAN;
    return std::nullopt;
}

// The per-layer (rows, cols) of GPT-2's tensors, as trainer/model_config.cpp lays them out.
// viz may not include the trainer's layout, and a run's record keeps the shape (L, C, Vp, maxT),
// not the layout, so the frames' tensor names are sized here.
std::pair<int, int> gpt2_tensor_shape(const std::string& name, const ModelDesc& m) {
    const int C = m.C;
    if (name == "wte") return {m.Vp, C};
    if (name == "wpe") return {m.maxT, C};
    if (name == "qkvw") return {3 * C, C};
    if (name == "qkvb") return {3 * C, 1};
    if (name == "attprojw") return {C, C};
    if (name == "fcw") return {4 * C, C};
    if (name == "fcb") return {4 * C, 1};
    if (name == "fcprojw") return {C, 4 * C};
    return {C, 1};  // LayerNorm weights and biases, attprojb, fcprojb
}

// ModelDesc.tensors from the frame's "stats" tensors (one per slab, ModelDesc order).
void describe_tensors(const Frame& f, ModelDesc& m) {
    m.tensors.clear();
    size_t offset = 0;
    for (const FrameTensor& t : f.tensors) {
        if (t.kind != "stats") continue;
        if (!m.tensors.empty() && m.tensors.back().name == t.field) {
            m.tensors.back().layers++;
            offset += (size_t)m.tensors.back().rows * m.tensors.back().cols;
            continue;
        }
        const auto [rows, cols] = gpt2_tensor_shape(t.field, m);
        m.tensors.push_back({t.field, offset, 1, rows, cols});
        offset += (size_t)rows * cols;
    }
}

void read_run_json(const std::string& path, RecordedRun& r) {
    if (!file_exists(path)) {
        r.notes.push_back("no run.json: the schedule is read from the lr series, clipping_active did not run "
                          "(grad_clip unknown), and there are no n-gram levels");
        return;
    }
    rapidjson::Document d;
    const std::string text = read_file(path);
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) throw Error(path + " is not a JSON object");
    if (auto it = d.FindMember("model"); it != d.MemberEnd()) {
        const rapidjson::Value& m = it->value;
        r.model.L = (int)number(m, "L");
        r.model.NH = (int)number(m, "NH");
        r.model.C = (int)number(m, "C");
        r.model.V = (int)number(m, "V");
        r.model.Vp = (int)number(m, "Vp");
        r.model.maxT = (int)number(m, "maxT");
        r.run.params = (uint64_t)number(m, "params");
    }
    if (auto it = d.FindMember("train"); it != d.MemberEnd()) {
        const rapidjson::Value& t = it->value;
        RunInfo& ri = r.run;
        ri.batch_size = (int)number(t, "batch_size");
        ri.block_size = (int)number(t, "block_size");
        ri.gradient_accumulation_steps = (int)number(t, "gradient_accumulation_steps");
        ri.max_iters = (int)number(t, "max_iters");
        ri.learning_rate = number(t, "learning_rate");
        ri.min_lr = number(t, "min_lr");
        ri.warmup_iters = (int)number(t, "warmup_iters");
        ri.lr_decay_iters = (int)number(t, "lr_decay_iters");
        ri.weight_decay = number(t, "weight_decay");
        ri.grad_clip = number(t, "grad_clip");
        ri.dropout = number(t, "dropout");
        ri.eval_interval = (int)number(t, "eval_interval");
        if (auto dl = t.FindMember("decay_lr"); dl != t.MemberEnd() && dl->value.IsBool()) ri.decay_lr = dl->value.GetBool();
        if (!t.HasMember("grad_clip"))
            r.notes.push_back("run.json has no schedule (recorded before issue 10): clipping_active did not run");
    }
    if (auto it = d.FindMember("reference_levels"); it != d.MemberEnd()) read_levels(it->value, r.run.reference);
    auto text_of = [&](const char* key, std::string& to) {
        if (auto it = d.FindMember(key); it != d.MemberEnd() && it->value.IsString()) to = it->value.GetString();
    };
    text_of("device", r.run.device);
    text_of("device_name", r.run.device_name);
    text_of("precision", r.run.precision);
    text_of("data_dir", r.run.data_dir);
    text_of("out_dir", r.run.out_dir);
    text_of("git_revision", r.run.git_revision);
}

void read_run_dir(const std::string& dir, RecordedRun& r) {
    read_run_json(store::join_path(dir, store::kRunFile), r);
    store::for_each_json_line(store::join_path(dir, store::kMetricsFile), [&](const rapidjson::Value& v,
                                                                               std::string_view) {
        auto type = v.FindMember("type");
        if (type != v.MemberEnd() && type->value.IsString() && std::string(type->value.GetString()) != "metrics")
            return;
        StepMetrics m;
        m.step = (int)number(v, "step");
        m.train_loss = metric(v, "train_loss");
        m.val_loss = metric(v, "val_loss");
        m.lr = metric(v, "lr");
        m.grad_norm = metric(v, "grad_norm");
        m.ms = metric(v, "ms");
        m.tokens_per_s = metric(v, "tokens_per_s");
        m.mfu = metric(v, "mfu");
        m.eval_train_loss = metric(v, "eval_train_loss");
        r.metrics.push_back(m);
    });
    for (const store::FrameFile& f : store::list_frames(store::join_path(dir, store::kFramesDir))) {
        r.frame_paths.push_back(f.path);
        r.frame_steps.push_back(f.step);
    }
}

// A cell of metrics.csv: empty is "not measured"; nan and inf read as themselves.
std::optional<float> cell(const std::string& text) {
    if (text.empty()) return std::nullopt;
    return (float)std::strtod(text.c_str(), nullptr);
}

std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(line);
    while (std::getline(in, item, ',')) out.push_back(item);
    if (!line.empty() && line.back() == ',') out.push_back("");
    return out;
}

// The schedule from the trainer's effective config.toml (the out_dir holds it beside metrics.csv).
void read_config(const std::string& path, RecordedRun& r) {
    const std::map<std::string, std::string> v = read_config_values(path);
    if (v.empty()) {
        r.notes.push_back("no config.toml beside metrics.csv: warm-up and annealing are read from the lr column, "
                          "clipping_active did not run (grad_clip unknown)");
        return;
    }
    auto num = [&](const char* key, double fallback) {
        auto it = v.find(key);
        return it == v.end() || it->second.empty() ? fallback : std::strtod(it->second.c_str(), nullptr);
    };
    RunInfo& ri = r.run;
    ri.learning_rate = num("learning_rate", 0);
    ri.min_lr = num("min_lr", 0);
    ri.warmup_iters = (int)num("warmup_iters", 0);
    ri.lr_decay_iters = (int)num("lr_decay_iters", 0);
    ri.max_iters = (int)num("max_iters", 0);
    ri.grad_clip = num("grad_clip", 0);
    ri.weight_decay = num("weight_decay", 0);
    ri.dropout = num("dropout", 0);
    ri.eval_interval = (int)num("eval_interval", 0);
    ri.batch_size = (int)num("batch_size", 0);
    ri.block_size = (int)num("block_size", 0);
    ri.gradient_accumulation_steps = (int)num("gradient_accumulation_steps", 1);
    if (auto it = v.find("decay_lr"); it != v.end()) ri.decay_lr = it->second != "false";
    r.model.L = (int)num("n_layer", 0);
    r.model.NH = (int)num("n_head", 0);
    r.model.C = (int)num("n_embd", 0);
    if (auto it = v.find("data_dir"); it != v.end()) ri.data_dir = it->second;
}

// <data_dir>/ngram_levels.json, as `nanogpt prepare` writes it (data/ngram_levels.h).
void read_data_levels(RecordedRun& r) {
    const std::string path = r.run.data_dir.empty() ? "" : store::join_path(r.run.data_dir, "ngram_levels.json");
    if (path.empty() || !file_exists(path)) return;
    rapidjson::Document d;
    const std::string text = read_file(path);
    d.Parse(text.data(), text.size());
    if (!d.HasParseError() && d.IsObject()) read_levels(d, r.run.reference);
}

void read_csv(const std::string& path, RecordedRun& r) {
    std::istringstream in(read_file(path));
    std::string line;
    if (!std::getline(in, line)) throw Error(path + " is empty");
    const std::vector<std::string> head = split_csv_line(line);
    auto col = [&](const char* name) -> int {
        auto it = std::find(head.begin(), head.end(), name);
        return it == head.end() ? -1 : (int)(it - head.begin());
    };
    const int c_step = col("step"), c_train = col("train_loss"), c_val = col("val_loss"), c_lr = col("lr"),
              c_norm = col("grad_norm"), c_ms = col("ms"), c_tok = col("tokens_per_s"), c_mfu = col("mfu");
    if (c_step < 0 || c_train < 0)
        throw Error(path + " has no step and train_loss columns",
                    "give the metrics.csv a training run writes (step,train_loss,val_loss,lr,grad_norm,...)");
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const std::vector<std::string> cells = split_csv_line(line);
        auto at = [&](int c) { return c >= 0 && c < (int)cells.size() ? cell(cells[c]) : std::nullopt; };
        StepMetrics m;
        m.step = std::atoi(cells[c_step].c_str());
        m.train_loss = at(c_train);
        m.val_loss = at(c_val);
        m.lr = at(c_lr);
        m.grad_norm = at(c_norm);
        m.ms = at(c_ms);
        m.tokens_per_s = at(c_tok);
        m.mfu = at(c_mfu);
        r.metrics.push_back(m);
    }
    read_config((fs::path(path).parent_path() / "config.toml").string(), r);
    read_data_levels(r);
    r.notes.push_back("metrics.csv has no eval train loss: gap_growing did not run, and overfitting compares "
                      "val with the smoothed per-step train loss");
    if (r.run.max_iters <= 0 && !r.metrics.empty()) r.run.max_iters = r.metrics.back().step;
}

}  // namespace

RecordedRun read_recorded_run(const std::string& path) {
    RecordedRun r;
    const bool dir = fs::is_directory(path);
    if (dir && file_exists(store::join_path(path, store::kMetricsFile))) {
        read_run_dir(path, r);
    } else if (dir && file_exists(store::join_path(path, "metrics.csv"))) {
        read_csv(store::join_path(path, "metrics.csv"), r);
    } else if (!dir && file_exists(path)) {
        read_csv(path, r);
    } else {
        throw Error("'" + path + "' is neither a run directory nor a metrics.csv",
                    "give runs/<session> (as training records it) or an out_dir's metrics.csv");
    }
    if (r.metrics.empty()) throw Error("'" + path + "' has no metrics");
    std::stable_sort(r.metrics.begin(), r.metrics.end(),
                     [](const StepMetrics& a, const StepMetrics& b) { return a.step < b.step; });
    const ReferenceLevels& ref = r.run.reference;
    if (!ref.unigram && !ref.bigram && !ref.trigram)
        r.notes.push_back("no n-gram levels for this data (prepare writes ngram_levels.json): level_crossed ran "
                          "for the uniform guess only, when the vocabulary is known");
    if (!ref.uniform && r.model.V <= 0)
        r.notes.push_back("the vocabulary is unknown: divergence 'worse than a uniform guess' did not run");
    return r;
}

namespace {
constexpr size_t kStatsBeforeSpectra = 10;  // mean .. hist_step (protocol::kStatNames)
}  // namespace

std::vector<TensorStats> stats_from_frame(const Frame& f, const ModelDesc& model) {
    std::vector<TensorStats> out;
    size_t desc = 0;
    int layer_in_desc = 0;
    for (size_t i = 0; i < f.tensors.size(); i++) {
        const FrameTensor& t = f.tensors[i];
        // Frames recorded before sigma_max and stable_rank were appended have 10 fields.
        if (t.kind != "stats" || t.data.size() < kStatsBeforeSpectra) continue;
        double n = 1;
        if (desc < model.tensors.size()) {
            const TensorDesc& d = model.tensors[desc];
            // wte's statistics cover the V real rows, not the padding (Vp).
            const int rows = d.name == "wte" && model.V > 0 ? model.V : d.rows;
            n = (double)rows * d.cols;
            if (++layer_in_desc == d.layers) {
                desc++;
                layer_in_desc = 0;
            }
        }
        const std::vector<float>& s = t.data;  // mean, std, min, max, rms, grad_rms, update_ratio, hist_lo, hist_hi
        TensorStats ts;
        ts.count = (uint64_t)n;
        ts.sum = (double)s[0] * n;
        ts.sumsq = (double)s[4] * s[4] * n;
        ts.grad_sumsq = (double)s[5] * s[5] * n;
        ts.update_sumsq = (double)s[6] * s[6] * ts.sumsq;
        ts.min = s[2];
        ts.max = s[3];
        ts.hist_lo = s[7];
        ts.hist_hi = s[8];
        if (s.size() > 10) ts.sigma_max = s[10];
        // The histogram follows its statistics in the frame (frame_builder.cpp).
        if (i + 1 < f.tensors.size() && f.tensors[i + 1].kind == "hist" && f.tensors[i + 1].field == t.field)
            for (int b = 0; b < TensorStats::kBins && b < (int)f.tensors[i + 1].data.size(); b++)
                ts.hist[b] = (uint32_t)f.tensors[i + 1].data[b];
        out.push_back(ts);
    }
    return out;
}

void replay(const RecordedRun& r, const Sink& sink, bool snapshots) {
    ModelDesc model = r.model;
    if (snapshots && !r.frame_paths.empty()) {
        try {
            describe_tensors(decode_frame(read_file(r.frame_paths.front())), model);
        } catch (const std::exception&) {
            snapshots = false;
        }
    }
    Engine engine(model, r.run, sink);
    size_t next_frame = 0;
    // Live, the snapshot of step s + 1 is taken inside step s, before that step's metrics are
    // reported: feed each frame before the metrics row of the step before it.
    auto feed_frames_until = [&](int step) {
        for (; snapshots && next_frame < r.frame_paths.size() && r.frame_steps[next_frame] <= step + 1; next_frame++) {
            try {
                const Frame f = decode_frame(read_file(r.frame_paths[next_frame]));
                const std::vector<TensorStats> stats = stats_from_frame(f, model);
                SnapshotView v;
                v.step = f.step;
                v.stats = &stats;
                engine.observe_snapshot(v);
            } catch (const Error&) {
                // a torn or foreign frame: its snapshot is skipped, as the live worker would
            }
        }
    };
    int last = 0;
    for (const StepMetrics& m : r.metrics) {
        feed_frames_until(m.step);
        engine.observe_metrics(m);
        last = std::max(last, m.step);
    }
    feed_frames_until(last + 1);
    engine.finish(last, true);
}

std::vector<Insight> latest_per_id(const std::vector<Insight>& sent) {
    std::vector<Insight> out;
    std::map<int, size_t> where;
    for (const Insight& in : sent) {
        auto it = where.find(in.id);
        if (it == where.end()) {
            where[in.id] = out.size();
            out.push_back(in);
        } else {
            out[it->second] = in;
        }
    }
    return out;
}

}  // namespace nanogpt::viz::insights

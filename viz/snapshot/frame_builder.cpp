#include "viz/snapshot/frame_builder.h"

#include <cmath>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "viz/protocol.h"

namespace nanogpt::viz::snapshot {

FrameBuilder::FrameBuilder(const ModelDesc& model, const SnapshotPlan& plan, std::string session)
    : model_(model), plan_(plan), session_(std::move(session)) {
    meta_ = meta_json();
}

// What the browser needs to label points and cells: token ids and text of the embedding
// points, positions, the rows/columns of each grid, the model shape, the stat names.
std::string FrameBuilder::meta_json() const {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("model");
    protocol::write_model_shape(w, model_);
    w.Key("stat_names");
    w.StartArray();
    for (const char* n : protocol::kStatNames) w.String(n);
    w.EndArray();
    w.Key("blocks");
    w.StartArray();
    for (const SnapshotBlock& b : plan_.blocks) {
        if (b.kind == SnapshotBlock::kVector) continue;
        w.StartObject();
        w.Key("name"); w.String(b.name.c_str());
        w.Key("layer"); w.Int(b.layer);
        w.Key("rows");
        w.StartArray();
        for (int r : b.row_ids) w.Int(r);
        w.EndArray();
        if (b.kind == SnapshotBlock::kGrid) {
            w.Key("cols");
            w.StartArray();
            for (int c : b.col_ids) w.Int(c);
            w.EndArray();
        }
        if (b.kind == SnapshotBlock::kEmbedding && !model_.token_text.empty()) {
            w.Key("text");
            w.StartArray();
            for (int r : b.row_ids)
                w.String(r < (int)model_.token_text.size() ? model_.token_text[r].c_str() : "");
            w.EndArray();
        }
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return sb.GetString();
}

Frame FrameBuilder::empty_frame() const {
    std::vector<float> zeros(plan_.indices.size(), 0.0f);
    std::vector<TensorStats> stats;
    for (const TensorDesc& t : model_.tensors) stats.resize(stats.size() + t.layers);
    FrameBuilder scratch = *this;  // build() advances the projectors; leave ours untouched
    return scratch.build(0, zeros, zeros, stats);
}

Frame FrameBuilder::build(int step, const std::vector<float>& values, const std::vector<float>& grads,
                          const std::vector<TensorStats>& stats, const std::vector<int>& hist_steps) {
    Frame f;
    f.session = session_;
    f.step = step;
    f.meta_json = meta_;
    auto add = [&](const std::string& name, const char* kind, int layer, const char* field,
                   std::vector<int> shape, bool quantize, std::vector<float> data) {
        f.tensors.push_back({name, kind, layer, field, std::move(shape), quantize, std::move(data)});
    };
    for (const SnapshotBlock& b : plan_.blocks) {
        const size_t n = (size_t)b.rows * b.cols;
        std::vector<float> v(values.begin() + b.start, values.begin() + b.start + n);
        std::vector<float> g(grads.begin() + b.start, grads.begin() + b.start + n);
        switch (b.kind) {
            case SnapshotBlock::kEmbedding:
            case SnapshotBlock::kPositions: {
                Projector& pr = b.kind == SnapshotBlock::kEmbedding ? wte_projector_ : wpe_projector_;
                std::vector<float> norm(b.rows), gnorm(b.rows);
                for (int r = 0; r < b.rows; r++) {
                    double a = 0, c = 0;
                    for (int k = 0; k < b.cols; k++) {
                        a += (double)v[(size_t)r * b.cols + k] * v[(size_t)r * b.cols + k];
                        c += (double)g[(size_t)r * b.cols + k] * g[(size_t)r * b.cols + k];
                    }
                    norm[r] = (float)std::sqrt(a);
                    gnorm[r] = (float)std::sqrt(c);
                }
                add(b.name, "points3d", -1, "xyz", {b.rows, 3}, false, pr.project(v, b.rows, b.cols));
                add(b.name, "rows", -1, "norm", {b.rows}, false, std::move(norm));
                add(b.name, "rows", -1, "grad_norm", {b.rows}, false, std::move(gnorm));
                break;
            }
            case SnapshotBlock::kGrid:
                add(b.name, "grid", b.layer, "value", {b.rows, b.cols}, true, std::move(v));
                add(b.name, "grid", b.layer, "grad", {b.rows, b.cols}, true, std::move(g));
                break;
            case SnapshotBlock::kVector:
                add(b.name, "vector", b.layer, "value", {b.cols}, true, std::move(v));
                add(b.name, "vector", b.layer, "grad", {b.cols}, true, std::move(g));
                break;
        }
    }
    // Exact statistics and histograms, one per layer of every tensor.
    size_t k = 0;
    for (const TensorDesc& t : model_.tensors) {
        for (int l = 0; l < t.layers; l++, k++) {
            const TensorStats& s = k < stats.size() ? stats[k] : TensorStats{};
            const bool global = t.name == "wte" || t.name == "wpe" || t.name == "lnfw" || t.name == "lnfb";
            const int layer = global ? -1 : l;
            double n = s.count > 0 ? (double)s.count : 1.0;
            double mean = s.sum / n, var = std::max(0.0, s.sumsq / n - mean * mean);
            double rms = std::sqrt(s.sumsq / n);
            std::vector<float> row = {(float)mean, (float)std::sqrt(var), s.min, s.max, (float)rms,
                                      (float)std::sqrt(s.grad_sumsq / n),
                                      (float)(s.sumsq > 0 ? std::sqrt(s.update_sumsq / s.sumsq) : 0.0),
                                      s.hist_lo, s.hist_hi,
                                      (float)(k < hist_steps.size() ? hist_steps[k] : step),
                                      s.sigma_max,
                                      (float)(s.sigma_max > 0 ? s.sumsq / ((double)s.sigma_max * s.sigma_max) : 0.0)};
            add("stats", "stats", layer, t.name.c_str(), {protocol::kNumStats}, false, std::move(row));
            std::vector<float> hist(TensorStats::kBins);
            for (int b = 0; b < TensorStats::kBins; b++) hist[b] = (float)s.hist[b];
            add("hist", "hist", layer, t.name.c_str(), {TensorStats::kBins}, false, std::move(hist));
        }
    }
    return f;
}

}  // namespace nanogpt::viz::snapshot

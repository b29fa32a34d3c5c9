// probe_record.cpp: the probe's record (contract in probe_record.h, layout in docs/protocol.md).
#include "viz/insights/probe_record.h"

#include <algorithm>

#include "viz/protocol.h"

namespace nanogpt::viz::insights {

namespace {

size_t triangle(int T) { return (size_t)T * (T + 1) / 2; }

struct ShownRow {
    const char* role;  // "text", "repeat": the tensors' field
    int row;
};

std::vector<ShownRow> shown_rows(const ProbeScores& s) {
    std::vector<ShownRow> rows;
    if (s.val_rows > 0) rows.push_back({"text", 0});
    if (s.repeat_row >= 0) rows.push_back({"repeat", s.repeat_row});
    return rows;
}

std::string meta_json(const ModelDesc& model, const ProbeResult& p, const ProbeScores& s,
                      const std::vector<ShownRow>& rows, const std::vector<int>& layers) {
    rapidjson::StringBuffer sb;
    protocol::JsonWriter w(sb);
    w.StartObject();
    w.Key("model");
    protocol::write_model_shape(w, model);
    w.Key("probe");
    w.StartObject();
    w.Key("B"); w.Int(p.B);
    w.Key("T"); w.Int(p.T);
    w.Key("R"); w.Int(s.R);
    w.Key("layers");
    w.StartArray();
    for (int l : layers) w.Int(l);
    w.EndArray();
    w.Key("packing"); w.String("lower");
    w.Key("ms"); w.Double(p.ms);
    w.Key("rows");
    w.StartArray();
    for (const ShownRow& r : rows) {
        w.StartObject();
        w.Key("role"); w.String(r.role);
        w.Key("row"); w.Int(r.row);
        if (r.row == s.repeat_row) {
            w.Key("period"); w.Int(s.R);
        }
        const int* tokens = p.tokens.data() + (size_t)r.row * p.T;
        w.Key("tokens");
        w.StartArray();
        for (int t = 0; t < p.T; t++) w.Int(tokens[t]);
        w.EndArray();
        if (!model.token_text.empty()) {
            w.Key("text");
            w.StartArray();
            for (int t = 0; t < p.T; t++) {
                const int id = tokens[t];
                const std::string& text = id >= 0 && (size_t)id < model.token_text.size() ? model.token_text[id] : "";
                w.String(text.data(), (rapidjson::SizeType)text.size());
            }
            w.EndArray();
        }
        w.EndObject();
    }
    w.EndArray();
    w.Key("scores");
    w.StartObject();
    protocol::write_probe_scores(w, s);
    w.EndObject();
    w.EndObject();
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace

std::vector<int> probe_record_layers(int L, int NH, int T) {
    const size_t per_layer = (size_t)NH * kProbeShownRows * triangle(T);
    const int fit = per_layer > 0 ? (int)std::min<size_t>(L, kProbeAttentionBudget / per_layer) : L;
    std::vector<int> layers;
    if (fit >= L) {
        for (int l = 0; l < L; l++) layers.push_back(l);
        return layers;
    }
    if (fit <= 1) return {0};
    for (int i = 0; i < fit; i++) {
        const int l = (int)((long long)i * (L - 1) / (fit - 1));
        if (layers.empty() || layers.back() != l) layers.push_back(l);
    }
    return layers;
}

Frame probe_record(const std::string& session, const ModelDesc& model, const ProbeResult& p, const ProbeScores& s) {
    const std::vector<ShownRow> rows = shown_rows(s);
    const std::vector<int> layers = probe_record_layers(p.L, p.NH, p.T);
    Frame f;
    f.session = session;
    f.step = p.step;
    const size_t B = p.B, T = p.T, NH = p.NH;
    for (int l : layers)
        for (const ShownRow& r : rows) {
            FrameTensor t;
            t.name = "att";
            t.kind = "attention";
            t.layer = l;
            t.field = r.role;
            t.shape = {p.NH, (int)triangle(p.T)};
            t.quantize = true;
            t.data.reserve(NH * triangle(p.T));
            for (size_t h = 0; h < NH; h++) {
                const float* att = p.att.data() + (((size_t)l * B + r.row) * NH + h) * T * T;
                for (size_t q = 0; q < T; q++) t.data.insert(t.data.end(), att + q * T, att + q * T + q + 1);
            }
            f.tensors.push_back(std::move(t));
        }
    for (const ShownRow& r : rows) {
        FrameTensor t;
        t.name = "loss";
        t.kind = "rows";
        t.field = r.role;
        t.shape = {p.T};
        t.data.assign(p.losses.begin() + (size_t)r.row * T, p.losses.begin() + (size_t)(r.row + 1) * T);
        f.tensors.push_back(std::move(t));
    }
    for (int l = 0; l < p.L && s.val_rows > 0; l++) {
        FrameTensor t;
        t.name = "fc_active";
        t.kind = "rows";
        t.layer = l;
        t.field = "share";
        t.shape = {s.units};
        t.quantize = true;
        t.data.assign(s.active_share.begin() + (size_t)l * s.units, s.active_share.begin() + (size_t)(l + 1) * s.units);
        f.tensors.push_back(std::move(t));
    }
    f.meta_json = meta_json(model, p, s, rows, layers);
    return f;
}

}  // namespace nanogpt::viz::insights

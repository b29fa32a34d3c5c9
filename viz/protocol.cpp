// protocol.cpp: the hub's messages (contract in protocol.h, docs/protocol.md).
#include "viz/protocol.h"

#include <cmath>

#include <rapidjson/document.h>

namespace nanogpt::viz::protocol {
namespace {

template <typename F>
std::string object(F&& fill) {
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    fill(w);
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

void string(JsonWriter& w, const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void optional_float(JsonWriter& w, const char* key, const std::optional<float>& v) {
    if (!v) return;
    w.Key(key);
    if (std::isfinite(*v)) w.Double(*v);
    else w.Null();  // JSON has no NaN/inf
}

}  // namespace

const char* event_kind_name(EventKind kind) {
    switch (kind) {
        case EventKind::Eval: return "eval";
        case EventKind::Sample: return "sample";
        case EventKind::Checkpoint: return "checkpoint";
        case EventKind::Info: return "info";
        case EventKind::Interrupted: return "interrupted";
    }
    return "info";
}

const char* run_end_name(RunEnd how) {
    switch (how) {
        case RunEnd::Finished: return "finished";
        case RunEnd::Interrupted: return "interrupted";
        case RunEnd::Stopped: return "stopped";
    }
    return "stopped";
}

void write_model_fields(JsonWriter& w, const ModelDesc& m) {
    w.Key("L"); w.Int(m.L);
    w.Key("NH"); w.Int(m.NH);
    w.Key("C"); w.Int(m.C);
    w.Key("V"); w.Int(m.V);
    w.Key("maxT"); w.Int(m.maxT);
}

void write_model_shape(JsonWriter& w, const ModelDesc& m) {
    w.StartObject();
    write_model_fields(w, m);
    w.EndObject();
}

std::string hello(const LiveHello& h) {
    return object([&](JsonWriter& w) {
        string(w, "type", "hello");
        w.Key("protocol"); w.Int(kVersion);
        string(w, "session", h.session);
        w.Key("live"); w.Bool(h.live);
        w.Key("step"); w.Int(h.step);
        w.Key("interval"); w.Int(h.interval);
        w.Key("frame_bytes"); w.Uint64(h.frame_bytes);
        w.Key("model");
        if (h.model) write_model_shape(w, *h.model);
        else w.Null();
    });
}

std::string hello_recorded(std::string_view sessions_json) {
    return object([&](JsonWriter& w) {
        string(w, "type", "hello");
        w.Key("protocol"); w.Int(kVersion);
        w.Key("live"); w.Bool(false);
        w.Key("session"); w.Null();
        w.Key("sessions");
        w.RawValue(sessions_json.data(), sessions_json.size(), rapidjson::kObjectType);
    });
}

std::string sessions_changed(std::string_view sessions_json) {
    rapidjson::Document doc;
    doc.Parse(sessions_json.data(), sessions_json.size());
    return object([&](JsonWriter& w) {
        string(w, "type", "sessions");
        w.Key("sessions");
        if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("sessions") && doc["sessions"].IsArray())
            doc["sessions"].Accept(w);
        else
            w.StartArray(), w.EndArray();
    });
}

std::string metrics(std::string_view session, const StepMetrics& m) {
    return object([&](JsonWriter& w) {
        string(w, "type", "metrics");
        string(w, "session", session);
        w.Key("step"); w.Int(m.step);
        optional_float(w, "train_loss", m.train_loss);
        optional_float(w, "val_loss", m.val_loss);
        optional_float(w, "lr", m.lr);
        optional_float(w, "grad_norm", m.grad_norm);
        optional_float(w, "ms", m.ms);
        optional_float(w, "tokens_per_s", m.tokens_per_s);
        optional_float(w, "mfu", m.mfu);
        optional_float(w, "eval_train_loss", m.eval_train_loss);
    });
}

std::string event(std::string_view session, int step, EventKind kind, std::string_view text) {
    return object([&](JsonWriter& w) {
        string(w, "type", "event");
        string(w, "session", session);
        w.Key("step"); w.Int(step);
        string(w, "kind", event_kind_name(kind));
        string(w, "text", text);
    });
}

std::string frame_notice(std::string_view session, int step, size_t bytes, int64_t ready_us) {
    return object([&](JsonWriter& w) {
        string(w, "type", "frame");
        string(w, "session", session);
        w.Key("step"); w.Int(step);
        w.Key("bytes"); w.Uint64(bytes);
        w.Key("ready_us"); w.Int64(ready_us);
    });
}

const char* insight_kind_name(insights::Kind kind) {
    using K = insights::Kind;
    switch (kind) {
        case K::WarmUp: return "warmup";
        case K::RapidDescent: return "rapid_descent";
        case K::Slowdown: return "slowdown";
        case K::Shoulder: return "shoulder";
        case K::PowerLaw: return "power_law";
        case K::Annealing: return "annealing";
        case K::Phase: return "phase";
        case K::LevelCrossed: return "level_crossed";
        case K::LossSpike: return "loss_spike";
        case K::GradSpike: return "grad_spike";
        case K::Instability: return "instability";
        case K::ClippingActive: return "clipping_active";
        case K::Divergence: return "divergence";
        case K::Overfitting: return "overfitting";
        case K::GapGrowing: return "gap_growing";
        case K::UpdateRatioOutlier: return "update_ratio_outlier";
        case K::WeightGrowth: return "weight_growth";
        case K::VanishingGradient: return "vanishing_gradient";
        case K::ExplodingGradient: return "exploding_gradient";
        case K::GradientImbalance: return "gradient_imbalance";
        case K::EmbeddingClusters: return "embedding_clusters";
        case K::FrequencyDirection: return "frequency_direction";
        case K::RankCollapse: return "rank_collapse";
        case K::SpectralAlpha: return "spectral_alpha";
        case K::AttentionCollapse: return "attention_collapse";
        case K::PreviousTokenHead: return "previous_token_head";
        case K::InductionHead: return "induction_head";
        case K::DeadUnits: return "dead_units";
    }
    return "unknown";
}

const char* severity_name(insights::Severity s) {
    switch (s) {
        case insights::Severity::Info: return "info";
        case insights::Severity::Notice: return "notice";
        case insights::Severity::Warning: return "warning";
        case insights::Severity::Critical: return "critical";
    }
    return "info";
}

std::string insight(std::string_view session, const insights::Insight& in) {
    return object([&](JsonWriter& w) {
        string(w, "type", "insight");
        string(w, "session", session);
        w.Key("id"); w.Int(in.id);
        string(w, "kind", insight_kind_name(in.kind));
        w.Key("step"); w.Int(in.step_start);
        w.Key("step_end"); w.Int(in.step_end);
        w.Key("open"); w.Bool(in.open);
        string(w, "severity", severity_name(in.severity));
        string(w, "subject", in.subject);
        string(w, "title", in.title);
        w.Key("evidence");
        w.StartObject();
        for (const auto& [name, value] : in.evidence) {
            w.Key(name.c_str());
            if (std::isfinite(value)) w.Double(value);
            else w.Null();
        }
        w.EndObject();
        string(w, "explanation", in.explanation);
        w.Key("causes");
        w.StartArray();
        for (const std::string& c : in.causes) w.String(c.c_str());
        w.EndArray();
        w.Key("try");
        w.StartArray();
        for (const std::string& t : in.tries) w.String(t.c_str());
        w.EndArray();
    });
}

namespace {

// Scores travel with 4 decimals (they are shares and nats); not finite: null.
void score(JsonWriter& w, double v) {
    if (std::isfinite(v)) w.Double(std::round(v * 1e4) / 1e4);
    else w.Null();
}

template <typename V>
void scores(JsonWriter& w, const char* key, const std::vector<V>& values) {
    w.Key(key);
    w.StartArray();
    for (V v : values) score(w, (double)v);
    w.EndArray();
}

}  // namespace

void write_probe_scores(JsonWriter& w, const insights::ProbeScores& s) {
    w.Key("heads");
    w.StartObject();
    scores(w, "entropy", s.entropy);
    scores(w, "prev_token", s.prev_token);
    scores(w, "first_token", s.first_token);
    scores(w, "induction", s.induction);
    w.EndObject();
    w.Key("mlp");
    w.StartObject();
    scores(w, "dead", s.dead);
    scores(w, "saturated", s.saturated);
    w.EndObject();
    w.Key("loss");
    w.StartObject();
    w.Key("text"); score(w, s.loss_text);
    w.Key("early"); score(w, s.loss_early);
    w.Key("late"); score(w, s.loss_late);
    w.Key("in_context_gain"); score(w, s.in_context_gain);
    w.Key("repeat_first"); score(w, s.repeat_first);
    w.Key("repeat_second"); score(w, s.repeat_second);
    w.EndObject();
}

std::string probe(std::string_view session, const insights::ProbeScores& s, size_t record_bytes) {
    return object([&](JsonWriter& w) {
        string(w, "type", "probe");
        string(w, "session", session);
        w.Key("step"); w.Int(s.step);
        w.Key("bytes"); w.Uint64(record_bytes);
        w.Key("ms"); score(w, s.ms);
        w.Key("B"); w.Int(s.B);
        w.Key("T"); w.Int(s.T);
        w.Key("L"); w.Int(s.L);
        w.Key("NH"); w.Int(s.NH);
        w.Key("units"); w.Int(s.units);
        w.Key("R"); w.Int(s.R);
        write_probe_scores(w, s);
    });
}

std::string pong() {
    return object([](JsonWriter& w) { string(w, "type", "pong"); });
}

std::string subscribed(std::string_view session) {
    return object([&](JsonWriter& w) {
        string(w, "type", "subscribed");
        string(w, "session", session);
    });
}

std::string error(std::string_view message) {
    return object([&](JsonWriter& w) {
        string(w, "type", "error");
        string(w, "message", message);
    });
}

}  // namespace nanogpt::viz::protocol

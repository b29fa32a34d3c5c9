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

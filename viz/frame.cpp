// frame.cpp: the binary frame codec (layout in frame.h and docs/protocol.md).
#include "viz/frame.h"

#include <cmath>
#include <cstring>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/error.h"

namespace nanogpt::viz {

namespace {

constexpr size_t kPrefixBytes = 12;

size_t count_of(const std::vector<int>& shape) {
    size_t n = 1;
    for (int d : shape) n *= (size_t)d;
    return n;
}

size_t align4(size_t n) { return (n + 3) / 4 * 4; }

size_t data_bytes(const FrameTensor& t) { return align4(count_of(t.shape) * (t.quantize ? 1 : 4)); }

// The JSON header; `offsets` is filled with each tensor's data offset.
std::string header_json(const Frame& f, std::vector<size_t>& offsets, std::vector<float>& scales) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("session");
    w.String(f.session.c_str());
    w.Key("step");
    w.Int(f.step);
    w.Key("tensors");
    w.StartArray();
    size_t off = 0;
    offsets.clear();
    scales.clear();
    for (const FrameTensor& t : f.tensors) {
        if (t.data.size() != count_of(t.shape))
            throw Error("frame tensor " + t.name + "." + t.field + " has " + std::to_string(t.data.size()) +
                        " values for its shape");
        float scale = 1.0f;
        if (t.quantize) {
            float maxabs = 0.0f;
            for (float v : t.data)
                if (std::isfinite(v)) maxabs = std::max(maxabs, std::fabs(v));
            scale = maxabs > 0.0f ? maxabs / 127.0f : 1.0f;
        }
        offsets.push_back(off);
        scales.push_back(scale);
        w.StartObject();
        w.Key("name"); w.String(t.name.c_str());
        w.Key("kind"); w.String(t.kind.c_str());
        w.Key("layer"); w.Int(t.layer);
        w.Key("field"); w.String(t.field.c_str());
        w.Key("dtype"); w.String(t.quantize ? "i8" : "f32");
        w.Key("shape");
        w.StartArray();
        for (int d : t.shape) w.Int(d);
        w.EndArray();
        w.Key("offset"); w.Uint64(off);
        w.Key("bytes"); w.Uint64(count_of(t.shape) * (t.quantize ? 1 : 4));
        w.Key("scale"); w.Double(scale);
        w.EndObject();
        off += data_bytes(t);
    }
    w.EndArray();
    w.Key("meta");
    w.RawValue(f.meta_json.c_str(), f.meta_json.size(), rapidjson::kObjectType);
    w.EndObject();
    std::string h = sb.GetString();
    h.resize(align4(h.size()), ' ');
    return h;
}

}  // namespace

size_t encoded_frame_size(const Frame& frame) {
    std::vector<size_t> offsets;
    std::vector<float> scales;
    size_t n = kPrefixBytes + header_json(frame, offsets, scales).size();
    for (const FrameTensor& t : frame.tensors) n += data_bytes(t);
    return n;
}

std::string encode_frame(const Frame& frame) {
    std::vector<size_t> offsets;
    std::vector<float> scales;
    std::string header = header_json(frame, offsets, scales);
    size_t total = kPrefixBytes + header.size();
    for (const FrameTensor& t : frame.tensors) total += data_bytes(t);
    std::string out(total, '\0');
    uint32_t magic = kFrameMagic, hlen = (uint32_t)header.size();
    uint16_t version = kFrameVersion, reserved = 0;
    std::memcpy(&out[0], &magic, 4);
    std::memcpy(&out[4], &version, 2);
    std::memcpy(&out[6], &reserved, 2);
    std::memcpy(&out[8], &hlen, 4);
    std::memcpy(&out[kPrefixBytes], header.data(), header.size());
    char* data = &out[kPrefixBytes + header.size()];
    for (size_t i = 0; i < frame.tensors.size(); i++) {
        const FrameTensor& t = frame.tensors[i];
        char* dst = data + offsets[i];
        if (!t.quantize) {
            std::memcpy(dst, t.data.data(), t.data.size() * 4);
            continue;
        }
        for (size_t j = 0; j < t.data.size(); j++) {
            float q = std::isfinite(t.data[j]) ? std::round(t.data[j] / scales[i]) : 0.0f;
            q = std::max(-127.0f, std::min(127.0f, q));
            dst[j] = (char)(int8_t)q;
        }
    }
    return out;
}

namespace {

// Decodes the prefix and header in `head`, checking every tensor against a frame of
// `total_bytes`; the tensors' values are read only when `with_data` (then head is the frame).
Frame decode(std::string_view head, uint64_t total_bytes, bool with_data) {
    if (total_bytes < kPrefixBytes || head.size() < kPrefixBytes)
        throw Error("frame is too short (" + std::to_string(total_bytes) + " bytes)");
    uint32_t magic, hlen;
    uint16_t version;
    std::memcpy(&magic, &head[0], 4);
    std::memcpy(&version, &head[4], 2);
    std::memcpy(&hlen, &head[8], 4);
    if (magic != kFrameMagic) throw Error("not a frame (wrong magic)");
    if (version != kFrameVersion) throw Error("frame version " + std::to_string(version) + " is not supported");
    if (hlen > total_bytes - kPrefixBytes || hlen > head.size() - kPrefixBytes)
        throw Error("frame header length exceeds the frame");
    rapidjson::Document doc;
    doc.Parse(head.data() + kPrefixBytes, hlen);
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("tensors") || !doc["tensors"].IsArray() ||
        !doc.HasMember("step") || !doc["step"].IsInt() || !doc.HasMember("session") || !doc["session"].IsString())
        throw Error("frame header is not valid JSON of the expected shape");
    Frame f;
    f.session = doc["session"].GetString();
    f.step = doc["step"].GetInt();
    if (doc.HasMember("meta")) {
        rapidjson::StringBuffer sb;
        rapidjson::Writer<rapidjson::StringBuffer> w(sb);
        doc["meta"].Accept(w);
        f.meta_json = sb.GetString();
    }
    const char* data = head.data() + kPrefixBytes + hlen;
    const uint64_t data_size = total_bytes - kPrefixBytes - hlen;
    for (auto& jt : doc["tensors"].GetArray()) {
        auto str = [&](const char* k) -> std::string {
            if (!jt.HasMember(k) || !jt[k].IsString()) throw Error(std::string("frame tensor lacks '") + k + "'");
            return jt[k].GetString();
        };
        FrameTensor t;
        t.name = str("name");
        t.kind = str("kind");
        t.field = str("field");
        std::string dtype = str("dtype");
        if (!jt.HasMember("layer") || !jt["layer"].IsInt() || !jt.HasMember("shape") || !jt["shape"].IsArray() ||
            !jt.HasMember("offset") || !jt["offset"].IsUint64() || !jt.HasMember("scale") || !jt["scale"].IsNumber())
            throw Error("frame tensor " + t.name + " has a malformed description");
        t.layer = jt["layer"].GetInt();
        for (auto& d : jt["shape"].GetArray()) {
            if (!d.IsInt() || d.GetInt() < 0) throw Error("frame tensor " + t.name + " has a bad shape");
            t.shape.push_back(d.GetInt());
        }
        t.quantize = dtype == "i8";
        if (!t.quantize && dtype != "f32") throw Error("frame tensor " + t.name + " has unknown dtype " + dtype);
        size_t n = count_of(t.shape), off = jt["offset"].GetUint64(), nbytes = n * (t.quantize ? 1 : 4);
        if (off > data_size || nbytes > data_size - off)
            throw Error("frame tensor " + t.name + " lies outside the frame's data");
        if (with_data) {
            float scale = (float)jt["scale"].GetDouble();
            t.data.resize(n);
            if (t.quantize) {
                for (size_t j = 0; j < n; j++) t.data[j] = (float)(int8_t)data[off + j] * scale;
            } else {
                std::memcpy(t.data.data(), data + off, nbytes);
            }
        }
        f.tensors.push_back(std::move(t));
    }
    return f;
}

}  // namespace

Frame decode_frame(const std::string& bytes) { return decode(bytes, bytes.size(), true); }

std::string frame_header_problem(std::string_view head, uint64_t total_bytes) {
    try {
        decode(head, total_bytes, false);
        return "";
    } catch (const Error& e) {
        return e.what();
    }
}

}  // namespace nanogpt::viz

// safetensors.cpp: arrays -> safetensors (https://github.com/huggingface/safetensors):
// u64 little-endian N, N bytes of JSON header (padded with spaces to a multiple of 8), then
// the data; each header entry's data_offsets [begin, end) count from the end of the header.
#include <bit>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "viz/export/formats.h"
#include "viz/export/output.h"

namespace nanogpt::viz::exporting {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

std::string header_json(const std::vector<ExportArray>& arrays, const std::string& session) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("__metadata__");
    w.StartObject();
    w.Key("session");
    w.String(session.data(), static_cast<rapidjson::SizeType>(session.size()));
    w.EndObject();
    uint64_t offset = 0;
    for (const ExportArray& a : arrays) {
        w.Key(a.name.data(), static_cast<rapidjson::SizeType>(a.name.size()));
        w.StartObject();
        w.Key("dtype");
        w.String(a.dtype == DType::F32 ? "F32" : "I32");
        w.Key("shape");
        w.StartArray();
        for (int64_t d : a.shape) w.Int64(d);
        w.EndArray();
        w.Key("data_offsets");
        w.StartArray();
        w.Uint64(offset);
        offset += a.bytes();
        w.Uint64(offset);
        w.EndArray();
        w.EndObject();
    }
    w.EndObject();
    std::string header = sb.GetString();
    header.append((8 - header.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
    return header;
}

}  // namespace

void write_safetensors(const std::vector<ExportArray>& arrays, const std::string& session,
                       const std::string& out_path) {
    const std::string header = header_json(arrays, session);
    const uint64_t length = header.size();
    AtomicOutputFile out(out_path);
    out.write(&length, sizeof length);
    out.write(header);
    for (const ExportArray& a : arrays) out.write(a.data(), a.bytes());
    out.commit();
}

}  // namespace nanogpt::viz::exporting

// files.cpp: names and listings of runs/<session>/ (see viz/store/files.h).
#include "viz/store/files.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/file_io.h"
#include "viz/frame.h"

namespace nanogpt::viz::store {

namespace fs = std::filesystem;

std::string frame_file_name(int step) {
    char name[32];
    std::snprintf(name, sizeof name, "%09d.bin", step);
    return name;
}

std::optional<int> parse_frame_file_name(std::string_view name) {
    constexpr std::string_view kSuffix = ".bin";
    if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
    std::string_view digits = name.substr(0, name.size() - kSuffix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    int step = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), step);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return step;
}

std::vector<FrameFile> list_frames(const std::string& frames_dir) {
    std::vector<FrameFile> frames;
    std::error_code ec;
    fs::directory_iterator it(frames_dir, ec);
    if (ec) return frames;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) break;
        std::optional<int> step = parse_frame_file_name(it->path().filename().string());
        if (!step) continue;
        // The store may prune this frame between listing and stat: then it is simply gone.
        std::error_code size_ec;
        uint64_t bytes = fs::file_size(it->path(), size_ec);
        if (size_ec) continue;
        frames.push_back({*step, bytes, it->path().string()});
    }
    std::sort(frames.begin(), frames.end(),
              [](const FrameFile& a, const FrameFile& b) { return a.step < b.step; });
    return frames;
}

size_t for_each_json_line(const std::string& path,
                          const std::function<void(const rapidjson::Value&, std::string_view)>& fn) {
    if (!file_exists(path)) return 0;
    std::string text;
    try {
        text = read_file(path);
    } catch (const std::exception&) {
        return 0;  // vanished or unreadable: no lines, as for a missing file
    }
    size_t skipped = 0;
    size_t begin = 0;
    while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + begin, end - begin);
        begin = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        rapidjson::Document doc;
        doc.Parse(line.data(), line.size());
        if (doc.HasParseError() || !doc.IsObject()) {
            ++skipped;
            continue;
        }
        fn(doc, line);
    }
    return skipped;
}

std::string frame_file_problem(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return "cannot be opened";
    std::string head(12, '\0');
    const size_t got = std::fread(head.data(), 1, head.size(), f);
    std::error_code ec;
    const uint64_t size = fs::file_size(path, ec);
    std::string problem;
    if (got == head.size() && !ec) {
        uint32_t hlen = 0;
        std::memcpy(&hlen, &head[8], 4);
        // A header is a few KiB; a larger length is garbage or a truncated file, which the check says.
        const uint64_t want = std::min<uint64_t>(std::min<uint64_t>(hlen, 16u << 20), size - 12);
        head.resize(12 + want);
        head.resize(12 + std::fread(head.data() + 12, 1, want, f));
        problem = frame_header_problem(head, size);
    } else {
        problem = "frame is too short (" + std::to_string(got) + " bytes)";
    }
    std::fclose(f);
    return problem;
}

std::set<int> read_annotated(const std::string& path) {
    std::set<int> steps;
    if (!file_exists(path)) return steps;
    std::string text;
    try {
        text = read_file(path);
    } catch (const std::exception&) {
        return steps;
    }
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("steps") || !doc["steps"].IsArray())
        return steps;
    for (const auto& v : doc["steps"].GetArray())
        if (v.IsInt()) steps.insert(v.GetInt());
    return steps;
}

std::string annotated_json(const std::set<int>& steps) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("steps");
    w.StartArray();
    for (int s : steps) w.Int(s);
    w.EndArray();
    w.EndObject();
    return sb.GetString();
}

std::string utc_now_iso8601() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

std::string join_path(const std::string& dir, const std::string& name) {
    if (dir.empty() || dir.back() == '/') return dir + name;
    return dir + "/" + name;
}

}  // namespace nanogpt::viz::store

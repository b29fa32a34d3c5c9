// resume.cpp: finding and continuing the session of a resumed run (resume.h).
#include "viz/store/resume.h"

#include <filesystem>
#include <set>
#include <tuple>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/error.h"
#include "common/file_io.h"
#include "viz/session_id.h"
#include "viz/store/files.h"
#include "viz/store/liveness.h"

namespace nanogpt::viz::store {
namespace {

namespace fs = std::filesystem;

std::optional<rapidjson::Document> read_json(const std::string& path) {
    std::string text;
    try {
        if (!file_exists(path)) return std::nullopt;
        text = read_file(path);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    return doc;
}

std::string member(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

std::string normal_path(const std::string& p) {
    std::error_code ec;
    const fs::path abs = fs::absolute(p, ec);
    return (ec ? fs::path(p) : abs).lexically_normal().string();
}

// Rewrites a JSONL file keeping the lines whose "step" is below `limit` (torn lines go too).
void keep_lines_before(const std::string& path, int limit) {
    if (!file_exists(path)) return;
    std::string kept;
    for_each_json_line(path, [&](const rapidjson::Value& line, std::string_view text) {
        auto step = line.FindMember("step");
        if (step == line.MemberEnd() || !step->value.IsInt() || step->value.GetInt() < limit) {
            kept.append(text);
            kept += '\n';
        }
    });
    write_file_atomic(path, kept.data(), kept.size());
}

std::string to_json(const rapidjson::Value& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return sb.GetString();
}

}  // namespace

std::optional<std::string> resumable_session(const std::string& runs_dir, const std::string& out_dir) {
    const std::string want = normal_path(out_dir);
    std::optional<std::string> best;
    std::string best_start;
    std::error_code ec;
    fs::directory_iterator it(runs_dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string id = it->path().filename().string();
        if (!valid_session_id(id)) continue;
        const std::string dir = it->path().string();
        const std::optional<rapidjson::Document> run = read_json(join_path(dir, kRunFile));
        if (!run || normal_path(member(*run, "out_dir")) != want) continue;
        if (session_state(dir, member(*run, "status")) == "live") continue;  // another trainer writes it
        const std::string start = member(*run, "start_time");
        if (!best || std::tie(start, id) > std::tie(best_start, *best)) {
            best = id;
            best_start = start;
        }
    }
    return best;
}

std::string continue_session(const std::string& session_dir, int start_step, const std::string& run_json) {
    keep_lines_before(join_path(session_dir, kMetricsFile), start_step);
    keep_lines_before(join_path(session_dir, kEventsFile), start_step);
    for (const FrameFile& f : list_frames(join_path(session_dir, kFramesDir))) {
        std::error_code ec;
        if (f.step > start_step) fs::remove(f.path, ec);
    }
    std::set<int> annotated = read_annotated(join_path(session_dir, kAnnotatedFile));
    if (!annotated.empty() && *annotated.rbegin() > start_step) {
        annotated.erase(annotated.upper_bound(start_step), annotated.end());
        const std::string text = annotated_json(annotated);
        write_file_atomic(join_path(session_dir, kAnnotatedFile), text.data(), text.size());
    }

    rapidjson::Document doc;
    doc.Parse(run_json.data(), run_json.size());
    if (doc.HasParseError() || !doc.IsObject()) throw Error("run.json must be a JSON object");
    auto& a = doc.GetAllocator();
    rapidjson::Value resumed(rapidjson::kArrayType);
    if (std::optional<rapidjson::Document> old = read_json(join_path(session_dir, kRunFile))) {
        if (const std::string start = member(*old, "start_time"); !start.empty()) {
            doc.RemoveMember("start_time");
            doc.AddMember("start_time", rapidjson::Value(start.c_str(), a), a);
        }
        auto prev = old->FindMember("resumed");
        if (prev != old->MemberEnd() && prev->value.IsArray())
            for (auto& r : prev->value.GetArray()) resumed.PushBack(rapidjson::Value(r, a), a);
    }
    rapidjson::Value entry(rapidjson::kObjectType);
    entry.AddMember("step", start_step, a);
    entry.AddMember("time", rapidjson::Value(utc_now_iso8601().c_str(), a), a);
    resumed.PushBack(entry, a);
    doc.RemoveMember("resumed");
    doc.AddMember("resumed", resumed, a);
    doc.RemoveMember("end_time");
    doc.RemoveMember("status");
    return to_json(doc);
}

}  // namespace nanogpt::viz::store

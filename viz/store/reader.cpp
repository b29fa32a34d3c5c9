// reader.cpp: RunStoreReader, the hub's view of runs/ (HistorySource).
// It keeps no state and reads the files on every call: they are small next to the frames the
// hub serves anyway, it is trivially thread-safe, and it always sees the live session's latest.
// Nothing here throws: an unreadable or vanished file reads as missing.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <tuple>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/file_io.h"
#include "viz/store/reader.h"
#include "viz/session_id.h"
#include "viz/store/files.h"
#include "viz/store/liveness.h"

namespace nanogpt::viz::store {

namespace fs = std::filesystem;
using store::join_path;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

namespace {

std::optional<std::string> read_if_present(const std::string& path) {
    try {
        if (file_exists(path)) return read_file(path);
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

void write_string(JsonWriter& w, const std::string& s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string string_member(const rapidjson::Value& obj, const char* key) {
    auto it = obj.FindMember(key);
    return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

struct SessionSummary {
    std::string session, start_time, end_time, status, state;
    int64_t steps = 0;                // metrics lines
    int64_t frames = 0;
    std::optional<int64_t> last_step;  // the latest step seen in metrics or frames
};

std::optional<SessionSummary> summarize(const RunStoreReader& reader, const std::string& dir, const std::string& session) {
    std::optional<std::string> run = read_if_present(join_path(dir, store::kRunFile));
    if (!run) return std::nullopt;
    rapidjson::Document doc;
    doc.Parse(run->data(), run->size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    SessionSummary s;
    s.session = session;
    s.start_time = string_member(doc, "start_time");
    s.end_time = string_member(doc, "end_time");
    s.status = string_member(doc, "status");
    s.state = session_state(dir, s.status);
    auto see_step = [&s](int64_t step) { s.last_step = std::max(s.last_step.value_or(step), step); };
    reader.each_line(join_path(dir, store::kMetricsFile), [&](const rapidjson::Value& line, std::string_view) {
        ++s.steps;
        auto step = line.FindMember("step");
        if (step != line.MemberEnd() && step->value.IsInt64()) see_step(step->value.GetInt64());
    });
    std::vector<store::FrameFile> frames = reader.whole_frames(dir);
    s.frames = static_cast<int64_t>(frames.size());
    if (!frames.empty()) see_step(frames.back().step);
    return s;
}

// {"session":..,"<key>":[every complete line of file]}: the lines are JSON objects already
// (for_each_json_line checked), so they go in as they are.
std::optional<std::string> jsonl_document(const RunStoreReader& reader, const std::string& runs_dir,
                                          const std::string& session, const char* file, const char* key) {
    if (!valid_session_id(session)) return std::nullopt;
    const std::string dir = join_path(runs_dir, session);
    if (!file_exists(join_path(dir, store::kRunFile))) return std::nullopt;
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("session");
    write_string(w, session);
    w.Key(key);
    w.StartArray();
    reader.each_line(join_path(dir, file), [&w](const rapidjson::Value&, std::string_view line) {
        w.RawValue(line.data(), line.size(), rapidjson::kObjectType);
    });
    w.EndArray();
    w.EndObject();
    return std::string(sb.GetString());
}

}  // namespace

RunStoreReader::RunStoreReader(std::string runs_dir, std::string live_session)
    : runs_dir_(std::move(runs_dir)), live_session_(std::move(live_session)) {}

std::string RunStoreReader::sessions_json() const {
    std::vector<SessionSummary> sessions;
    std::error_code ec;
    fs::directory_iterator it(runs_dir_, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string session = it->path().filename().string();
        std::error_code type_ec;
        if (!valid_session_id(session) || !it->is_directory(type_ec)) continue;
        if (std::optional<SessionSummary> s = summarize(*this, it->path().string(), session)) sessions.push_back(*s);
    }
    // ISO 8601 UTC times sort as text.
    std::sort(sessions.begin(), sessions.end(), [](const SessionSummary& a, const SessionSummary& b) {
        return std::tie(a.start_time, a.session) < std::tie(b.start_time, b.session);
    });

    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("sessions");
    w.StartArray();
    for (const SessionSummary& s : sessions) {
        w.StartObject();
        w.Key("session");
        write_string(w, s.session);
        w.Key("live");
        w.Bool(s.state == "live" || s.session == live_session_);
        w.Key("state");
        write_string(w, s.session == live_session_ && s.status.empty() ? "live" : s.state);
        w.Key("start_time");
        write_string(w, s.start_time);
        if (!s.end_time.empty()) {
            w.Key("end_time");
            write_string(w, s.end_time);
        }
        if (!s.status.empty()) {
            w.Key("status");
            write_string(w, s.status);
        }
        w.Key("steps");
        w.Int64(s.steps);
        w.Key("frames");
        w.Int64(s.frames);
        w.Key("last_step");
        if (s.last_step)
            w.Int64(*s.last_step);
        else
            w.Null();
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return sb.GetString();
}

std::optional<std::string> RunStoreReader::run_json(const std::string& session) const {
    if (!valid_session_id(session)) return std::nullopt;
    return read_if_present(join_path(join_path(runs_dir_, session), store::kRunFile));
}

std::optional<std::string> RunStoreReader::metrics_json(const std::string& session) const {
    return jsonl_document(*this, runs_dir_, session, store::kMetricsFile, "metrics");
}

std::optional<std::string> RunStoreReader::events_json(const std::string& session) const {
    return jsonl_document(*this, runs_dir_, session, store::kEventsFile, "events");
}

std::optional<std::string> RunStoreReader::frame_index_json(const std::string& session) const {
    if (!valid_session_id(session)) return std::nullopt;
    const std::string dir = join_path(runs_dir_, session);
    if (!file_exists(join_path(dir, store::kRunFile))) return std::nullopt;
    const std::set<int> annotated = store::read_annotated(join_path(dir, store::kAnnotatedFile));
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("session");
    write_string(w, session);
    w.Key("frames");
    w.StartArray();
    for (const store::FrameFile& f : whole_frames(dir)) {
        w.StartObject();
        w.Key("step");
        w.Int(f.step);
        w.Key("bytes");
        w.Uint64(f.bytes);
        w.Key("annotated");
        w.Bool(annotated.count(f.step) > 0);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(sb.GetString());
}

namespace {

// runs/<session>/<folder>/<step>.bin, or nullopt when the session is missing.
std::optional<std::string> step_path(const std::string& runs_dir, const std::string& session, const char* folder,
                                     int step) {
    if (!valid_session_id(session) || step < 0) return std::nullopt;
    const std::string dir = join_path(runs_dir, session);
    if (!file_exists(join_path(dir, store::kRunFile))) return std::nullopt;  // not a session
    return join_path(join_path(dir, folder), store::frame_file_name(step));
}

}  // namespace

std::optional<std::string> RunStoreReader::frame(const std::string& session, int step) const {
    const std::optional<std::string> path = step_path(runs_dir_, session, store::kFramesDir, step);
    if (!path) return std::nullopt;
    std::optional<std::string> bytes = read_if_present(*path);
    if (!bytes || !frame_is_whole({step, bytes->size(), *path})) return std::nullopt;
    return bytes;
}

std::optional<std::string> RunStoreReader::probe_index_json(const std::string& session) const {
    return jsonl_document(*this, runs_dir_, session, store::kProbesFile, "probes");
}

std::optional<std::string> RunStoreReader::probe(const std::string& session, int step) const {
    const std::optional<std::string> path = step_path(runs_dir_, session, store::kProbesDir, step);
    return path ? read_if_present(*path) : std::nullopt;
}

std::vector<FrameFile> RunStoreReader::whole_frames(const std::string& session_dir) const {
    std::vector<FrameFile> frames = list_frames(join_path(session_dir, kFramesDir));
    std::erase_if(frames, [this](const FrameFile& f) { return !frame_is_whole(f); });
    return frames;
}

bool RunStoreReader::frame_is_whole(const FrameFile& frame) const {
    const auto key = std::make_pair(frame.path, frame.bytes);
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (auto it = frame_checked_.find(key); it != frame_checked_.end()) return it->second;
    }
    // Frames are written whole and renamed into place, so a file of a given size is judged once.
    const std::string problem = frame_file_problem(frame.path);
    if (!problem.empty()) report_once(frame.path, "skipping frame " + frame.path + ": " + problem);
    std::lock_guard<std::mutex> lock(mu_);
    frame_checked_[key] = problem.empty();
    return problem.empty();
}

void RunStoreReader::each_line(const std::string& path,
                               const std::function<void(const rapidjson::Value&, std::string_view)>& fn) const {
    const size_t skipped = for_each_json_line(path, fn);
    if (skipped > 0)
        report_once(path + "#" + std::to_string(skipped),
                    "skipping " + std::to_string(skipped) + " line" + (skipped > 1 ? "s" : "") + " of " + path +
                        " that " + (skipped > 1 ? "are" : "is") + " not a JSON object (torn by a crash or a full disk?)");
}

void RunStoreReader::report_once(const std::string& key, const std::string& message) const {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!reported_.insert(key).second) return;
    }
    std::fprintf(stderr, "viz: %s\n", message.c_str());
}

}  // namespace nanogpt::viz::store

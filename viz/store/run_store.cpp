// run_store.cpp: RunStore, the writer of runs/<session>/ (layout in run_store.h).
// Crash safety comes from two rules: whole files (run.json, frames, annotated.json) are only
// ever replaced by rename, and JSONL lines are appended whole and flushed, so a kill -9 leaves
// at most one torn last line (which readers skip) and one stray *.tmp frame (which they ignore).
#include "viz/store/run_store.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/error.h"
#include "common/file_io.h"
#include "viz/session_id.h"
#include "viz/store/files.h"
#include "viz/store/prune.h"

namespace nanogpt::viz::store {

namespace fs = std::filesystem;
using store::join_path;

namespace {

rapidjson::Document parse_run_json(const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject())
        throw Error("run.json must be a JSON object, got: " + text.substr(0, 80));
    return doc;
}

std::string to_json(const rapidjson::Value& value) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    value.Accept(w);
    return sb.GetString();
}

// Sets doc[key] = text, replacing any earlier value.
void set_string(rapidjson::Document& doc, const char* key, const std::string& text) {
    rapidjson::Value value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), doc.GetAllocator());
    if (doc.HasMember(key))
        doc[key] = value;
    else
        doc.AddMember(rapidjson::Value(key, doc.GetAllocator()), value, doc.GetAllocator());
}

// The reader sorts sessions by start_time, so every run.json gets one.
std::string with_start_time(const std::string& run_json) {
    rapidjson::Document doc = parse_run_json(run_json);
    if (doc.HasMember("start_time")) return run_json;
    set_string(doc, "start_time", store::utc_now_iso8601());
    return to_json(doc);
}

void write_text_atomic(const std::string& path, const std::string& text) {
    write_file_atomic(path, text.data(), text.size());
}

// Opens a JSONL file for appending. A line torn by an earlier crash (no final newline) is
// ended first, so the next line starts on a line of its own and only the torn one is lost.
std::FILE* open_for_append(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "a+b");
    if (!f) throw Error("cannot open '" + path + "' for appending: " + std::strerror(errno),
                        "check that the runs directory is writable");
    if (std::fseek(f, -1, SEEK_END) == 0 && std::fgetc(f) != '\n') {
        // "a" mode: writes always go to the end, wherever the read position is.
        std::fputc('\n', f);
        std::fflush(f);
    }
    return f;
}

}  // namespace

RunStore::RunStore(const std::string& runs_dir, const std::string& session, const std::string& run_json,
                   uint64_t history_bytes)
    : dir_(join_path(runs_dir, session)), history_bytes_(history_bytes), prune_cursor_(store::kPassStart) {
    if (!valid_session_id(session))
        throw Error("invalid session id '" + session + "'", "use only letters, digits, '_', '.' and '-'");
    const std::string frames_dir = join_path(dir_, store::kFramesDir);
    std::error_code ec;
    fs::create_directories(frames_dir, ec);
    if (ec)
        throw Error("cannot create the run directory '" + dir_ + "': " + ec.message(),
                    "check that the runs directory '" + runs_dir + "' is writable, or choose another one");
    run_json_ = with_start_time(run_json);
    write_text_atomic(join_path(dir_, store::kRunFile), run_json_);

    // Reopening a session (a resumed run) continues its history: count the frames already
    // there and drop temp files a crash left behind.
    for (const auto& entry : fs::directory_iterator(frames_dir, ec)) {
        if (entry.path().extension() == ".tmp") fs::remove(entry.path(), ec);
    }
    for (const store::FrameFile& f : store::list_frames(frames_dir)) {
        frame_sizes_[f.step] = f.bytes;
        frame_total_ += f.bytes;
    }
    annotated_ = store::read_annotated(join_path(dir_, store::kAnnotatedFile));
    metrics_.reset(open_for_append(join_path(dir_, store::kMetricsFile)));
    events_.reset(open_for_append(join_path(dir_, store::kEventsFile)));
    prune_locked();
    heartbeat_ = std::make_unique<Heartbeat>(dir_);
}

void RunStore::append_line_locked(std::FILE* file, const std::string& path, const std::string& json_line) {
    // One JSON value per line: raw newlines in JSON can only be whitespace between tokens
    // (inside strings they are escaped), so dropping them keeps the value and the line intact.
    std::string line;
    line.reserve(json_line.size() + 1);
    for (char c : json_line)
        if (c != '\n' && c != '\r') line += c;
    line += '\n';
    if (std::fwrite(line.data(), 1, line.size(), file) != line.size() || std::fflush(file) != 0)
        throw Error("cannot append to '" + path + "': " + std::strerror(errno), "is the disk full?");
}

void RunStore::append_metrics(const std::string& json_line) {
    std::lock_guard lock(mu_);
    append_line_locked(metrics_.get(), join_path(dir_, store::kMetricsFile), json_line);
}

void RunStore::append_event(const std::string& json_line) {
    std::lock_guard lock(mu_);
    append_line_locked(events_.get(), join_path(dir_, store::kEventsFile), json_line);
}

void RunStore::write_frame(int step, const std::string& bytes) {
    if (step < 0) throw Error("frame step must not be negative, got " + std::to_string(step));
    std::lock_guard lock(mu_);
    const std::string path = join_path(join_path(dir_, store::kFramesDir), store::frame_file_name(step));
    write_file_atomic(path, bytes.data(), bytes.size());
    auto [it, inserted] = frame_sizes_.try_emplace(step, 0);
    frame_total_ -= it->second;  // a rewritten step replaces its old file
    it->second = bytes.size();
    frame_total_ += bytes.size();
    prune_locked();
}

void RunStore::write_probe(int step, const std::string& json_line, const std::string& bytes) {
    if (step < 0) throw Error("probe step must not be negative, got " + std::to_string(step));
    std::lock_guard lock(mu_);
    const std::string probes_dir = join_path(dir_, store::kProbesDir);
    std::error_code ec;
    fs::create_directories(probes_dir, ec);
    if (ec) throw Error("cannot create '" + probes_dir + "': " + ec.message(), "is the disk full?");
    write_file_atomic(join_path(probes_dir, store::frame_file_name(step)), bytes.data(), bytes.size());
    if (!probes_) probes_.reset(open_for_append(join_path(dir_, store::kProbesFile)));
    append_line_locked(probes_.get(), join_path(dir_, store::kProbesFile), json_line);
}

void RunStore::prune_locked() {
    if (frame_total_ <= history_bytes_) return;  // the usual case: nothing to look at
    const std::string frames_dir = join_path(dir_, store::kFramesDir);
    for (int step : store::frames_to_prune(frame_sizes_, annotated_, history_bytes_, prune_cursor_)) {
        std::error_code ec;
        fs::remove(join_path(frames_dir, store::frame_file_name(step)), ec);
        if (ec)
            throw Error("cannot delete old frame " + std::to_string(step) + " in '" + frames_dir + "': " +
                        ec.message());
        frame_total_ -= frame_sizes_[step];
        frame_sizes_.erase(step);
    }
}

void RunStore::annotate(int step) {
    std::lock_guard lock(mu_);
    if (!annotated_.insert(step).second) return;
    write_text_atomic(join_path(dir_, store::kAnnotatedFile), store::annotated_json(annotated_));
}

void RunStore::finish(const std::string& status) {
    std::lock_guard lock(mu_);
    rapidjson::Document doc = parse_run_json(run_json_);
    set_string(doc, "end_time", store::utc_now_iso8601());
    set_string(doc, "status", status);
    std::string updated = to_json(doc);
    write_text_atomic(join_path(dir_, store::kRunFile), updated);
    run_json_ = std::move(updated);
    heartbeat_.reset();  // the status says it all now
}

uint64_t RunStore::frame_bytes() const {
    std::lock_guard lock(mu_);
    return frame_total_;
}

}  // namespace nanogpt::viz::store

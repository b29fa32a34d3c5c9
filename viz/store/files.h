// files.h: the on-disk layout of runs/<session>/ (names, listings, JSONL reading),
// shared by the writer (RunStore), the reader (RunStoreReader) and `nanogpt export`.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace nanogpt::viz::store {

constexpr const char* kRunFile = "run.json";
constexpr const char* kMetricsFile = "metrics.jsonl";
constexpr const char* kEventsFile = "events.jsonl";
constexpr const char* kAnnotatedFile = "annotated.json";
constexpr const char* kFramesDir = "frames";
constexpr const char* kProbesDir = "probes";         // probes/<step>.bin: probe records (same names as frames)
constexpr const char* kProbesFile = "probes.jsonl";  // one probe message per line, after its record
constexpr const char* kWriterFile = "writer.json";  // who writes the session (liveness.h)

// "000001234.bin": zero-padded so a plain directory listing sorts by step.
std::string frame_file_name(int step);
// The step of a frame file name, or nullopt for anything else (temp files, strays).
std::optional<int> parse_frame_file_name(std::string_view name);

struct FrameFile {
    int step;
    uint64_t bytes;
    std::string path;
};
// Every complete frame in frames_dir (or probe record in probes/), sorted by step; empty when
// the directory is missing.
std::vector<FrameFile> list_frames(const std::string& frames_dir);

// Calls fn with each line of a JSONL file that parses as a JSON object (and its raw text).
// Lines that do not parse (a line torn by a crash mid-append) are skipped and counted: the
// result; a missing file has no lines.
size_t for_each_json_line(const std::string& path,
                          const std::function<void(const rapidjson::Value&, std::string_view)>& fn);

// Why a frame file is not whole, from its prefix, header and size (viz/frame.h's
// frame_header_problem; its data is not read), or "" when it is.
std::string frame_file_problem(const std::string& path);

// annotated.json: {"steps":[...]}. A missing or unreadable file annotates nothing.
std::set<int> read_annotated(const std::string& path);
std::string annotated_json(const std::set<int>& steps);

// Now as ISO 8601 UTC, e.g. "2025-03-01T12:34:56Z".
std::string utc_now_iso8601();

std::string join_path(const std::string& dir, const std::string& name);

}  // namespace nanogpt::viz::store

// reader.h: RunStoreReader, the hub's view of runs/: every session's files, read on every call.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "viz/hub/history_source.h"
#include "viz/store/files.h"

namespace nanogpt::viz::store {

// Reads every session under runs_dir (live ones included: the files are always consistent).
// What a crash or a full disk can leave behind is skipped, and said once on stderr: a torn
// JSONL line, a frame file cut short (checked from its header and size, once per file).
// Each session's "state": its final status, or "live" / "stale" (liveness.h).
class RunStoreReader final : public hub::HistorySource {
public:
    // live_session: the session being written by this process (always reported live), or "".
    RunStoreReader(std::string runs_dir, std::string live_session);
    std::string sessions_json() const override;
    std::optional<std::string> run_json(const std::string& session) const override;
    std::optional<std::string> metrics_json(const std::string& session) const override;
    std::optional<std::string> events_json(const std::string& session) const override;
    std::optional<std::string> frame_index_json(const std::string& session) const override;
    std::optional<std::string> frame(const std::string& session, int step) const override;
    std::optional<std::string> probe_index_json(const std::string& session) const override;
    std::optional<std::string> probe(const std::string& session, int step) const override;

    // The whole frames of a session directory, by step (the others are skipped, and said once).
    std::vector<FrameFile> whole_frames(const std::string& session_dir) const;
    // for_each_json_line, saying once per file and count how many lines were skipped.
    void each_line(const std::string& path,
                   const std::function<void(const rapidjson::Value&, std::string_view)>& fn) const;

private:
    bool frame_is_whole(const FrameFile& frame) const;
    void report_once(const std::string& key, const std::string& message) const;

    std::string runs_dir_, live_session_;
    mutable std::mutex mu_;                                  // guards the two below
    mutable std::map<std::pair<std::string, uint64_t>, bool> frame_checked_;  // (path, size) -> whole
    mutable std::set<std::string> reported_;
};

}  // namespace nanogpt::viz::store

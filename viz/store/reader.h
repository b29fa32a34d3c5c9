// reader.h: RunStoreReader, the hub's view of runs/: every session's files, read on every call.
#pragma once
#include <optional>
#include <string>

#include "viz/hub/history_source.h"

namespace nanogpt::viz::store {

// Reads every session under runs_dir (live ones included: the files are always consistent).
class RunStoreReader final : public hub::HistorySource {
public:
    // live_session: the session being written by this process (reported "live": true), or "".
    RunStoreReader(std::string runs_dir, std::string live_session);
    std::string sessions_json() const override;
    std::optional<std::string> run_json(const std::string& session) const override;
    std::optional<std::string> metrics_json(const std::string& session) const override;
    std::optional<std::string> events_json(const std::string& session) const override;
    std::optional<std::string> frame_index_json(const std::string& session) const override;
    std::optional<std::string> frame(const std::string& session, int step) const override;
    std::optional<std::string> probe_index_json(const std::string& session) const override;
    std::optional<std::string> probe(const std::string& session, int step) const override;

private:
    std::string runs_dir_, live_session_;
};

}  // namespace nanogpt::viz::store

// run_store.h: runs/<session>/ on disk, the source of truth for history.
//
//   run.json        run metadata (config, model shape, git revision, start time; end time and
//                   status once finished), written atomically
//   metrics.jsonl   one metrics message (JSON) per line, appended and flushed
//   events.jsonl    one event message per line, appended and flushed
//   frames/<step>.bin  one encoded frame each (viz/frame.h), written to a temp file and renamed,
//                   so a kill -9 loses at most the frame being written
//   annotated.json  steps whose frames must survive pruning (written atomically)
//   writer.json     this process's pid and host, touched every 2 s (liveness.h: live or stale)
//   probes/<step>.bin  one probe record each (viz/insights/probe_record.h), written like frames
//   probes.jsonl    one probe message per line, appended once its record is on disk
// Probe records are not pruned (one per evaluation; their size is in docs/formats.md).
// Pruning: when the frames exceed the history budget, older frames are thinned (every other
// one among the thinnable, oldest first); the first, the last, the 16 most recent and
// annotated frames always stay.
#pragma once
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "viz/store/liveness.h"

namespace nanogpt::viz::store {

class RunStore {
public:
    // Creates runs_dir/session/ (and frames/). Throws nanogpt::Error when it cannot.
    RunStore(const std::string& runs_dir, const std::string& session, const std::string& run_json,
             uint64_t history_bytes);
    const std::string& dir() const { return dir_; }
    void append_metrics(const std::string& json_line);
    void append_event(const std::string& json_line);
    void write_frame(int step, const std::string& bytes);
    // The probe record of `step` (probes/<step>.bin), then its message (a line of probes.jsonl).
    void write_probe(int step, const std::string& json_line, const std::string& bytes);
    void annotate(int step);            // keep this step's frame through pruning
    void finish(const std::string& status);  // "finished" | "stopped" | "failed": updates run.json
    uint64_t frame_bytes() const;

private:
    struct CloseFile {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    using File = std::unique_ptr<std::FILE, CloseFile>;
    void prune_locked();
    void append_line_locked(std::FILE* file, const std::string& path, const std::string& json_line);
    std::string dir_;
    uint64_t history_bytes_;
    mutable std::mutex mu_;
    std::string run_json_;                 // as last written; finish() adds to it
    File metrics_, events_;                // open for appending
    File probes_;                          // probes.jsonl, opened at the first probe
    std::map<int, uint64_t> frame_sizes_;  // step -> bytes of every frame on disk
    uint64_t frame_total_ = 0;
    std::set<int> annotated_;
    int prune_cursor_;                     // where the thinning pass resumes (viz/store/prune.h)
    std::unique_ptr<Heartbeat> heartbeat_;  // until finish()
};

}  // namespace nanogpt::viz::store

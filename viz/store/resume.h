// resume.h: a training run resumed from its checkpoint (--init-from resume) continues its session,
// so the dashboard shows one history going on. As TensorBoard's purge_step does for its event
// files (and metrics.csv beside the checkpoint does), what was recorded after the checkpoint is
// dropped first: the resumed run records those steps again (bit for bit on the CPU), and a run
// killed with -9 after its last checkpoint would otherwise show two different pasts for them.
//   metrics and events: lines of steps >= start_step are dropped (the run evaluates start_step again)
//   frames: steps > start_step are deleted (a frame at start_step is the checkpoint's own state)
//   run.json: the resumed run's record, keeping the first start_time, with "resumed":
//             [{"step": start_step, "time": ...}, ...] (one entry per resume); no end_time/status
#pragma once
#include <optional>
#include <string>

namespace nanogpt::viz::store {

// The newest session under runs_dir (by start_time) whose run.json names `out_dir` (compared as
// absolute, normalised paths) and which is not live: nullopt when there is none (then the resumed
// run gets a new session).
std::optional<std::string> resumable_session(const std::string& runs_dir, const std::string& out_dir);

// Drops what `session_dir` recorded after `start_step` (above) and returns the run.json to write:
// `run_json` (the resumed run's record) with the session's first start_time and its resumes.
std::string continue_session(const std::string& session_dir, int start_step, const std::string& run_json);

}  // namespace nanogpt::viz::store

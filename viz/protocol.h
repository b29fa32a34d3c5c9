// protocol.h: every message the hub sends, built in one place (docs/protocol.md; the browser's
// twin is frontend/net/protocol.js). Text messages are JSON objects with a "type"; the binary
// frame's codec is viz/frame.h. Pure functions: no I/O, no state.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "trainer/observer.h"
#include "viz/insights/insight.h"
#include "viz/insights/probe_analysis.h"

namespace nanogpt::viz::protocol {

inline constexpr int kVersion = 1;

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// The per-layer statistics in a frame, in this order (tensor "stats", field = tensor name).
// hist_step: the step the histogram was counted at (histograms refresh less often than the
// other statistics: viz/snapshot/histogram_schedule.h). sigma_max: the top singular value of a
// 2-D slab (power iteration in the optimizer's pass), stable_rank = |W|_F^2 / sigma_max^2;
// both 0 for vectors and when not measured. New names go at the end (the page reads by name).
inline constexpr const char* kStatNames[] = {"mean",    "std",     "min",       "max",
                                             "rms",     "grad_rms", "update_ratio", "hist_lo",
                                             "hist_hi", "hist_step", "sigma_max", "stable_rank"};
inline constexpr int kNumStats = 12;

// The wire name of an event kind: "eval", "sample", "checkpoint", "info", "interrupted".
const char* event_kind_name(EventKind kind);
// The wire name of how a run ended (run.json's "status"): "finished", "interrupted", "stopped".
const char* run_end_name(RunEnd how);

// {"L":..,"NH":..,"C":..,"V":..,"maxT":..}: the model shape the browser needs (hello, frames).
void write_model_shape(JsonWriter& w, const ModelDesc& m);
// The same members inside an object the caller opened (run.json adds its own after them).
void write_model_fields(JsonWriter& w, const ModelDesc& m);

// The first message on every connection to a training run's hub.
struct LiveHello {
    std::string session;
    bool live = true;         // false once the run has finished
    int step = 0;             // the last step reported
    int interval = 0;         // steps between snapshots
    uint64_t frame_bytes = 0; // planned size of one frame
    const ModelDesc* model = nullptr;
};
std::string hello(const LiveHello& h);
// The first message from `nanogpt serve`: no live session; `sessions_json` as /api/sessions.
std::string hello_recorded(std::string_view sessions_json);
// `nanogpt serve` when a session appears, ends or goes stale: {"type":"sessions","sessions":[...]},
// the list of /api/sessions (`sessions_json` is that document).
std::string sessions_changed(std::string_view sessions_json);

// Absent values are left out; values that are not finite travel as null (a diverged loss).
std::string metrics(std::string_view session, const StepMetrics& m);
std::string event(std::string_view session, int step, EventKind kind, std::string_view text);
// Sent just before each binary frame; ready_us: wall clock (µs since the epoch) at encoding.
std::string frame_notice(std::string_view session, int step, size_t bytes, int64_t ready_us);

// What the insights engine found (viz/insights/insight.h): {"type":"insight","session","id",
// "kind","step","step_end","open","severity","subject","title","evidence":{name: number},
// "explanation","causes":[..],"try":[..]}. A span is sent again with the same id as it grows
// or closes; clients keep the latest per id.
std::string insight(std::string_view session, const insights::Insight& in);
const char* insight_kind_name(insights::Kind kind);
const char* severity_name(insights::Severity s);

// After each probe (docs/protocol.md, Probe): {"type":"probe","session","step","bytes" (the
// record's size),"ms","B","T","L","NH","units","R", then write_probe_scores' members}.
std::string probe(std::string_view session, const insights::ProbeScores& s, size_t record_bytes);
// "heads" {entropy, prev_token, first_token, induction: [L*NH]}, "mlp" {dead, saturated: [L]},
// "loss" {text, early, late, in_context_gain, repeat_first, repeat_second}, into an object the
// caller opened (the probe message; the record's meta.probe.scores).
void write_probe_scores(JsonWriter& w, const insights::ProbeScores& s);

// Replies to client messages.
std::string pong();
std::string subscribed(std::string_view session);
std::string error(std::string_view message);

}  // namespace nanogpt::viz::protocol

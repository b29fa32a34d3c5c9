// dashboard.h: the dashboard's side of training, viz/'s implementation of the trainer's
// TrainingObserver: takes parameter snapshots, projects and encodes frames, records the run,
// serves it live.
//
// Threads: the training thread only queues (snapshot_ready asks the ParamReader for a copy into
// one of two preallocated buffers and does not wait for it; metrics and events go into a
// bounded queue). One viz worker thread does the rest: waits for the copy to land, projection,
// encoding, disk (RunStore), and hands messages to the hub's I/O thread. Any failure in the
// worker is caught, logged once per place with context, counted, and that part degrades (e.g.
// the store is switched off); training never waits (but for the final state's buffer, once
// training is over) and never stops.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "trainer/observer.h"
#include "viz/options.h"

namespace nanogpt::viz {

struct VizCounters {
    uint64_t frames = 0, skipped_snapshots = 0, dropped_messages = 0, errors = 0;
    double build_ms_total = 0, build_ms_max = 0;  // projection + encoding, on the viz thread
};

class Dashboard final : public TrainingObserver {
public:
    // Throws nanogpt::Error on invalid options.
    explicit Dashboard(VizOptions options);
    ~Dashboard() override;
    void run_started(const ModelDesc& model, const RunInfo& run) override;
    void step_finished(const StepMetrics& metrics) override;
    void event(int step, EventKind kind, const std::string& text) override;
    SnapshotRequest* snapshot_due(int step, bool final_state = false) override;
    void snapshot_ready(SnapshotRequest* request, ParamReader& reader) override;
    ProbeRequest* probe_due(int step) override;
    void probe_ready(ProbeResult&& result) override;
    void run_finished(RunEnd how) override;
    // "dashboard: http://127.0.0.1:8080/?token=<token> (run <session>; parameter snapshots every 10
    // steps)", with "port 8080 was in use; " before "parameter" when another port was taken; ""
    // when not serving.
    std::string banner() const override;
    std::string url() const;     // the hub's address, "" when not serving

    // Waits until the worker has handled everything queued so far (tests, shutdown).
    void drain();
    const std::string& session() const;
    VizCounters counters() const;
    size_t frame_bytes() const;  // the planned frame size, after fitting the budget
    int port() const;            // the hub's bound port, 0 when not serving

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The dashboard for a run, or null when options.off (--viz-off: the trainer then does no
// watching work at all).
std::unique_ptr<Dashboard> make_dashboard(const VizOptions& options);

}  // namespace nanogpt::viz

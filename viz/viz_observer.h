// viz_observer.h: the dashboard's side of training: samples parameters, projects and encodes
// frames, records the run, serves it live. make_viz_observer is all the trainer calls.
//
// Threads: the training thread only queues (sample_ready asks the ParamReader for a copy into
// one of two preallocated buffers and does not wait for it; metrics and events go into a
// bounded queue). One viz worker thread does the rest: waits for the copy to land, projection,
// encoding, disk (RunStore), and hands messages to the hub's I/O thread. Any
// failure in the worker is caught, logged once per place with context, counted, and that
// part degrades (e.g. the store is switched off); training never waits (but for the final
// state's buffer, once training is over) and never stops.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "viz/observer.h"
#include "viz/hub_static.h"
#include "viz/sample_plan.h"

namespace nanogpt::viz {

struct VizOptions {
    int interval = 10;              // steps between parameter samples
    bool serve = true;              // run the hub (HTTP + WebSocket)
    std::string host = "127.0.0.1";
    int port = 8080;
    std::string token;
    DashboardFiles files;           // the page and its libraries (dashboard_files(source dir))
    std::string runs_dir = "runs";
    std::string session;            // default: <UTC date-time>-<4 hex digits>
    uint64_t history_mb = 256;      // frames kept on disk per run
    SamplingOptions sampling;
    // Test hook: called with "gather", "build", "store", "send" before each; may throw.
    std::function<void(const std::string&)> fault;
};

struct VizCounters {
    uint64_t frames = 0, skipped_samples = 0, dropped_messages = 0, errors = 0;
    double build_ms_total = 0, build_ms_max = 0;  // projection + encoding, on the viz thread
};

class VizObserver;
std::unique_ptr<VizObserver> make_viz_observer(const VizOptions& options);

class VizObserver final : public TrainingObserver {
public:
    explicit VizObserver(VizOptions options);
    ~VizObserver() override;
    void run_started(const ModelDesc& model, const std::string& run_json) override;
    void step_finished(const StepMetrics& metrics) override;
    void event(int step, const std::string& kind, const std::string& text) override;
    SampleRequest* sample_due(int step, bool final_state = false) override;
    void sample_ready(SampleRequest* request, ParamReader& reader) override;
    void run_finished(const std::string& status) override;
    std::string url() const override;

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

std::string new_session_id();

}  // namespace nanogpt::viz

// options.h: the dashboard's settings (the viz.* config keys, --viz-* flags), registered on a
// command and checked by viz/ itself: the trainer never sees them.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "viz/hub/static_files.h"
#include "viz/snapshot/plan.h"

namespace CLI { class App; }

namespace nanogpt::viz {

struct VizOptions {
    // ---- set by people (viz.* keys) ----
    bool off = false;               // no dashboard, no snapshots, no run store (the baseline)
    int interval = 10;              // steps between parameter snapshots
    std::string host = "127.0.0.1";
    int port = 8080;                // 0: any free port
    std::string token;              // "" -> a random one, printed in the dashboard's address
    bool no_token = false;          // no token at all: loopback only
    std::vector<std::string> allow_hosts;  // Host names the hub answers to beyond loopback ("*": any)
    std::string runs_dir = "runs";
    uint64_t history_mb = 256;      // frames kept on disk per run
    snapshot::SnapshotOptions snapshot;  // embedding_points, grid, max_frame_bytes (seed: the run's)
    bool insights = true;           // phases, events and patterns (viz/insights/)
    bool probe = true;              // the probe forward pass at evaluations (needs insights)

    // ---- set by the program ----
    bool serve = true;              // run the hub (HTTP + WebSocket)
    hub::DashboardFiles files;      // the page and its libraries (hub::dashboard_files)
    std::string session;            // default: a new id (viz/session_id.h)
    // Test hook: called with "gather", "build", "store", "send" before each; may throw.
    std::function<void(const std::string&)> fault;

    // Checks ranges; throws nanogpt::Error naming the key (viz.interval, viz.port, ...).
    void validate() const;
};

// Registers the viz.* keys on `cmd` as --viz-<key> (and --viz.<key>, the spelling config files
// use) plus the flags --viz-off and --viz-no-token.
void add_viz_options(CLI::App& cmd, VizOptions& options);

// The option names whose values are secrets, kept out of every file a run writes.
std::vector<std::string> secret_option_names();

}  // namespace nanogpt::viz

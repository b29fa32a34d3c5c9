// options.cpp: registering and checking the dashboard's settings (options.h).
#include "viz/options.h"

#include <CLI/CLI.hpp>

#include "common/error.h"

namespace nanogpt::viz {

void add_viz_options(CLI::App& cmd, VizOptions& o) {
    // --viz-port on the command line, viz.port (or [viz] port) in a file.
    auto add = [&](const std::string& key, auto& value, const std::string& help) {
        std::string dashed = key;
        for (char& ch : dashed)
            if (ch == '_') ch = '-';
        return cmd.add_option("--viz-" + dashed + ",--viz." + key, value, help)->capture_default_str();
    };
    cmd.add_flag("--viz-off,--viz.off", o.off, "no dashboard, no snapshots, no run store (the baseline)");
    add("interval", o.interval, "steps between parameter snapshots");
    add("host", o.host, "address the dashboard binds (loopback by default)");
    add("port", o.port, "dashboard port (taken: the next free one; 0: any free port)");
    add("token", o.token, "token clients must present (default: a random one, printed in the address)");
    cmd.add_flag("--viz-no-token,--viz.no_token", o.no_token,
                 "no token (loopback only: anyone on this machine can then open the dashboard)");
    add("allow_host", o.allow_hosts, "a Host name the dashboard answers to besides loopback (repeatable; '*': any)")
        ->allow_extra_args(false);  // one name per --viz-allow-host
    add("runs_dir", o.runs_dir, "where runs are recorded (runs/<session>/)");
    add("history_mb", o.history_mb, "disk budget for a run's frames; older frames are thinned");
    add("max_frame_bytes", o.snapshot.max_frame_bytes, "size budget of one frame; the snapshot shrinks to fit");
    add("embedding_points", o.snapshot.embedding_points, "token embeddings shown (most frequent, then random)");
    add("grid", o.snapshot.grid, "rows and columns sampled from each weight matrix");
    add("insights", o.insights, "detect and explain phases, events and patterns of the run");
    add("probe", o.probe, "run a few fixed sequences through the model at evaluations (attention, MLP units)");
}

std::vector<std::string> secret_option_names() { return {"viz.token"}; }

void VizOptions::validate() const {
    auto need = [](bool ok, const std::string& key, const std::string& what) {
        if (!ok) throw Error("bad value for " + key + ": " + what);
    };
    need(interval > 0, "viz.interval", "must be > 0");
    need(port >= 0 && port < 65536, "viz.port", "must be a port number (0: any free port)");
    need(history_mb > 0, "viz.history_mb", "must be > 0");
    need(snapshot.max_frame_bytes >= 4096, "viz.max_frame_bytes", "must be at least 4096");
    need(snapshot.embedding_points > 0, "viz.embedding_points", "must be > 0");
    need(snapshot.grid > 0, "viz.grid", "must be > 0");
}

}  // namespace nanogpt::viz

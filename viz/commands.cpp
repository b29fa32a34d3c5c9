#include "viz/commands.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "viz/export/export.h"
#include "viz/export/output.h"
#include "viz/export/report.h"
#include "viz/hub/hub.h"
#include "viz/insights/offline.h"
#include "viz/protocol.h"
#include "viz/store/follower.h"
#include "viz/store/reader.h"

namespace nanogpt::viz {

namespace {
struct ServeArgs {
    std::string runs = "runs", host = "127.0.0.1", token;
    int port = 8080;
    bool no_token = false;
    std::vector<std::string> allow_hosts;
};
// As the trainer's dashboard: a taken port means the next free one, and the address says so.
constexpr int kPortRetries = 10;
struct ExportArgs {
    std::string run, format, out, runs = "runs";
};
struct ReportArgs {
    std::string run, out, runs = "runs";
    int frames = 50;
    double budget_mb = 12;
};
struct InsightsArgs {
    std::string path, runs = "runs";
    bool no_snapshots = false, all = false;
};
}  // namespace

void add_serve_command(CLI::App& app) {
    auto a = std::make_shared<ServeArgs>();
    CLI::App* cmd = app.add_subcommand("serve", "serve the dashboard for the runs in a directory, following those still training");
    cmd->add_option("--runs", a->runs, "runs directory (runs/<session>/ as training writes them)")->capture_default_str();
    cmd->add_option("--host,--viz-host", a->host, "address to bind (loopback by default)")->capture_default_str();
    cmd->add_option("--port,--viz-port", a->port, "port (taken: the next free one; 0: any free port)")->capture_default_str();
    cmd->add_option("--token,--viz-token", a->token, "token clients must present (default: a random one, printed)");
    cmd->add_flag("--no-token,--viz-no-token", a->no_token, "no token (loopback only)");
    cmd->add_option("--allow-host,--viz-allow-host", a->allow_hosts,
                    "a Host name to answer to besides loopback (repeatable; '*': any)")
        ->allow_extra_args(false);
    cmd->callback([a]() {
        if (!std::filesystem::is_directory(a->runs))
            throw Error("runs directory '" + a->runs + "' does not exist",
                        "train with the dashboard on (the default) to record runs, or pass --runs DIR");
        auto reader = std::make_shared<store::RunStoreReader>(a->runs, "");
        hub::HubOptions ho;
        ho.host = a->host;
        ho.port = a->port;
        ho.port_retries = kPortRetries;
        ho.token = a->token;
        ho.no_token = a->no_token;
        ho.allowed_hosts = a->allow_hosts;
        const hub::DashboardFiles files = hub::source_tree_dashboard_files();
        ho.static_dir = files.frontend_dir;
        ho.static_mounts = files.libraries;
        hub::warn_missing_libraries(files);
        // Signals are taken by this thread alone (sigwait), so block them before the hub
        // starts its thread, which inherits the mask.
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        hub::Hub hub(ho, reader);
        hub.set_hello([reader] { return protocol::hello_recorded(reader->sessions_json()); });
        hub.start();
        // Runs still being written: their new lines and frames go to the pages as they land.
        store::FollowerCallbacks push;
        push.text = [&hub](std::string json) { hub.broadcast_text(std::make_shared<const std::string>(std::move(json))); };
        push.frame = [&hub](std::string notice, std::string frame) {
            hub.broadcast_text(std::make_shared<const std::string>(std::move(notice)));
            hub.broadcast_frame(std::make_shared<const std::string>(std::move(frame)));
        };
        push.sessions_changed = [&hub, reader] {
            hub.broadcast_text(std::make_shared<const std::string>(protocol::sessions_changed(reader->sessions_json())));
        };
        store::RunFollower follower(a->runs, reader, push);
        follower.start();
        const std::string note = hub.port_note();
        std::printf("serving %s at %s (%sCtrl-C stops)\n", a->runs.c_str(), hub.url().c_str(),
                    note.empty() ? "" : (note + "; ").c_str());
        std::fflush(stdout);
        int sig = 0;
        sigwait(&set, &sig);
        std::printf("stopping\n");
        follower.stop();
        hub.stop();  // each page gets a close frame (1001 going away)
    });
}

void add_export_command(CLI::App& app) {
    auto a = std::make_shared<ExportArgs>();
    CLI::App* cmd = app.add_subcommand("export", "write a run's history as .npz, safetensors or CSV");
    cmd->add_option("run", a->run, "run directory (runs/<session>) or session id")->required();
    cmd->add_option("--format", a->format, "npz | safetensors | csv")->required()->check(CLI::IsMember({"npz", "safetensors", "csv"}));
    cmd->add_option("--out", a->out, "output file")->required();
    cmd->add_option("--runs", a->runs, "runs directory for a session id")->capture_default_str();
    cmd->callback([a]() {
        std::string dir = a->run;
        if (!std::filesystem::is_directory(dir) && std::filesystem::is_directory(a->runs + "/" + a->run))
            dir = a->runs + "/" + a->run;
        exporting::export_run(dir, a->format, a->out);
        std::printf("wrote %s\n", a->out.c_str());
    });
}

void add_report_command(CLI::App& app) {
    auto a = std::make_shared<ReportArgs>();
    CLI::App* cmd = app.add_subcommand(
        "report", "write one self-contained HTML file of a run (the dashboard with its data) that opens offline");
    cmd->add_option("run", a->run, "run directory (runs/<session>) or session id")->required();
    cmd->add_option("--out", a->out, "output .html file (an existing one is replaced, and said so)")->required();
    cmd->add_option("--runs", a->runs, "runs directory for a session id")->capture_default_str();
    cmd->add_option("--frames", a->frames, "evenly spaced frames to include, besides annotated ones and insight anchors")
        ->capture_default_str()->check(CLI::Range(0, 100000));
    cmd->add_option("--budget-mb", a->budget_mb, "most MB of frames and probes to embed (as base64)")
        ->capture_default_str()->check(CLI::Range(0.0, 100000.0));
    cmd->callback([a]() {
        namespace fs = std::filesystem;
        fs::path dir = a->run;
        if (!fs::is_directory(dir) && fs::is_directory(fs::path(a->runs) / a->run)) dir = fs::path(a->runs) / a->run;
        if (!fs::is_directory(dir))
            throw Error("no run '" + a->run + "': neither a directory nor a session under '" + a->runs + "'",
                        "pass runs/<session> or a session id with --runs DIR");
        if (!fs::exists(dir / "run.json"))
            throw Error("'" + dir.string() + "' is not a recorded run (it has no run.json)",
                        "pass a directory training wrote under runs/");
        dir = fs::absolute(dir).lexically_normal();
        if (!dir.has_filename()) dir = dir.parent_path();
        const std::string session = dir.filename().string();
        store::RunStoreReader reader(dir.parent_path().string(), "");
        exporting::ReportOptions opt;
        opt.spaced_frames = a->frames;
        opt.budget_bytes = static_cast<std::size_t>(a->budget_mb * 1024 * 1024);
        const hub::DashboardFiles files = hub::source_tree_dashboard_files();
        exporting::ReportSummary sum;
        const bool tty = isatty(fileno(stderr));
        std::string last;
        const std::string html = exporting::build_report(
            reader, session, files, opt, &sum, [&](const std::string& stage, std::size_t done, std::size_t total) {
                const std::string line = "report: " + stage + " " + std::to_string(done) + "/" + std::to_string(total);
                if (tty) std::fprintf(stderr, "\r%s   ", line.c_str());
                else if (done == total && line != last) std::fprintf(stderr, "%s\n", line.c_str());
                last = line;
            });
        if (tty) std::fprintf(stderr, "\n");
        const bool existed = fs::exists(a->out);
        exporting::AtomicOutputFile out(a->out);
        out.write(html);
        out.commit();
        std::printf("wrote %s%s: %.1f MB; frames %zu of %zu, probes %zu of %zu, metrics rows %zu of %zu, %zu modules\n",
                    a->out.c_str(), existed ? " (replaced the existing file)" : "", sum.html_bytes / 1048576.0,
                    sum.frames_included, sum.frames_total, sum.probes_included, sum.probes_total,
                    sum.metric_rows_included, sum.metric_rows_total, sum.modules);
    });
}

void add_insights_command(CLI::App& app) {
    auto a = std::make_shared<InsightsArgs>();
    CLI::App* cmd = app.add_subcommand(
        "insights", "run the insights detectors over a recorded run; one JSON insight message per line");
    cmd->add_option("path", a->path, "run directory (runs/<session>), session id, or a metrics.csv")->required();
    cmd->add_option("--runs", a->runs, "runs directory for a session id")->capture_default_str();
    cmd->add_flag("--no-snapshots", a->no_snapshots, "do not feed the frames' statistics to the parameter detectors");
    cmd->add_flag("--all", a->all, "print every message as the engine sent it (spans again as they grow)");
    cmd->callback([a]() {
        std::string path = a->path;
        if (!std::filesystem::exists(path) && std::filesystem::is_directory(a->runs + "/" + path))
            path = a->runs + "/" + path;
        const insights::RecordedRun run = insights::read_recorded_run(path);
        for (const std::string& note : run.notes) std::fprintf(stderr, "insights: %s\n", note.c_str());
        std::vector<insights::Insight> sent;
        insights::replay(run, [&](const insights::Insight& in) { sent.push_back(in); }, !a->no_snapshots);
        const std::string session =
            std::filesystem::is_directory(path) ? std::filesystem::path(path).lexically_normal().filename().string() : "";
        for (const insights::Insight& in : a->all ? sent : insights::latest_per_id(sent))
            std::printf("%s\n", protocol::insight(session, in).c_str());
        std::fflush(stdout);  // whole JSON lines first, then the note, even when both go to one pipe
        std::fprintf(stderr, "insights: %zu steps read, %zu insights\n", run.metrics.size(),
                     insights::latest_per_id(sent).size());
    });
}

}  // namespace nanogpt::viz

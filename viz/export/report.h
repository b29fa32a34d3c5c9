// report.h: `nanogpt report`, one self-contained HTML file of a run that opens from disk
// (file://) with no server and no network: the dashboard's own page and modules (module_graph.h),
// its stylesheets, and the run's data in a <script type="application/json" id="nanogpt-report">
// block that frontend/net/embedded.js serves to the page in place of the REST API. The hub's
// GET /api/sessions/<id>/report answers the same bytes (the dashboard's share button).
// Format: docs/frontend.md, "Saved reports".
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "viz/hub/history_source.h"
#include "viz/hub/static_files.h"

namespace nanogpt::viz::exporting {

struct ReportOptions {
    int spaced_frames = 50;                        // evenly spaced frames, besides annotated and insight anchors
    std::size_t budget_bytes = 12u * 1024 * 1024;  // frames + probes, as embedded (gzip, then base64)
    std::size_t max_metric_points = 2000;          // rows kept per run (extremes kept, as the charts do)
};

// What a report holds, for the progress line and the summary.
struct ReportSummary {
    std::size_t frames_total = 0, frames_included = 0, probes_total = 0, probes_included = 0;
    std::size_t metric_rows_total = 0, metric_rows_included = 0, modules = 0, html_bytes = 0;
    std::size_t frame_bytes = 0, code_bytes = 0;  // embedded frames+probes / modules+styles
};

// Metrics rows decimated as frontend/state/metric_columns.js decimate() does: in max/2 buckets,
// each bucket's first row and the rows holding the lowest and highest value of every dense
// series; every row with a val_loss, and the last row. Returns the indices kept, ascending.
std::vector<std::size_t> decimate_rows(const std::vector<std::vector<double>>& dense_series,
                                       const std::vector<bool>& sparse_present, std::size_t max_points);

// Frame selection: annotated steps, the frames nearest to each insight/event anchor step, the
// first and last, and `spaced` evenly spaced ones, in that priority, while their embedded size
// (4/3 of `bytes`) fits in `budget`. Returns the chosen steps, ascending.
// `cost(i)`: what frame i takes embedded (default: the base64 of its `bytes`).
struct FrameEntry { int step; std::size_t bytes; bool annotated; };
std::vector<int> select_frames(const std::vector<FrameEntry>& index, const std::vector<int>& anchors,
                               int spaced, std::size_t budget, std::size_t* used = nullptr,
                               const std::function<std::size_t(const FrameEntry&)>& cost = {});

// gzip (RFC 1952) of `bytes`, as the page's DecompressionStream('gzip') reads it.
std::string gzip(std::string_view bytes);

using Progress = std::function<void(const std::string& stage, std::size_t done, std::size_t total)>;

// The report of `session` as HTML. `files`: the dashboard's page and libraries (hub::DashboardFiles).
// Throws nanogpt::Error: an unknown session, a missing page file or module (naming it).
std::string build_report(const hub::HistorySource& history, const std::string& session,
                         const hub::DashboardFiles& files, const ReportOptions& options = {},
                         ReportSummary* summary = nullptr, const Progress& progress = {});

}  // namespace nanogpt::viz::exporting

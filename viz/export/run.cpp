// run.cpp: `nanogpt export RUN --format npz|safetensors|csv --out FILE`: checks the run
// directory, then hands its arrays or metrics table to the format's writer.
#include <filesystem>

#include "common/error.h"
#include "common/file_io.h"
#include "viz/export/arrays.h"
#include "viz/export/formats.h"
#include "viz/export/metrics.h"
#include "viz/export/export.h"
#include "viz/store/files.h"

namespace nanogpt::viz::exporting {

namespace {

// The session id is the run directory's name (runs/<session>/).
std::string session_of(const std::string& run_dir) {
    std::filesystem::path path(run_dir);
    if (!path.has_filename()) path = path.parent_path();  // "runs/abc/" -> "runs/abc"
    return path.filename().string();
}

}  // namespace

void export_run(const std::string& run_dir, const std::string& format, const std::string& out_path) {
    if (format != "npz" && format != "safetensors" && format != "csv")
        throw Error("unknown export format '" + format + "'", "use --format npz, safetensors or csv");
    std::error_code ec;
    if (!std::filesystem::is_directory(run_dir, ec))
        throw Error("no run directory at '" + run_dir + "'", "pass a run directory such as runs/<session>");
    if (!file_exists(store::join_path(run_dir, store::kRunFile)))
        throw Error("'" + run_dir + "' has no run.json, so it is not a run directory",
                    "pass a run directory such as runs/<session>");

    if (format == "csv") {
        exporting::write_csv(exporting::read_metrics_table(store::join_path(run_dir, store::kMetricsFile)), out_path);
        return;
    }
    const std::vector<exporting::ExportArray> arrays = exporting::collect_arrays(run_dir);
    if (format == "npz")
        exporting::write_npz(arrays, out_path);
    else
        exporting::write_safetensors(arrays, session_of(run_dir), out_path);
}

}  // namespace nanogpt::viz::exporting

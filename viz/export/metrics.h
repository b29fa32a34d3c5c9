// metrics.h: a run's metrics.jsonl as a table, the common input of the CSV export and
// of the "metrics.*" arrays in npz/safetensors.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nanogpt::viz::exporting {

struct MetricsCell {
    std::string text;              // as a CSV cell: numbers in shortest round-trip form
    std::optional<double> number;  // set when the JSON value is a number
};

struct MetricsTable {
    // The union of the lines' keys: "step" first (always), then train_loss, val_loss, lr,
    // grad_norm, ms, tokens_per_s where present, then the rest alphabetically. "type" and
    // "session" are left out: the same in every line, they say nothing per step.
    std::vector<std::string> columns;
    std::vector<std::map<std::string, MetricsCell>> rows;  // one per complete metrics line
};

// Reads path (a missing file is an empty table); torn or unparsable lines are skipped.
MetricsTable read_metrics_table(const std::string& path);

// Columns holding a number in at least one row (the ones worth a float array).
std::vector<std::string> numeric_columns(const MetricsTable& table);

}  // namespace nanogpt::viz::exporting

// csv.cpp: the metrics table -> CSV, in the column order of the trainer's metrics.csv.
#include "viz/export/formats.h"
#include "viz/export/output.h"

namespace nanogpt::viz::exporting {

namespace {

// RFC 4180: a cell holding a comma, quote or line break is quoted, with quotes doubled.
std::string csv_cell(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string csv_line(const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + csv_cell(cells[i]);
    return line + "\n";
}

}  // namespace

void write_csv(const MetricsTable& table, const std::string& out_path) {
    AtomicOutputFile out(out_path);
    out.write(csv_line(table.columns));
    std::vector<std::string> cells(table.columns.size());
    for (const auto& row : table.rows) {
        for (size_t c = 0; c < table.columns.size(); ++c) {
            auto it = row.find(table.columns[c]);
            cells[c] = it != row.end() ? it->second.text : "";
        }
        out.write(csv_line(cells));
    }
    out.commit();
}

}  // namespace nanogpt::viz::exporting

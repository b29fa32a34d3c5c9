// metrics.cpp: metrics.jsonl -> MetricsTable (see viz/export/metrics.h).
#include "viz/export/metrics.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "viz/store/files.h"

namespace nanogpt::viz::exporting {

namespace {

// The columns of the trainer's metrics.csv (docs/formats.md), in its order.
constexpr std::array<const char*, 8> kKnownColumns = {"step", "train_loss", "val_loss", "lr",
                                                      "grad_norm", "ms", "tokens_per_s", "mfu"};

bool skipped_column(const std::string& key) { return key == "type" || key == "session"; }

// The shortest text that reads back as v, positional in the everyday range (0.0005, not
// 5e-04) and in exponent form outside it, as Python's repr does.
std::string shortest(double v) {
    const double magnitude = std::fabs(v);
    const bool positional = magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e16);
    char text[512];  // fixed notation of a denormal needs hundreds of digits; not reached here
    auto [end, ec] = std::to_chars(text, text + sizeof text, v,
                                   positional ? std::chars_format::fixed : std::chars_format::scientific);
    return std::string(text, end);
}

MetricsCell to_cell(const rapidjson::Value& v) {
    MetricsCell cell;
    if (v.IsNumber()) {
        cell.number = v.GetDouble();
        if (v.IsInt64())
            cell.text = std::to_string(v.GetInt64());
        else if (v.IsUint64())
            cell.text = std::to_string(v.GetUint64());
        else
            cell.text = shortest(v.GetDouble());
    } else if (v.IsString()) {
        cell.text.assign(v.GetString(), v.GetStringLength());
    } else if (v.IsBool()) {
        cell.text = v.GetBool() ? "true" : "false";
    } else if (!v.IsNull()) {  // an object or array: its JSON text
        rapidjson::StringBuffer sb;
        rapidjson::Writer<rapidjson::StringBuffer> w(sb);
        v.Accept(w);
        cell.text = sb.GetString();
    }
    return cell;
}

}  // namespace

MetricsTable read_metrics_table(const std::string& path) {
    MetricsTable table;
    std::set<std::string> keys;
    const size_t skipped = store::for_each_json_line(path, [&](const rapidjson::Value& line, std::string_view) {
        auto& row = table.rows.emplace_back();
        for (const auto& m : line.GetObject()) {
            std::string key(m.name.GetString(), m.name.GetStringLength());
            if (skipped_column(key)) continue;
            keys.insert(key);
            row[key] = to_cell(m.value);
        }
    });
    if (skipped > 0)
        std::fprintf(stderr, "warning: skipping %zu line%s of %s that %s not a JSON object (torn by a crash or a full disk?)\n",
                     skipped, skipped > 1 ? "s" : "", path.c_str(), skipped > 1 ? "are" : "is");
    for (const char* known : kKnownColumns) {
        if (std::string(known) == "step" || keys.count(known)) table.columns.push_back(known);
        keys.erase(known);
    }
    table.columns.insert(table.columns.end(), keys.begin(), keys.end());  // std::set: alphabetical
    return table;
}

std::vector<std::string> numeric_columns(const MetricsTable& table) {
    std::vector<std::string> numeric;
    for (const std::string& column : table.columns) {
        bool any = std::any_of(table.rows.begin(), table.rows.end(), [&](const auto& row) {
            auto it = row.find(column);
            return it != row.end() && it->second.number.has_value();
        });
        if (any) numeric.push_back(column);
    }
    return numeric;
}

}  // namespace nanogpt::viz::exporting

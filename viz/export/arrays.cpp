// arrays.cpp: frames and metrics of a run -> ExportArrays (see viz/export/arrays.h).
// Frames are decoded one at a time and copied into their arrays, so memory holds the arrays
// and a single frame, not every decoded frame at once.
#include "viz/export/arrays.h"

#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "common/error.h"
#include "common/file_io.h"
#include "viz/export/metrics.h"
#include "viz/frame.h"
#include "viz/store/files.h"

namespace nanogpt::viz::exporting {

namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

std::string tensor_key(const FrameTensor& t) {
    std::string key = t.name + "." + t.field;
    if (t.layer >= 0) key += ".L" + std::to_string(t.layer);
    return key;
}

// The shape of one frame's tensor, from its stacked shape [F, ...shape].
std::string tensor_shape_text(const std::vector<int64_t>& stacked) {
    std::string text = "[";
    for (size_t i = 1; i < stacked.size(); ++i) text += (i > 1 ? "," : "") + std::to_string(stacked[i]);
    return text + "]";
}

void add_frame_arrays(const std::vector<store::FrameFile>& frames, std::vector<ExportArray>& arrays) {
    const size_t frame_count = frames.size();
    ExportArray& steps = arrays.emplace_back();
    steps.name = "steps";
    steps.dtype = DType::I32;
    steps.shape = {int64_t(frame_count)};
    for (const store::FrameFile& f : frames) steps.i32.push_back(f.step);

    std::map<std::string, size_t> array_of;  // tensor key -> index in arrays
    for (size_t f = 0; f < frame_count; ++f) {
        Frame frame;
        try {
            frame = decode_frame(read_file(frames[f].path));
        } catch (const Error& e) {
            throw Error("cannot export frame '" + frames[f].path + "': " + e.what(), e.hint());
        }
        std::set<std::string> seen;
        for (const FrameTensor& t : frame.tensors) {
            const std::string key = tensor_key(t);
            if (!seen.insert(key).second)
                throw Error("frame '" + frames[f].path + "' holds tensor '" + key + "' twice");
            std::vector<int64_t> shape = {int64_t(frame_count)};
            shape.insert(shape.end(), t.shape.begin(), t.shape.end());
            auto [it, is_new] = array_of.try_emplace(key, arrays.size());
            if (is_new) {
                ExportArray& a = arrays.emplace_back();
                a.name = key;
                a.shape = shape;
                a.f32.assign(frame_count * t.data.size(), kMissing);
            }
            ExportArray& a = arrays[it->second];
            if (a.shape != shape || a.f32.size() != frame_count * t.data.size())
                throw Error("tensor '" + key + "' changes shape between frames (" +
                                tensor_shape_text(a.shape) + " before, " + tensor_shape_text(shape) +
                                " at step " + std::to_string(frames[f].step) + ")",
                            "export frames of one model shape only");
            std::copy(t.data.begin(), t.data.end(), a.f32.begin() + f * t.data.size());
        }
    }
}

void add_metrics_arrays(const std::string& metrics_path, std::vector<ExportArray>& arrays) {
    const MetricsTable table = read_metrics_table(metrics_path);
    const int64_t rows = int64_t(table.rows.size());
    auto number_at = [](const auto& row, const std::string& column) -> std::optional<double> {
        auto it = row.find(column);
        return it != row.end() ? it->second.number : std::nullopt;
    };
    // "metrics.step" always, so the other columns can be plotted against it.
    ExportArray& steps = arrays.emplace_back();
    steps.name = "metrics.step";
    steps.dtype = DType::I32;
    steps.shape = {rows};
    for (const auto& row : table.rows) steps.i32.push_back(int32_t(number_at(row, "step").value_or(-1)));
    for (const std::string& column : numeric_columns(table)) {
        if (column == "step") continue;
        ExportArray& a = arrays.emplace_back();
        a.name = "metrics." + column;
        a.shape = {rows};
        for (const auto& row : table.rows) a.f32.push_back(float(number_at(row, column).value_or(kMissing)));
    }
}

}  // namespace

const void* ExportArray::data() const {
    return dtype == DType::F32 ? static_cast<const void*>(f32.data()) : static_cast<const void*>(i32.data());
}

size_t ExportArray::bytes() const {
    return dtype == DType::F32 ? f32.size() * sizeof(float) : i32.size() * sizeof(int32_t);
}

std::vector<ExportArray> collect_arrays(const std::string& run_dir) {
    std::vector<store::FrameFile> frames = store::list_frames(store::join_path(run_dir, store::kFramesDir));
    // A frame cut short (a full disk, a copy that stopped) is left out, and said; the rest exports.
    std::erase_if(frames, [](const store::FrameFile& f) {
        const std::string problem = store::frame_file_problem(f.path);
        if (!problem.empty()) std::fprintf(stderr, "warning: skipping frame %s: %s\n", f.path.c_str(), problem.c_str());
        return !problem.empty();
    });
    if (frames.empty())
        throw Error("run '" + run_dir + "' has no frames: was it trained with --viz-off?",
                    "export its metrics with --format csv, or train with the dashboard on");
    std::vector<ExportArray> arrays;
    add_frame_arrays(frames, arrays);
    add_metrics_arrays(store::join_path(run_dir, store::kMetricsFile), arrays);
    // Both formats key arrays by name; a clash (a tensor named "metrics", say) must not
    // silently drop one.
    std::set<std::string> names;
    for (const ExportArray& a : arrays)
        if (!names.insert(a.name).second) throw Error("two exported arrays would be named '" + a.name + "'");
    return arrays;
}

}  // namespace nanogpt::viz::exporting

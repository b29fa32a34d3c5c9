// store_test_support.cpp: helpers for the run store tests (see store_test_support.h).
#include "store_test_support.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nanogpt::viz::store_test {

namespace fs = std::filesystem;

namespace {

FrameTensor tensor(const std::string& name, const std::string& kind, int layer, const std::string& field,
                   std::vector<int> shape, float base) {
    FrameTensor t;
    t.name = name;
    t.kind = kind;
    t.layer = layer;
    t.field = field;
    t.shape = std::move(shape);
    size_t count = 1;
    for (int d : t.shape) count *= size_t(d);
    for (size_t i = 0; i < count; ++i) t.data.push_back(base + 0.25f * float(i) - 1.0f);
    return t;
}

}  // namespace

Frame sample_frame(const std::string& session, int step, bool with_grad) {
    Frame f;
    f.session = session;
    f.step = step;
    f.tensors.push_back(tensor("wte", "points3d", -1, "xyz", {4, 3}, float(step)));
    f.tensors.push_back(tensor("qkvw", "grid", 0, "value", {2, 3}, 0.5f * float(step)));
    f.tensors.push_back(tensor("qkvw", "grid", 1, "value", {2, 3}, -0.5f * float(step)));
    if (with_grad) {
        FrameTensor grad = tensor("qkvw", "grid", 0, "grad", {2, 3}, 0.01f * float(step + 1));
        grad.quantize = true;
        f.tensors.push_back(grad);
    }
    return f;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

void append_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << text;
    if (!out) throw std::runtime_error("cannot append to " + path);
}

std::vector<std::string> list_dir(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace nanogpt::viz::store_test

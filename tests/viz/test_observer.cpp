// test_observer.cpp: the viz observer as the trainer drives it: frames hold the watched values,
// and failures anywhere in viz (a throwing sampler, frame building, an unwritable runs
// directory) are counted and logged while "training" goes on.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "common/file_io.h"
#include "viz/frame.h"
#include "viz/viz_observer.h"

using namespace nanogpt;
using namespace nanogpt::viz;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        std::random_device rd;
        path = (fs::temp_directory_path() / ("nanogpt-viz-" + std::to_string(rd()))).string();
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

// A tiny model's parameter buffer in host memory, laid out like GPT2's.
struct FakeModel : ParamReader {
    ModelDesc desc;
    std::vector<float> params, grads;
    FakeModel() {
        const int L = 2, C = 16, V = 30, maxT = 8;
        desc.L = L; desc.NH = 2; desc.C = C; desc.V = V; desc.Vp = 128; desc.maxT = maxT;
        size_t off = 0;
        auto add = [&](const char* name, int layers, int rows, int cols) {
            desc.tensors.push_back({name, off, layers, rows, cols});
            off += (size_t)layers * rows * cols;
        };
        add("wte", 1, 128, C); add("wpe", 1, maxT, C); add("ln1w", L, C, 1); add("ln1b", L, C, 1);
        add("qkvw", L, 3 * C, C); add("qkvb", L, 3 * C, 1); add("attprojw", L, C, C); add("attprojb", L, C, 1);
        add("ln2w", L, C, 1); add("ln2b", L, C, 1); add("fcw", L, 4 * C, C); add("fcb", L, 4 * C, 1);
        add("fcprojw", L, C, 4 * C); add("fcprojb", L, C, 1); add("lnfw", 1, C, 1); add("lnfb", 1, C, 1);
        params.resize(off);
        grads.resize(off);
        step(0);
    }
    void step(int s) {
        for (size_t i = 0; i < params.size(); i++) {
            params[i] = std::sin(0.01f * i + 0.1f * s);
            grads[i] = std::cos(0.02f * i - 0.1f * s) * 0.01f;
        }
    }
    void gather(const std::vector<uint64_t>& idx, float* v, float* g) override {
        for (size_t i = 0; i < idx.size(); i++) {
            v[i] = params[idx[i]];
            g[i] = grads[idx[i]];
        }
    }
    size_t slabs() const {
        size_t n = 0;
        for (auto& t : desc.tensors) n += t.layers;
        return n;
    }
};

// Drives the observer like the training loop does, for `steps` steps.
void train(VizObserver& obs, FakeModel& m, int steps) {
    for (int s = 0; s < steps; s++) {
        m.step(s + 1);
        if (SampleRequest* r = obs.sample_due(s + 1)) {
            for (auto& st : r->stats) { st.count = 10; st.sum = 1; st.sumsq = 2; st.min = -1; st.max = 1; }
            obs.sample_ready(r, m);
            obs.drain();  // tests want every sample; real training would skip busy ones
        }
        StepMetrics sm;
        sm.step = s;
        sm.train_loss = 3.0f - 0.01f * s;
        obs.step_finished(sm);
    }
}

std::vector<std::string> frame_files(const std::string& run_dir) {
    std::vector<std::string> out;
    if (!fs::exists(run_dir + "/frames")) return out;
    for (auto& e : fs::directory_iterator(run_dir + "/frames"))
        if (e.path().extension() == ".bin") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

TEST(VizObserver, FramesHoldTheWatchedValuesAtTheirStep) {
    TempDir dir;
    VizOptions o;
    o.serve = false;
    o.runs_dir = dir.path;
    o.session = "s1";
    o.interval = 5;
    FakeModel m;
    VizObserver obs(o);
    obs.run_started(m.desc, R"({"start_time":"now"})");
    train(obs, m, 20);
    obs.run_finished("finished");
    auto files = frame_files(dir.path + "/s1");
    ASSERT_EQ(files.size(), 4u);  // steps 5, 10, 15, 20
    Frame f = decode_frame(read_file(files[1]));
    EXPECT_EQ(f.step, 10);
    m.step(10);  // the state the frame must show
    bool checked_grid = false, checked_vector = false;
    for (const FrameTensor& t : f.tensors) {
        if (t.name == "ln2w" && t.field == "value" && t.layer == 1) {
            const TensorDesc& d = m.desc.tensors[8];
            for (int c = 0; c < 16; c++)
                EXPECT_NEAR(t.data[c], m.params[d.offset + 16 + c], 1.0 / 127 + 1e-6);
            checked_vector = true;
        }
        if (t.name == "qkvw" && t.field == "value" && t.layer == 1) {
            // 48 x 16 matrix: 32 evenly spaced rows (r * 48 / 32), all 16 columns.
            EXPECT_EQ(t.shape, (std::vector<int>{32, 16}));
            const TensorDesc& d = m.desc.tensors[4];
            const size_t layer1 = d.offset + 48 * 16;
            float scale = 0;
            for (float v : t.data) scale = std::max(scale, std::fabs(v));
            for (int r : {0, 1, 5, 31})
                for (int c : {0, 7, 15})
                    EXPECT_NEAR(t.data[r * 16 + c], m.params[layer1 + (size_t)(r * 48 / 32) * 16 + c],
                                scale / 127 + 1e-6) << "row " << r << " col " << c;
            checked_grid = true;
        }
    }
    EXPECT_TRUE(checked_vector);
    EXPECT_TRUE(checked_grid);
    EXPECT_EQ(obs.counters().frames, 4u);
    EXPECT_EQ(obs.counters().errors, 0u);
    std::string metrics = read_file(dir.path + "/s1/metrics.jsonl");
    EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 20);
}

TEST(VizObserver, ThrowingSamplerIsCountedAndTrainingGoesOn) {
    TempDir dir;
    VizOptions o;
    o.serve = false;
    o.runs_dir = dir.path;
    o.session = "s2";
    o.interval = 2;
    int calls = 0;
    o.fault = [&](const std::string& where) {
        if (where == "gather" && ++calls % 2 == 1) throw std::runtime_error("injected gather fault");
    };
    FakeModel m;
    VizObserver obs(o);
    obs.run_started(m.desc, "{}");
    testing::internal::CaptureStderr();
    train(obs, m, 20);  // must not throw
    obs.run_finished("finished");
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(obs.counters().errors, 5u);      // 10 samples due, every other one fails
    EXPECT_EQ(obs.counters().frames, 5u);
    EXPECT_NE(log.find("injected gather fault"), std::string::npos);
    EXPECT_EQ(log.find("injected gather fault"), log.rfind("injected gather fault")) << "logged once";
    std::string metrics = read_file(dir.path + "/s2/metrics.jsonl");
    EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 20);  // metrics all kept
}

TEST(VizObserver, FailingFrameBuildIsContained) {
    TempDir dir;
    VizOptions o;
    o.serve = false;
    o.runs_dir = dir.path;
    o.interval = 1;
    o.fault = [](const std::string& where) {
        if (where == "build") throw std::runtime_error("injected build fault");
    };
    FakeModel m;
    VizObserver obs(o);
    obs.run_started(m.desc, "{}");
    testing::internal::CaptureStderr();
    train(obs, m, 10);
    obs.run_finished("finished");
    testing::internal::GetCapturedStderr();
    EXPECT_EQ(obs.counters().frames, 0u);
    EXPECT_EQ(obs.counters().errors, 10u);
}

TEST(VizObserver, UnwritableRunsDirectoryDegradesToNoStore) {
    TempDir dir;
    std::string file = dir.path + "/not-a-dir";
    std::ofstream(file) << "x";
    VizOptions o;
    o.serve = false;
    o.runs_dir = file + "/runs";  // a path under a regular file: cannot be created, even as root
    o.interval = 2;
    FakeModel m;
    VizObserver obs(o);
    testing::internal::CaptureStderr();
    obs.run_started(m.desc, "{}");
    train(obs, m, 10);
    obs.run_finished("finished");
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("store"), std::string::npos);
    EXPECT_EQ(obs.counters().frames, 5u);  // frames are still built (for the live view)
}

TEST(VizObserver, BusyBuffersSkipSamplesInsteadOfWaiting) {
    TempDir dir;
    VizOptions o;
    o.serve = false;
    o.runs_dir = dir.path;
    o.interval = 1;
    FakeModel m;
    VizObserver obs(o);
    obs.run_started(m.desc, "{}");
    // Take both buffers without handing them back: the third request must be refused at once.
    SampleRequest* a = obs.sample_due(1);
    SampleRequest* b = obs.sample_due(2);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(obs.sample_due(3), nullptr);
    EXPECT_EQ(obs.counters().skipped_samples, 1u);
    obs.sample_ready(a, m);
    obs.sample_ready(b, m);
    obs.run_finished("finished");
    EXPECT_EQ(obs.counters().frames, 2u);
}

}  // namespace

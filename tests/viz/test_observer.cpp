// test_observer.cpp: the viz observer as the trainer drives it: frames hold the watched values,
// failures anywhere in viz (a throwing sampler, frame building, an unwritable runs directory)
// are counted and logged while "training" goes on, and the copy of the watched values is only
// queued by the training thread and waited for by the viz thread (as a GPU copy would be).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "common/file_io.h"
#include "viz/frame.h"
#include "tests/support/temp_dir.h"
#include "viz/dashboard.h"

using namespace nanogpt;
using namespace nanogpt::viz;
using nanogpt::test::TempDir;
namespace fs = std::filesystem;

namespace {

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
    // Done on return, as the CPU backend.
    struct Done : PendingCopy {
        void wait() override {}
    };
    std::unique_ptr<PendingCopy> gather(const std::vector<uint64_t>& idx, float* v, float* g) override {
        for (size_t i = 0; i < idx.size(); i++) {
            v[i] = params[idx[i]];
            g[i] = grads[idx[i]];
        }
        return std::make_unique<Done>();
    }
    size_t slabs() const {
        size_t n = 0;
        for (auto& t : desc.tensors) n += t.layers;
        return n;
    }
};

// Drives the observer like the training loop does, for `steps` steps.
void train(Dashboard& obs, FakeModel& m, int steps) {
    for (int s = 0; s < steps; s++) {
        m.step(s + 1);
        if (SnapshotRequest* r = obs.snapshot_due(s + 1)) {
            for (auto& st : r->stats) { st.count = 10; st.sum = 1; st.sumsq = 2; st.min = -1; st.max = 1; }
            obs.snapshot_ready(r, m);
            obs.drain();  // tests want every sample; real training would skip busy ones
        }
        StepMetrics sm;
        sm.step = s;
        sm.train_loss = 3.0f - 0.01f * s;
        obs.step_finished(sm);
    }
}

// A device-like reader: gather() takes the values at call time (as a GPU copy into pinned memory
// would) and returns at once; wait() delivers them into the caller's arrays only after the
// test releases that copy. A wait() on the thread that called gather() (the training thread)
// is recorded and returns at once instead of blocking, so a wrong implementation fails the
// test instead of hanging it.
struct GatedReader : ParamReader {
    FakeModel& model;
    std::mutex mu;
    std::condition_variable cv;
    int issued = 0, released = 0, waits_entered = 0, waits_on_training_thread = 0;
    std::thread::id training_thread = std::this_thread::get_id();

    explicit GatedReader(FakeModel& m) : model(m) {}

    struct Copy : PendingCopy {
        GatedReader* r;
        int index;
        std::vector<float> v, g;
        float *dst_v, *dst_g;
        void wait() override {
            std::unique_lock<std::mutex> lock(r->mu);
            if (std::this_thread::get_id() == r->training_thread) {
                r->waits_on_training_thread++;
                return;
            }
            r->waits_entered++;
            r->cv.notify_all();
            r->cv.wait(lock, [&] { return r->released > index; });
            std::copy(v.begin(), v.end(), dst_v);
            std::copy(g.begin(), g.end(), dst_g);
        }
    };
    std::unique_ptr<PendingCopy> gather(const std::vector<uint64_t>& idx, float* v, float* g) override {
        auto c = std::make_unique<Copy>();
        c->r = this;
        std::lock_guard<std::mutex> lock(mu);
        c->index = issued++;
        for (uint64_t i : idx) {
            c->v.push_back(model.params[i]);
            c->g.push_back(model.grads[i]);
        }
        c->dst_v = v;
        c->dst_g = g;
        return c;
    }
    void release(int n) {
        std::lock_guard<std::mutex> lock(mu);
        released = std::max(released, n);
        cv.notify_all();
    }
    // Deadlock guard only (a wrong observer never waits): not a timing assertion.
    bool wait_until_entered(int n) {
        std::unique_lock<std::mutex> lock(mu);
        return cv.wait_for(lock, std::chrono::seconds(60), [&] { return waits_entered >= n; });
    }
    int entered() {
        std::lock_guard<std::mutex> lock(mu);
        return waits_entered;
    }
};

// Releases every copy when a test ends early, so the observer's worker can finish.
struct ReleaseAll {
    GatedReader& r;
    ~ReleaseAll() { r.release(INT_MAX); }
};

// Options of an observer that records to runs_dir without serving (session "" picks one).
VizOptions recording_options(const std::string& runs_dir, const std::string& session, int interval) {
    VizOptions o;
    o.serve = false;
    o.runs_dir = runs_dir;
    if (!session.empty()) o.session = session;
    o.interval = interval;
    return o;
}

// For the tests that count a GatedReader's copies: no insights engine, whose whole-matrix copy
// at the first snapshot (viz/insights/spectra.h, MatrixCopy) would be one more gather the gates
// number (that copy's hand-off is tested in test_insights_params.cpp).
VizOptions gated_options(const std::string& runs_dir, const std::string& session, int interval) {
    VizOptions o = recording_options(runs_dir, session, interval);
    o.insights = false;
    return o;
}

void fill_stats(SnapshotRequest* r) {
    for (auto& st : r->stats) { st.count = 10; st.sum = 1; st.sumsq = 2; st.min = -1; st.max = 1; }
}

std::vector<std::string> frame_files(const std::string& run_dir) {
    std::vector<std::string> out;
    if (!fs::exists(run_dir + "/frames")) return out;
    for (auto& e : fs::directory_iterator(run_dir + "/frames"))
        if (e.path().extension() == ".bin") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

TEST(Dashboard, FramesHoldTheWatchedValuesAtTheirStep) {
    TempDir dir;
    VizOptions o = recording_options(dir.path(), "s1", 5);
    FakeModel m;
    Dashboard obs(o);
    obs.run_started(m.desc, RunInfo{});
    train(obs, m, 20);
    obs.run_finished(RunEnd::Finished);
    auto files = frame_files(dir.path() + "/s1");
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
    std::string metrics = read_file(dir.path() + "/s1/metrics.jsonl");
    EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 20);
}

TEST(Dashboard, ThrowingSamplerIsCountedAndTrainingGoesOn) {
    TempDir dir;
    VizOptions o = recording_options(dir.path(), "s2", 2);
    int calls = 0;
    o.fault = [&](const std::string& where) {
        if (where == "gather" && ++calls % 2 == 1) throw std::runtime_error("injected gather fault");
    };
    FakeModel m;
    Dashboard obs(o);
    obs.run_started(m.desc, RunInfo{});
    testing::internal::CaptureStderr();
    train(obs, m, 20);  // must not throw
    obs.run_finished(RunEnd::Finished);
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(obs.counters().errors, 5u);      // 10 samples due, every other one fails
    EXPECT_EQ(obs.counters().frames, 5u);
    EXPECT_NE(log.find("injected gather fault"), std::string::npos);
    EXPECT_EQ(log.find("injected gather fault"), log.rfind("injected gather fault")) << "logged once";
    std::string metrics = read_file(dir.path() + "/s2/metrics.jsonl");
    EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 20);  // metrics all kept
}

TEST(Dashboard, FailingFrameBuildIsContained) {
    TempDir dir;
    VizOptions o = recording_options(dir.path(), "", 1);
    o.fault = [](const std::string& where) {
        if (where == "build") throw std::runtime_error("injected build fault");
    };
    FakeModel m;
    Dashboard obs(o);
    obs.run_started(m.desc, RunInfo{});
    testing::internal::CaptureStderr();
    train(obs, m, 10);
    obs.run_finished(RunEnd::Finished);
    testing::internal::GetCapturedStderr();
    EXPECT_EQ(obs.counters().frames, 0u);
    EXPECT_EQ(obs.counters().errors, 10u);
}

TEST(Dashboard, UnwritableRunsDirectoryDegradesToNoStore) {
    TempDir dir;
    std::string file = dir.path() + "/not-a-dir";
    std::ofstream(file) << "x";
    VizOptions o;
    o.serve = false;
    o.runs_dir = file + "/runs";  // a path under a regular file: cannot be created, even as root
    o.interval = 2;
    FakeModel m;
    Dashboard obs(o);
    testing::internal::CaptureStderr();
    obs.run_started(m.desc, RunInfo{});
    train(obs, m, 10);
    obs.run_finished(RunEnd::Finished);
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("store"), std::string::npos);
    EXPECT_EQ(obs.counters().frames, 5u);  // frames are still built (for the live view)
}

TEST(Dashboard, BusyBuffersSkipSamplesInsteadOfWaiting) {
    TempDir dir;
    VizOptions o = recording_options(dir.path(), "", 1);
    FakeModel m;
    Dashboard obs(o);
    obs.run_started(m.desc, RunInfo{});
    // Take both buffers without handing them back: the third request must be refused at once.
    SnapshotRequest* a = obs.snapshot_due(1);
    SnapshotRequest* b = obs.snapshot_due(2);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(obs.snapshot_due(3), nullptr);
    EXPECT_EQ(obs.counters().skipped_snapshots, 1u);
    obs.snapshot_ready(a, m);
    obs.snapshot_ready(b, m);
    obs.run_finished(RunEnd::Finished);
    EXPECT_EQ(obs.counters().frames, 2u);
}

}  // namespace

namespace {

// ln2w of layer 1 in a frame (a vector: every value is shown, quantised to 8 bits).
std::vector<float> ln2w_layer1(const Frame& f) {
    for (const FrameTensor& t : f.tensors)
        if (t.name == "ln2w" && t.field == "value" && t.layer == 1) return t.data;
    return {};
}

TEST(DashboardHandOff, SampleReadyOnlyQueuesAndTheFrameWaitsForTheCopy) {
    TempDir dir;
    VizOptions o = gated_options(dir.path(), "h1", 1);
    FakeModel m;
    GatedReader reader(m);
    Dashboard obs(o);
    ReleaseAll guard{reader};
    obs.run_started(m.desc, RunInfo{});

    m.step(1);
    const std::vector<float> at_gather = m.params;
    SnapshotRequest* r = obs.snapshot_due(1);
    ASSERT_NE(r, nullptr);
    fill_stats(r);
    obs.snapshot_ready(r, reader);  // returns with the copy still held back
    EXPECT_EQ(reader.waits_on_training_thread, 0) << "the training thread waited for the copy";

    // (b) the worker waits for the copy, and builds nothing until it has landed.
    ASSERT_TRUE(reader.wait_until_entered(1)) << "the viz worker never waited for the copy";
    m.step(50);  // training moves on; the frame must show what the copy delivered
    EXPECT_EQ(obs.counters().frames, 0u);
    reader.release(1);
    obs.drain();
    EXPECT_EQ(obs.counters().frames, 1u);
    EXPECT_EQ(obs.counters().errors, 0u);
    obs.run_finished(RunEnd::Finished);

    auto files = frame_files(dir.path() + "/h1");
    ASSERT_EQ(files.size(), 1u);
    std::vector<float> shown = ln2w_layer1(decode_frame(read_file(files[0])));
    ASSERT_EQ(shown.size(), 16u);
    const TensorDesc& d = m.desc.tensors[8];  // ln2w
    float moved = 0;
    for (int c = 0; c < 16; c++) {
        EXPECT_NEAR(shown[c], at_gather[d.offset + 16 + c], 1.0 / 127 + 1e-6) << "channel " << c;
        moved = std::max(moved, std::fabs(at_gather[d.offset + 16 + c] - m.params[d.offset + 16 + c]));
    }
    EXPECT_GT(moved, 0.1f) << "the test needs values that moved after the gather";
}

TEST(DashboardHandOff, BothSlotsInFlightSkipTheNextSampleWithoutWaiting) {
    TempDir dir;
    VizOptions o = gated_options(dir.path(), "h2", 1);
    FakeModel m;
    GatedReader reader(m);
    Dashboard obs(o);
    ReleaseAll guard{reader};
    obs.run_started(m.desc, RunInfo{});

    for (int step = 1; step <= 2; step++) {
        m.step(step);
        SnapshotRequest* r = obs.snapshot_due(step);
        ASSERT_NE(r, nullptr) << "step " << step;
        fill_stats(r);
        obs.snapshot_ready(r, reader);
    }
    ASSERT_TRUE(reader.wait_until_entered(1));
    // (c) both slots hold copies that have not landed: the next sample is skipped and counted.
    EXPECT_EQ(obs.snapshot_due(3), nullptr);
    EXPECT_EQ(obs.counters().skipped_snapshots, 1u);
    EXPECT_EQ(obs.counters().frames, 0u);
    EXPECT_EQ(reader.entered(), 1) << "copies are waited for one at a time, in order";
    EXPECT_EQ(reader.waits_on_training_thread, 0);

    reader.release(2);
    obs.drain();
    EXPECT_EQ(obs.counters().frames, 2u);
    // Slots free again: the next sample is taken.
    SnapshotRequest* r = obs.snapshot_due(4);
    ASSERT_NE(r, nullptr);
    fill_stats(r);
    obs.snapshot_ready(r, reader);
    reader.release(3);
    obs.drain();
    obs.run_finished(RunEnd::Finished);
    EXPECT_EQ(obs.counters().frames, 3u);
    EXPECT_EQ(obs.counters().skipped_snapshots, 1u);
    EXPECT_EQ(obs.counters().errors, 0u);
    EXPECT_EQ(reader.waits_on_training_thread, 0);
}

TEST(DashboardHandOff, AFailedWaitIsCountedAndFreesTheSlot) {
    struct Failing : ParamReader {
        struct Copy : PendingCopy {
            void wait() override { throw std::runtime_error("injected copy failure"); }
        };
        std::unique_ptr<PendingCopy> gather(const std::vector<uint64_t>&, float*, float*) override {
            return std::make_unique<Copy>();
        }
    } reader;
    TempDir dir;
    VizOptions o = recording_options(dir.path(), "", 1);
    FakeModel m;
    Dashboard obs(o);
    obs.run_started(m.desc, RunInfo{});
    testing::internal::CaptureStderr();
    for (int step = 1; step <= 4; step++) {
        SnapshotRequest* r = obs.snapshot_due(step);
        ASSERT_NE(r, nullptr) << "a failed copy must free its slot";
        fill_stats(r);
        obs.snapshot_ready(r, reader);
        obs.drain();
    }
    obs.run_finished(RunEnd::Finished);
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("injected copy failure"), std::string::npos);
    EXPECT_EQ(obs.counters().errors, 4u);
    EXPECT_EQ(obs.counters().frames, 0u);
}

}  // namespace

// The run's final state is always recorded: off the interval, and even when both buffers are
// busy (the call waits for one instead of skipping).
TEST(DashboardHandOff, TheFinalStateIsSampledOffIntervalAndWaitsForABuffer) {
    TempDir dir;
    VizOptions o = gated_options(dir.path(), "final", 5);
    FakeModel m;
    GatedReader reader(m);
    Dashboard obs(o);
    ReleaseAll guard{reader};
    obs.run_started(m.desc, RunInfo{});

    EXPECT_EQ(obs.snapshot_due(7), nullptr) << "off the interval, an ordinary step is not sampled";
    for (int step : {5, 10}) {
        m.step(step);
        SnapshotRequest* r = obs.snapshot_due(step);
        ASSERT_NE(r, nullptr) << "step " << step;
        fill_stats(r);
        obs.snapshot_ready(r, reader);
    }
    ASSERT_TRUE(reader.wait_until_entered(1));
    // Both slots are in flight; the final step (12, off the interval) must still get one once
    // the worker frees a slot, which it does after the copies are released.
    std::thread releaser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        reader.release(2);
    });
    m.step(12);
    SnapshotRequest* last = obs.snapshot_due(12, /*final_state=*/true);
    releaser.join();
    ASSERT_NE(last, nullptr);
    fill_stats(last);
    obs.snapshot_ready(last, reader);
    reader.release(3);
    obs.drain();
    obs.run_finished(RunEnd::Finished);
    EXPECT_EQ(obs.counters().frames, 3u);
    EXPECT_EQ(obs.counters().skipped_snapshots, 0u);
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/final/frames/000000012.bin"));
}

// The worker hands a slot back once, as soon as its frame owns the data. A second hand-back
// after the frame is stored would free a slot the trainer has already claimed again (and is
// filling), so the next sample would get that same slot while it is still in use.
TEST(DashboardHandOff, ASlotIsHandedBackOnceWhileItsFrameIsStillBeingWritten) {
    TempDir dir;
    VizOptions o = recording_options(dir.path(), "once", 1);
    std::mutex mu;
    std::condition_variable cv;
    bool in_store = false, go_on = false;
    o.fault = [&](const std::string& where) {
        if (where != "store") return;
        std::unique_lock<std::mutex> lock(mu);
        if (go_on) return;  // later frames pass straight through
        in_store = true;
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(60), [&] { return go_on; });  // deadlock guard only
    };
    FakeModel m;
    Dashboard obs(o);
    obs.run_started(m.desc, RunInfo{});

    SnapshotRequest* first = obs.snapshot_due(1);
    ASSERT_NE(first, nullptr);
    fill_stats(first);
    obs.snapshot_ready(first, m);
    {
        std::unique_lock<std::mutex> lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return in_store; }));
    }
    // The frame of step 1 is being stored; its slot is already free, and the trainer takes it.
    SnapshotRequest* second = obs.snapshot_due(2);
    ASSERT_EQ(second, first) << "the first slot is handed back before the frame is stored";
    {
        std::lock_guard<std::mutex> lock(mu);
        go_on = true;
    }
    cv.notify_all();
    obs.drain();  // the worker finishes the frame of step 1
    // The trainer still holds `second` (not yet filled): the next sample must get the other slot.
    SnapshotRequest* third = obs.snapshot_due(3);
    ASSERT_NE(third, nullptr);
    EXPECT_NE(third, second) << "a slot in the trainer's hands was handed out again";
    EXPECT_EQ(obs.snapshot_due(4), nullptr) << "both slots are in use";
    for (SnapshotRequest* r : {second, third}) {
        fill_stats(r);
        obs.snapshot_ready(r, m);
    }
    obs.drain();
    obs.run_finished(RunEnd::Finished);
    EXPECT_EQ(obs.counters().frames, 3u);
}

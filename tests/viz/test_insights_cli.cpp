// test_insights_cli.cpp: `nanogpt insights` end to end, as a real process: on a recorded run
// directory (one JSON insight message per line, notes on stderr), a session id under --runs, a
// bare metrics.csv, a run directory with frames (their statistics fed to the parameter
// detectors), and the errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include <rapidjson/document.h>

#include "common/file_io.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "viz/frame.h"
#include "viz/store/files.h"

using nanogpt::test::ChildProcess;
using nanogpt::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = std::string(NANOGPT_SOURCE_DIR) + "/tests/viz/fixtures/";

struct Output {
    int code = 0;
    std::vector<rapidjson::Document> insights;
    std::vector<std::string> notes, other;
    std::set<std::string> kinds;
};

// stdout and stderr arrive together: notes start with "insights:", every other line must be
// an insight message.
Output run_insights(const std::string& args) {
    ChildProcess p(std::string(NANOGPT_BINARY) + " insights " + args);
    Output o;
    while (auto line = p.line()) {
        if (line->rfind("insights:", 0) == 0) {
            o.notes.push_back(*line);
            continue;
        }
        rapidjson::Document d;
        d.Parse(line->c_str());
        if (d.HasParseError() || !d.IsObject() || !d.HasMember("type") ||
            std::string(d["type"].GetString()) != "insight") {
            o.other.push_back(*line);
            continue;
        }
        o.kinds.insert(d["kind"].GetString());
        o.insights.push_back(std::move(d));
    }
    o.code = p.wait();
    return o;
}

TEST(InsightsCli, RunDirectoryPrintsOneInsightPerLine) {
    const Output o = run_insights(kFixtures + "shakespeare_char_cpu");
    EXPECT_EQ(o.code, 0);
    EXPECT_TRUE(o.other.empty()) << o.other.front();
    for (const char* k : {"warmup", "rapid_descent", "level_crossed", "slowdown", "power_law", "annealing", "phase",
                          "shoulder", "clipping_active", "gap_growing"})
        EXPECT_TRUE(o.kinds.count(k)) << k;
    for (const char* k : {"loss_spike", "grad_spike", "instability", "divergence", "overfitting"})
        EXPECT_FALSE(o.kinds.count(k)) << k;
    std::set<int> ids;
    for (const auto& d : o.insights) {
        EXPECT_TRUE(ids.insert(d["id"].GetInt()).second) << "one line per insight";
        EXPECT_FALSE(d["open"].GetBool());  // the run is over: every span closed
        for (const char* field : {"session", "kind", "step", "step_end", "severity", "subject", "title", "evidence",
                                  "explanation", "causes", "try"})
            EXPECT_TRUE(d.HasMember(field)) << field;
    }
    EXPECT_EQ(std::string(o.insights.front()["session"].GetString()), "shakespeare_char_cpu");
    ASSERT_FALSE(o.notes.empty());
    EXPECT_NE(o.notes.back().find("2001 steps read"), std::string::npos) << o.notes.back();
    // --all: every message as sent, spans more than once.
    const Output all = run_insights(kFixtures + "shakespeare_char_cpu --all");
    EXPECT_GT(all.insights.size(), o.insights.size());
}

TEST(InsightsCli, SessionIdUnderRunsAndABareCsv) {
    const Output s = run_insights("lr_spike_200x30 --runs " + kFixtures);
    EXPECT_EQ(s.code, 0);
    EXPECT_TRUE(s.kinds.count("loss_spike"));
    // A metrics.csv alone: the same detectors, and notes naming what did not run.
    TempDir dir;
    const std::string csv = "step,train_loss,val_loss,lr,grad_norm,ms,tokens_per_s,mfu\n"
                            "0,4.2,4.2,1e-4,2.0,1,1,\n1,4.1,,2e-4,1.9,1,1,\n2,4.0,,3e-4,1.8,1,1,\n"
                            "3,3.9,,3e-4,1.7,1,1,\n4,nan,,3e-4,nan,1,1,\n";
    nanogpt::write_file_atomic(dir.file("metrics.csv"), csv.data(), csv.size());
    const Output c = run_insights(dir.file("metrics.csv"));
    EXPECT_EQ(c.code, 0);
    EXPECT_TRUE(c.other.empty());
    EXPECT_TRUE(c.kinds.count("divergence"));  // the NaN at step 4
    std::string notes;
    for (const std::string& n : c.notes) notes += n + "\n";
    EXPECT_NE(notes.find("no config.toml"), std::string::npos) << notes;
    EXPECT_NE(notes.find("gap_growing did not run"), std::string::npos) << notes;
}

// A run directory with frames: their statistics go to the parameter detectors (whatever those
// find), the metric insights are those of the run without frames, and --no-snapshots skips them.
TEST(InsightsCli, FramesAreFedAndOptional) {
    TempDir dir;
    const std::string run = dir.file("run");
    fs::create_directories(run + "/frames");
    fs::copy_file(kFixtures + "lr_spike_200x30/run.json", run + "/run.json");
    fs::copy_file(kFixtures + "lr_spike_200x30/metrics.jsonl", run + "/metrics.jsonl");
    for (int step : {100, 200, 300}) {
        nanogpt::viz::Frame f;
        f.step = step;
        for (const char* name : {"wte", "wpe"}) {
            nanogpt::viz::FrameTensor t;
            t.name = t.kind = "stats";
            t.field = name;
            t.shape = {10};
            t.data = {0, 0.05f, -0.2f, 0.2f, 0.05f, 0.001f, 0.01f, -0.2f, 0.2f, (float)step};
            f.tensors.push_back(t);
        }
        const std::string bytes = nanogpt::viz::encode_frame(f);
        nanogpt::write_file_atomic(run + "/frames/" + nanogpt::viz::store::frame_file_name(step), bytes.data(),
                                   bytes.size());
    }
    // A torn frame is skipped, as the live worker would.
    nanogpt::write_file_atomic(run + "/frames/" + nanogpt::viz::store::frame_file_name(250), "NGVF", 4);
    const Output with = run_insights(run), without = run_insights(run + " --no-snapshots");
    EXPECT_EQ(with.code, 0);
    EXPECT_EQ(without.code, 0);
    const Output fixture = run_insights(kFixtures + "lr_spike_200x30");
    auto metric_kinds = [](const Output& o) {
        std::vector<std::string> out;
        for (const auto& d : o.insights)
            out.push_back(std::string(d["kind"].GetString()) + "@" + std::to_string(d["step"].GetInt()));
        return out;
    };
    EXPECT_EQ(metric_kinds(without), metric_kinds(fixture));
    EXPECT_TRUE(with.kinds.count("loss_spike"));
}

TEST(InsightsCli, ErrorsNameThePath) {
    const Output o = run_insights("/nonexistent/run");
    EXPECT_EQ(o.code, 1);
    std::string all;
    for (const std::string& l : o.other) all += l + "\n";
    EXPECT_NE(all.find("neither a run directory nor a metrics.csv"), std::string::npos) << all;
    TempDir dir;
    nanogpt::write_file_atomic(dir.file("metrics.csv"), "a,b\n1,2\n", 8);
    const Output bad = run_insights(dir.file("metrics.csv"));
    EXPECT_EQ(bad.code, 1);
}

}  // namespace

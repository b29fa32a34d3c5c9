// test_watched_training.cpp: the trainer driven with the dashboard as its watcher, in process.
// Watching must not change what is learned: the statistics come out of the optimizer's pass,
// and a run with the dashboard on ends with the same weights, to the bit, as one without.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/file_io.h"
#include "tests/trainer/train_fixture.h"
#include "trainer/train_run.h"
#include "viz/dashboard.h"

using namespace nanogpt;
using nanogpt::testing::tiny_config;
using nanogpt::testing::write_toy_data;

TEST(WatchedTraining, DashboardDoesNotChangeTraining) {
    test::TempDir dir("vizsame");
    write_toy_data(dir / "data", 40, 4000);
    TrainConfig c = tiny_config(dir / "data", dir / "off");
    run_train(c, "");
    c.out_dir = dir / "on";
    viz::VizOptions o;
    o.interval = 1;
    o.port = 0;
    o.runs_dir = dir / "runs";
    o.session = "watched";
    viz::Dashboard dashboard(o);
    run_train(c, "", &dashboard);
    EXPECT_EQ(read_file(dir / "off/model.bin"), read_file(dir / "on/model.bin"));
    EXPECT_TRUE(std::filesystem::exists(dir / "runs/watched/frames"));
    EXPECT_GT(dashboard.counters().frames, 0u);
}

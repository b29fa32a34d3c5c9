// test_resume.cpp: a run stopped and resumed equals, to the bit, a run that never stopped,
// with dropout and gradient accumulation on (so batches, masks and moments all must resume).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "common/file_io.h"
#include "train_fixture.h"
#include "trainer/train_run.h"

using namespace nanogpt;
using namespace nanogpt::testing;

namespace {

// Rows of metrics.csv for steps >= from (the resumed part), without the timing columns.
std::vector<std::string> loss_rows(const std::string& csv, int from) {
    std::istringstream in(read_file(csv));
    std::string line;
    std::getline(in, line);
    std::vector<std::string> rows;
    while (std::getline(in, line)) {
        if (std::atoi(line.c_str()) < from) continue;
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        cells.resize(5);  // step, train_loss, val_loss, lr, grad_norm
        std::string r;
        for (auto& c : cells) r += c + ",";
        rows.push_back(r);
    }
    return rows;
}

TEST(Resume, StopAndResumeEqualsUninterruptedToTheBit) {
    TempDir dir("resume");
    write_toy_data(dir / "data", 40, 4000);
    TrainConfig base = tiny_config(dir / "data", "");
    base.dropout = 0.1f;
    base.gradient_accumulation_steps = 2;

    TrainConfig full = base;
    full.out_dir = dir / "full";
    run_train(full, "");

    TrainConfig first = base;
    first.out_dir = dir / "split";
    first.max_iters = 4;
    run_train(first, "");
    TrainConfig second = base;
    second.out_dir = dir / "split";
    second.init_from = "resume";
    TrainSummary s = run_train(second, "");
    EXPECT_EQ(s.steps_run, 4);

    EXPECT_EQ(read_file(dir / "full/model.bin"), read_file(dir / "split/model.bin"))
        << "final weights differ";
    EXPECT_EQ(read_file(dir / "full/state.bin"), read_file(dir / "split/state.bin"))
        << "final optimizer state differs";
    auto a = loss_rows(dir / "full/metrics.csv", 0), b = loss_rows(dir / "split/metrics.csv", 0);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.size(), 9u);  // steps 0..7 plus the final evaluation row
}

TEST(Resume, SameSeedSameRunDifferentSeedDifferentRun) {
    TempDir dir("seed");
    write_toy_data(dir / "data", 40, 4000);
    TrainConfig c = tiny_config(dir / "data", dir / "a");
    run_train(c, "");
    c.out_dir = dir / "b";
    run_train(c, "");
    c.out_dir = dir / "c";
    c.seed = 7;
    run_train(c, "");
    EXPECT_EQ(read_file(dir / "a/model.bin"), read_file(dir / "b/model.bin"));
    EXPECT_NE(read_file(dir / "a/model.bin"), read_file(dir / "c/model.bin"));
}

TEST(Resume, TrainingReducesTheLoss) {
    TempDir dir("learn");
    write_toy_data(dir / "data", 40, 4000);
    TrainConfig c = tiny_config(dir / "data", dir / "out");
    c.max_iters = 60;
    c.eval_interval = 60;
    c.eval_iters = 4;
    c.lr_decay_iters = 60;
    c.warmup_iters = 5;
    TrainSummary s = run_train(c, "");
    // Uniform guessing over 40 tokens costs ln(40) = 3.69; the counting pattern is learnable.
    EXPECT_LT(s.final_val_loss, 2.5f);
}

}  // namespace

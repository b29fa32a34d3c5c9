// test_data_parallel.cpp: data-parallel training with real processes (mpirun -np 2, one thread
// per rank, on the CPU): 2 ranks x B sequences equal 1 process x 2B sequences over 10 AdamW
// steps with dropout (losses, gradient norms, final parameters within float32 tolerances);
// ZeRO-1 equals the all-reduce; a 2-rank run stopped and resumed equals an uninterrupted one to
// the bit; killing one rank ends the job with a message; the dashboard of a 2-rank run records
// one run with the global metrics. Without MPI in the build every test skips.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "common/file_io.h"
#include "tests/support/child_process.h"
#include "tests/support/compare.h"
#include "tests/support/temp_dir.h"
#include "trainer/checkpoint.h"

using namespace nanogpt;
namespace fs = std::filesystem;

namespace {

const std::string kBin = NANOGPT_BINARY;

// The CPU demo config cut small: 2 layers, 10 steps, dropout on, evaluations at 0, 5 and 10.
std::string train_args(const std::string& data, const std::string& out, int batch, int max_iters = 10) {
    return " train --config " NANOGPT_SOURCE_DIR "/configs/shakespeare_char_cpu.toml --data-dir " + data +
           " --out-dir " + out + " --n-layer 2 --eval-interval 5 --eval-iters 2 --sample-tokens 0" +
           " --dropout 0.1 --threads 1 --always-save-checkpoint true --batch-size " + std::to_string(batch) +
           " --max-iters " + std::to_string(max_iters);
}

// mpirun as root, 2 ranks on 2 cores (or fewer), each one thread, unbound.
std::string mpirun(int ranks) {
    return std::string(NANOGPT_MPIEXEC) + " --allow-run-as-root --oversubscribe --bind-to none -np " +
           std::to_string(ranks) + " ";
}

struct Metrics {
    std::vector<double> train_loss, val_loss, grad_norm;
};
Metrics read_metrics(const std::string& csv) {
    Metrics m;
    std::istringstream in(read_file(csv));
    std::string line;
    std::getline(in, line);  // header: step,train_loss,val_loss,lr,grad_norm,...
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string c;
        while (std::getline(ss, c, ',')) cells.push_back(c);
        cells.resize(8);
        if (!cells[1].empty()) m.train_loss.push_back(std::stod(cells[1]));
        if (!cells[2].empty()) m.val_loss.push_back(std::stod(cells[2]));
        if (!cells[4].empty()) m.grad_norm.push_back(std::stod(cells[4]));
    }
    return m;
}

class DataParallel : public ::testing::Test {
protected:
    void SetUp() override {
        if (std::string(NANOGPT_MPIEXEC).empty()) GTEST_SKIP() << "this build has no MPI";
        data_ = dir_ / "data";
        ASSERT_EQ(0, std::system((kBin + " prepare --tokenizer char --input " NANOGPT_SHARED_DATA
                                         "/tinyshakespeare/input.txt --out " + data_ + " > /dev/null").c_str()));
    }
    // Runs to the end; the output on failure.
    void run(const std::string& command) {
        test::ChildProcess p(command);
        ASSERT_EQ(p.wait(), 0) << command << "\n" << p.output();
    }
    test::TempDir dir_{"dp"};
    std::string data_;
};

// Per tensor, max|a - b| / max|b| over the final parameters.
double params_error(const std::string& a, const std::string& b) {
    ModelFile ma = load_model(a), mb = load_model(b);
    return test::rel_error(ma.params, mb.params);
}

// Float32 tolerances: the ranks sum their halves of each gradient, the single process sums the
// whole batch in one order; a few ulps per step, compounded over 10 AdamW steps.
constexpr double kLossTol = 1e-5, kNormTol = 1e-4, kParamTol = 1e-4;

void expect_close(const Metrics& a, const Metrics& b) {
    ASSERT_EQ(a.train_loss.size(), b.train_loss.size());
    ASSERT_EQ(a.val_loss.size(), b.val_loss.size());
    for (size_t i = 0; i < a.train_loss.size(); i++) {
        EXPECT_NEAR(a.train_loss[i], b.train_loss[i], kLossTol * b.train_loss[i]) << "step " << i;
        EXPECT_NEAR(a.grad_norm[i], b.grad_norm[i], kNormTol * b.grad_norm[i]) << "step " << i;
    }
    for (size_t i = 0; i < a.val_loss.size(); i++) EXPECT_NEAR(a.val_loss[i], b.val_loss[i], kLossTol * b.val_loss[i]);
}

TEST_F(DataParallel, TwoRanksOfBEqualOneProcessOf2B) {
    run(kBin + train_args(data_, dir_ / "one", 8) + " --viz-off");
    run(mpirun(2) + kBin + train_args(data_, dir_ / "two", 4) + " --viz-off");
    expect_close(read_metrics(dir_ / "two/metrics.csv"), read_metrics(dir_ / "one/metrics.csv"));
    const double err = params_error(dir_ / "two/model.bin", dir_ / "one/model.bin");
    EXPECT_LT(err, kParamTol);
    // A control: half the batch (what a rank alone sees) is far outside the tolerance, so the
    // comparison can fail.
    run(kBin + train_args(data_, dir_ / "other", 4) + " --viz-off");
    EXPECT_GT(params_error(dir_ / "other/model.bin", dir_ / "one/model.bin"), 10 * kParamTol);
    std::printf("parameters: 2x4 vs 1x8 %.2e (control 1x4 vs 1x8 %.2e)\n", err,
                params_error(dir_ / "other/model.bin", dir_ / "one/model.bin"));
}

TEST_F(DataParallel, ZeroOneEqualsTheAllReduce) {
    run(mpirun(2) + kBin + train_args(data_, dir_ / "allreduce", 4) + " --viz-off");
    run(mpirun(2) + kBin + train_args(data_, dir_ / "zero1", 4) + " --viz-off --zero 1");
    expect_close(read_metrics(dir_ / "zero1/metrics.csv"), read_metrics(dir_ / "allreduce/metrics.csv"));
    EXPECT_LT(params_error(dir_ / "zero1/model.bin", dir_ / "allreduce/model.bin"), kParamTol);
    // The moments are saved whole, so a ZeRO-1 checkpoint is an ordinary one.
    TrainState a = load_state(dir_ / "zero1/state.bin", load_model(dir_ / "zero1/model.bin").params.size());
    TrainState b = load_state(dir_ / "allreduce/state.bin", a.m.size());
    EXPECT_EQ(a.ranks, 2);
    EXPECT_LT(test::rel_error(a.v, b.v), 1e-3);
}

TEST_F(DataParallel, StoppedAndResumedEqualsUninterruptedToTheBit) {
    for (const std::string zero : {"0", "1"}) {
        const std::string full = dir_ / ("full" + zero), part = dir_ / ("part" + zero);
        run(mpirun(2) + kBin + train_args(data_, full, 4) + " --viz-off --zero " + zero);
        run(mpirun(2) + kBin + train_args(data_, part, 4, 5) + " --viz-off --zero " + zero);
        run(mpirun(2) + kBin + train_args(data_, part, 4) + " --viz-off --zero " + zero + " --init-from resume");
        EXPECT_EQ(read_file(full + "/model.bin"), read_file(part + "/model.bin")) << "zero " << zero;
        EXPECT_EQ(read_file(full + "/state.bin"), read_file(part + "/state.bin")) << "zero " << zero;
    }
}

TEST_F(DataParallel, KillingOneRankEndsTheJobWithAMessage) {
    const std::string cmd = mpirun(2) + kBin + train_args(data_, dir_ / "killed", 4, 1000000) +
                            " --viz-off --log-interval 1";
    test::ChildProcess job(cmd);
    ASSERT_TRUE(job.until(std::regex(R"(step +3/)"))) << job.output();
    // The ranks are mpirun's children; kill the last one (rank 1 in launch order).
    std::string pids = read_file("/proc/" + std::to_string(job.pid()) + "/task/" + std::to_string(job.pid()) +
                                 "/children");
    std::istringstream in(pids);
    pid_t victim = 0;
    for (pid_t p; in >> p;) victim = p;
    ASSERT_GT(victim, 0) << "no rank processes under mpirun";
    const auto t0 = std::chrono::steady_clock::now();
    ::kill(victim, SIGKILL);
    const int status = job.wait();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_NE(status, 0);
    EXPECT_NE(job.output().find("exited on signal 9"), std::string::npos) << job.output();
    EXPECT_LT(seconds, 60.0) << "the job must end, not hang";  // a bound, not a speed claim
}

TEST_F(DataParallel, AStuckRankEndsTheJobAfterTheTimeout) {
    const std::string cmd = mpirun(2) + kBin + train_args(data_, dir_ / "stuck", 4, 1000000) +
                            " --viz-off --log-interval 1 --dist-timeout 2";
    test::ChildProcess job(cmd);
    ASSERT_TRUE(job.until(std::regex(R"(step +3/)"))) << job.output();
    std::istringstream in(read_file("/proc/" + std::to_string(job.pid()) + "/task/" + std::to_string(job.pid()) +
                                    "/children"));
    pid_t victim = 0;
    for (pid_t p; in >> p;) victim = p;
    ASSERT_GT(victim, 0);
    ::kill(victim, SIGSTOP);  // alive, but never reaches the next collective
    const int status = job.wait();
    ::kill(victim, SIGKILL);
    EXPECT_NE(status, 0);
    EXPECT_NE(job.output().find("waited 2 s in a collective"), std::string::npos) << job.output();
}

TEST_F(DataParallel, TheDashboardRecordsOneRunWithTheGlobalMetrics) {
    run(kBin + train_args(data_, dir_ / "one", 8) + " --viz-off");
    run(mpirun(2) + kBin + train_args(data_, dir_ / "watched", 4) + " --viz-port 0 --viz-runs-dir " +
        (dir_ / "runs"));
    std::vector<std::string> sessions;
    for (const auto& e : fs::directory_iterator(dir_ / "runs")) sessions.push_back(e.path().string());
    ASSERT_EQ(sessions.size(), 1u) << "only rank 0 records the run";
    rapidjson::Document run;
    run.Parse(read_file(sessions[0] + "/run.json").c_str());
    ASSERT_TRUE(run.IsObject());
    EXPECT_EQ(run["ranks"].GetInt(), 2);
    EXPECT_STREQ(run["communicator"].GetString(), "mpi");
    // The recorded losses are the job's (the mean over ranks), equal to one process of 2B.
    const Metrics one = read_metrics(dir_ / "one/metrics.csv");
    std::istringstream in(read_file(sessions[0] + "/metrics.jsonl"));
    std::vector<double> recorded;
    for (std::string line; std::getline(in, line);) {
        rapidjson::Document d;
        d.Parse(line.c_str());
        if (d.IsObject() && d.HasMember("train_loss")) recorded.push_back(d["train_loss"].GetDouble());
    }
    ASSERT_EQ(recorded.size(), one.train_loss.size());
    for (size_t i = 0; i < recorded.size(); i++) EXPECT_NEAR(recorded[i], one.train_loss[i], kLossTol * one.train_loss[i]);
}

}  // namespace

// test_bad_inputs.cpp: wrong data, shapes and settings end in a clear Error, never a crash.
#include <gtest/gtest.h>

#include <functional>

#include "common/error.h"
#include "common/file_io.h"
#include "kernels/cpu/cpu_backend.h"
#include "train_fixture.h"
#include "trainer/checkpoint.h"
#include "trainer/gpt2.h"
#include "trainer/train_run.h"

using namespace nanogpt;
using namespace nanogpt::testing;

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return std::string(e.what()) + " | hint: " + e.hint();
    }
    return "(no error)";
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
    std::string msg = error_of(f);
    EXPECT_NE(msg.find(needle), std::string::npos) << "message was: " << msg;
}

std::string write_model(const std::string& path, int maxT, int V) {
    CpuBackend be;
    GPT2 m(be, ModelConfig{maxT, V, pad_vocab(V), 2, 2, 32});
    m.init_random(1);
    save_model(path, m.config(), m.save_params());
    return path;
}

TEST(BadInputs, BlockSizeLargerThanTheModelsMaxT) {
    TempDir dir("maxt");
    write_toy_data(dir / "data", 40, 4000);
    TrainConfig c = tiny_config(dir / "data", dir / "out");
    c.init_from = write_model(dir / "m.bin", 16, 40);
    c.block_size = 32;
    expect_error([&] { run_train(c, ""); }, "larger than the model's maxT 16");
}

TEST(BadInputs, DataVocabularyLargerThanTheModels) {
    TempDir dir("vocab");
    write_toy_data(dir / "data", 40, 4000);
    TrainConfig c = tiny_config(dir / "data", dir / "out");
    c.init_from = write_model(dir / "m.bin", 16, 10);
    expect_error([&] { run_train(c, ""); }, "vocabulary has 10");
}

TEST(BadInputs, MissingDataSaysHowToPrepareIt) {
    TempDir dir("nodata");
    TrainConfig c = tiny_config(dir / "nothing", dir / "out");
    expect_error([&] { run_train(c, ""); }, "nanogpt prepare");
}

TEST(BadInputs, TruncatedShard) {
    TempDir dir("trunc");
    write_toy_data(dir / "data", 40, 4000);
    std::string bytes = read_file(dir / "data/train.bin");
    bytes.resize(bytes.size() - 3);
    write_file_atomic(dir / "data/train.bin", bytes.data(), bytes.size());
    TrainConfig c = tiny_config(dir / "data", dir / "out");
    expect_error([&] { run_train(c, ""); }, "train.bin");
}

TEST(BadInputs, ShardWithWrongMagic) {
    TempDir dir("magic");
    write_toy_data(dir / "data", 40, 4000);
    std::string bytes = read_file(dir / "data/val.bin");
    bytes[0] ^= 0x11;
    write_file_atomic(dir / "data/val.bin", bytes.data(), bytes.size());
    TrainConfig c = tiny_config(dir / "data", dir / "out");
    expect_error([&] { run_train(c, ""); }, "val.bin");
}

TEST(BadInputs, ShardTooShortForOneSequence) {
    TempDir dir("short");
    write_toy_data(dir / "data", 40, 100);  // val has 10 tokens
    TrainConfig c = tiny_config(dir / "data", dir / "out");
    expect_error([&] { run_train(c, ""); }, "too few for sequences");
}

TEST(BadInputs, ResumeWithoutACheckpoint) {
    TempDir dir("noresume");
    write_toy_data(dir / "data", 40, 4000);
    TrainConfig c = tiny_config(dir / "data", dir / "out");
    c.init_from = "resume";
    expect_error([&] { run_train(c, ""); }, "does not exist");
}

TEST(BadInputs, InconsistentModelShape) {
    TempDir dir("shape");
    write_toy_data(dir / "data", 40, 4000);
    TrainConfig c = tiny_config(dir / "data", dir / "out");
    c.n_embd = 30;
    c.n_head = 4;
    expect_error([&] { run_train(c, ""); }, "n_embd");
}

TEST(BadInputs, OutOfRangeSettingsNameTheirKey) {
    TrainConfig c;
    c.dropout = 1.5f;
    expect_error([&] { c.validate(); }, "dropout");
    c = TrainConfig{};
    c.warmup_iters = 100;
    c.lr_decay_iters = 50;
    expect_error([&] { c.validate(); }, "lr_decay_iters");
    c = TrainConfig{};
    c.system.device = "tpu";
    expect_error([&] { c.validate(); }, "device");
    c = TrainConfig{};
    EXPECT_EQ(c.system.precision, "bf16");
    c.system.precision = "int8";
    expect_error([&] { c.validate(); }, "precision");
}

TEST(BadInputs, TokensOutsideTheVocabulary) {
    CpuBackend be;
    GPT2 m(be, ModelConfig{16, 10, pad_vocab(10), 1, 1, 8});
    std::vector<int> x = {1, 2, 30};
    expect_error([&] { m.forward(x.data(), nullptr, 1, 3, PassOptions{}); }, "outside the vocabulary");
}

}  // namespace

// test_checkpoint.cpp: model files round-trip exactly and bad files are clear errors.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "common/error.h"
#include "common/file_io.h"
#include "kernels/cpu/cpu_backend.h"
#include "train_fixture.h"
#include "trainer/checkpoint.h"
#include "trainer/gpt2.h"

using namespace nanogpt;
using nanogpt::testing::TempDir;

namespace {

ModelConfig small_config() { return ModelConfig{16, 50, pad_vocab(50), 2, 2, 32}; }

std::vector<float> all_logits(GPT2& m, const std::vector<int>& x, int B, int T) {
    m.forward(x.data(), nullptr, B, T, PassOptions{});
    std::vector<float> out, row;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            m.read_logits(b, t, row);
            out.insert(out.end(), row.begin(), row.end());
        }
    return out;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(Checkpoint, SaveLoadGivesBitIdenticalLogits) {
    TempDir dir("ckpt");
    CpuBackend be;
    GPT2 a(be, small_config());
    a.init_random(123);
    std::vector<int> x(2 * 16);
    for (size_t i = 0; i < x.size(); i++) x[i] = (int)(i * 7 % 50);
    std::vector<float> before = all_logits(a, x, 2, 16);
    save_model(dir / "m.bin", a.config(), a.save_params());

    ModelFile mf = load_model(dir / "m.bin");
    EXPECT_EQ(mf.config.describe(), a.config().describe());
    GPT2 b(be, mf.config);
    b.load_params(mf.params);
    std::vector<float> after = all_logits(b, x, 2, 16);
    ASSERT_EQ(before.size(), after.size());
    EXPECT_EQ(0, std::memcmp(before.data(), after.data(), before.size() * sizeof(float)));
}

TEST(Checkpoint, HeaderIsLlmcVersion3) {
    TempDir dir("hdr");
    CpuBackend be;
    GPT2 a(be, small_config());
    save_model(dir / "m.bin", a.config(), a.save_params());
    std::string bytes = read_file(dir / "m.bin");
    int32_t h[8];
    std::memcpy(h, bytes.data(), sizeof h);
    EXPECT_EQ(h[0], 20240326);
    EXPECT_EQ(h[1], 3);
    EXPECT_EQ(h[2], 16);   // maxT
    EXPECT_EQ(h[3], 50);   // V
    EXPECT_EQ(h[4], 2);    // L
    EXPECT_EQ(h[5], 2);    // NH
    EXPECT_EQ(h[6], 32);   // C
    EXPECT_EQ(h[7], 128);  // Vp
    EXPECT_EQ(bytes.size(), 1024 + a.num_params() * 4);
}

TEST(Checkpoint, CorruptModelFilesAreClearErrors) {
    TempDir dir("bad");
    CpuBackend be;
    GPT2 a(be, small_config());
    save_model(dir / "m.bin", a.config(), a.save_params());
    std::string good = read_file(dir / "m.bin");

    auto write = [&](const std::string& name, const std::string& bytes) {
        write_file_atomic(dir / name, bytes.data(), bytes.size());
        return dir / name;
    };
    std::string truncated = write("trunc.bin", good.substr(0, good.size() - 100));
    EXPECT_NE(error_of([&] { load_model(truncated); }).find("truncated"), std::string::npos);

    std::string extra = write("extra.bin", good + "xx");
    EXPECT_NE(error_of([&] { load_model(extra); }).find("extra bytes"), std::string::npos);

    std::string magic = good;
    magic[0] ^= 0x55;
    EXPECT_NE(error_of([&] { load_model(write("magic.bin", magic)); }).find("wrong magic"), std::string::npos);

    std::string version = good;
    version[4] = 5;
    EXPECT_NE(error_of([&] { load_model(write("v5.bin", version)); }).find("version 5"), std::string::npos);

    std::string tiny = write("tiny.bin", good.substr(0, 10));
    EXPECT_NE(error_of([&] { load_model(tiny); }).find("header"), std::string::npos);

    std::string badshape = good;
    int32_t heads = 3;  // 32 channels are not divisible by 3 heads
    std::memcpy(&badshape[5 * 4], &heads, 4);
    EXPECT_NE(error_of([&] { load_model(write("shape.bin", badshape)); }).find("divisible"), std::string::npos);

    EXPECT_NE(error_of([&] { load_model(dir / "missing.bin"); }).find("does not exist"), std::string::npos);
}

TEST(Checkpoint, ParameterCountMismatchIsAnError) {
    CpuBackend be;
    GPT2 a(be, small_config());
    EXPECT_NE(error_of([&] { a.load_params(std::vector<float>(10)); }).find("mismatch"), std::string::npos);
}

TEST(Checkpoint, StateRoundTripAndMismatch) {
    TempDir dir("state");
    TrainState s;
    s.step = 42;
    s.seed = 0x123456789abcdefull;
    s.batch_size = 4;
    s.block_size = 16;
    s.grad_accum = 2;
    s.m = {1, 2, 3};
    s.v = {4, 5, 6};
    save_state(dir / "s.bin", s);
    TrainState r = load_state(dir / "s.bin", 3);
    EXPECT_EQ(r.step, 42);
    EXPECT_EQ(r.seed, s.seed);
    EXPECT_EQ(r.grad_accum, 2);
    EXPECT_EQ(r.m, s.m);
    EXPECT_EQ(r.v, s.v);
    EXPECT_NE(error_of([&] { load_state(dir / "s.bin", 4); }).find("parameters"), std::string::npos);
}

}  // namespace

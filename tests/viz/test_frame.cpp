// test_frame.cpp: the binary frame codec and the sample plan's budget.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "viz/frame.h"
#include "viz/snapshot/frame_builder.h"
#include "viz/snapshot/plan.h"

using namespace nanogpt;
using namespace nanogpt::viz;
using namespace nanogpt::viz::snapshot;

namespace {

ModelDesc gpt2_like(int L, int C, int V, int maxT) {
    ModelDesc d;
    d.L = L; d.NH = C / 64 > 0 ? C / 64 : 1; d.C = C; d.V = V; d.Vp = (V + 127) / 128 * 128; d.maxT = maxT;
    size_t off = 0;
    auto add = [&](const char* name, int layers, int rows, int cols) {
        d.tensors.push_back({name, off, layers, rows, cols});
        off += (size_t)layers * rows * cols;
    };
    add("wte", 1, d.Vp, C); add("wpe", 1, maxT, C);
    add("ln1w", L, C, 1); add("ln1b", L, C, 1); add("qkvw", L, 3 * C, C); add("qkvb", L, 3 * C, 1);
    add("attprojw", L, C, C); add("attprojb", L, C, 1); add("ln2w", L, C, 1); add("ln2b", L, C, 1);
    add("fcw", L, 4 * C, C); add("fcb", L, 4 * C, 1); add("fcprojw", L, C, 4 * C); add("fcprojb", L, C, 1);
    add("lnfw", 1, C, 1); add("lnfb", 1, C, 1);
    for (int i = 0; i < V; i++) d.tokens_by_frequency.push_back((i * 7919) % V);
    return d;
}

TEST(FrameCodec, RoundTripsFloatAndQuantisedTensors) {
    Frame f;
    f.session = "s1";
    f.step = 42;
    f.meta_json = R"({"k":[1,2]})";
    f.tensors.push_back({"wte", "points3d", -1, "xyz", {2, 3}, false, {1, 2, 3, 4, 5, 6.5f}});
    f.tensors.push_back({"qkvw", "grid", 3, "value", {2, 2}, true, {0.5f, -1.0f, 0.25f, 0.0f}});
    std::string bytes = encode_frame(f);
    EXPECT_EQ(bytes.size(), encoded_frame_size(f));
    EXPECT_EQ(bytes.substr(0, 4), "NGVF");
    Frame g = decode_frame(bytes);
    EXPECT_EQ(g.session, "s1");
    EXPECT_EQ(g.step, 42);
    EXPECT_EQ(g.meta_json, f.meta_json);
    ASSERT_EQ(g.tensors.size(), 2u);
    EXPECT_EQ(g.tensors[0].data, f.tensors[0].data);  // f32 is exact
    EXPECT_EQ(g.tensors[1].layer, 3);
    for (int i = 0; i < 4; i++) EXPECT_NEAR(g.tensors[1].data[i], f.tensors[1].data[i], 1.0 / 127);
}

TEST(FrameCodec, MalformedFramesAreErrors) {
    Frame f;
    f.session = "s";
    f.tensors.push_back({"x", "vector", 0, "value", {4}, false, {1, 2, 3, 4}});
    std::string good = encode_frame(f);
    EXPECT_THROW(decode_frame(good.substr(0, 8)), Error);
    std::string bad = good;
    bad[0] = 'X';
    EXPECT_THROW(decode_frame(bad), Error);
    EXPECT_THROW(decode_frame(good.substr(0, good.size() - 4)), Error);  // data cut short
    bad = good;
    bad[12] = '[';  // header no longer an object
    EXPECT_THROW(decode_frame(bad), Error);
}

TEST(SnapshotPlan, Gpt2SmallFitsOneMebibyteAndShrinksForLess) {
    ModelDesc m = gpt2_like(12, 768, 50257, 1024);
    SnapshotPlan plan = SnapshotPlan::make(m, SnapshotOptions{});
    EXPECT_LE(plan.frame_bytes, 1u << 20);
    EXPECT_EQ(plan.options.embedding_points, 2048);
    SnapshotOptions tight;
    tight.max_frame_bytes = 200 * 1024;
    SnapshotPlan small = SnapshotPlan::make(m, tight);
    EXPECT_LE(small.frame_bytes, tight.max_frame_bytes);
    EXPECT_LT(small.options.embedding_points + small.options.position_points + small.options.grid,
              2048 + 1024 + 32);
    // The real encoded size equals the planned one.
    FrameBuilder b(m, small, "session-id-of-typical-length-000000");
    EXPECT_EQ(encode_frame(b.empty_frame()).size(), small.frame_bytes);
    tight.max_frame_bytes = 4096;
    EXPECT_THROW(SnapshotPlan::make(m, tight), Error);
}

TEST(SnapshotPlan, SmallVocabularyShowsEveryTokenAndIndicesAreInRange) {
    ModelDesc m = gpt2_like(2, 64, 65, 64);
    SnapshotPlan plan = SnapshotPlan::make(m, SnapshotOptions{});
    size_t total = 0;
    for (auto& t : m.tensors) total += (size_t)t.layers * t.rows * t.cols;
    for (uint64_t i : plan.indices) ASSERT_LT(i, total);
    const SnapshotBlock& wte = plan.blocks.front();
    EXPECT_EQ(wte.name, "wte");
    EXPECT_EQ(wte.rows, 65);
}

}  // namespace

// test_probe_cuda.cpp: the probe on the CUDA backend (label gpu; skipped without a device or in
// a build without CUDA). The copies out of device memory give what the CPU gives (fp32
// products: attention, pre-GELU activations and losses within 1e-4, per tensor as
// tests/support/compare.h), and a CUDA run with probes trains to the same bits as one without.
#include <gtest/gtest.h>

#include <memory>

#include "common/file_io.h"
#include "data/shard.h"
#include "kernels/registry.h"
#include "tests/support/compare.h"
#include "tests/trainer/train_fixture.h"
#include "trainer/gpt2.h"
#include "trainer/probe.h"
#include "trainer/train_run.h"
#include "viz/dashboard.h"
#include "viz/insights/probe_analysis.h"

using namespace nanogpt;
using nanogpt::test::rel_error;

namespace {

// The CUDA backend in fp32, or null (the test then skips).
std::unique_ptr<Backend> cuda_or_null() {
    try {
        return make_backend("cuda", "fp32");
    } catch (const std::exception&) {
        return nullptr;
    }
}

#define CUDA_OR_SKIP(be)                                          \
    std::unique_ptr<Backend> be = cuda_or_null();                 \
    if (!be) GTEST_SKIP() << "no CUDA device (or no CUDA backend)"

}  // namespace

TEST(ProbeCuda, CopiesFromTheDeviceMatchTheCpu) {
    CUDA_OR_SKIP(cuda);
    test::TempDir dir("probe-cuda");
    std::vector<uint16_t> tokens(5000);
    for (size_t i = 0; i < tokens.size(); i++) tokens[i] = (uint16_t)((i * 7 + i / 13) % 65);
    write_shard(dir / "val.bin", tokens);
    TokenDataset val(dir / "val.bin");
    const ModelConfig cfg{64, 65, 128, 2, 4, 64};
    auto cpu = make_backend("cpu");
    GPT2 on_cpu(*cpu, cfg), on_gpu(*cuda, cfg);
    on_cpu.init_random(3);
    on_gpu.load_params(on_cpu.save_params());
    ModelDesc desc;
    desc.L = 2;
    desc.NH = 4;
    desc.C = 64;
    desc.V = 65;
    desc.maxT = 64;
    RunInfo run;
    run.batch_size = 12;
    run.block_size = 64;
    ProbeRequest request;
    ASSERT_TRUE(viz::insights::make_probe_request(desc, run, 0, request));
    const ProbeResult a = run_probe(on_cpu, val, 64, request);
    const ProbeResult b = run_probe(on_gpu, val, 64, request);
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_LT(rel_error(b.att, a.att), 1e-4);
    EXPECT_LT(rel_error(b.fc_pre, a.fc_pre), 1e-4);
    EXPECT_LT(rel_error(b.losses, a.losses), 1e-4);
}

TEST(ProbeCuda, TrainingWithProbesEqualsTrainingWithoutToTheBit) {
    CUDA_OR_SKIP(cuda);
    cuda.reset();
    test::TempDir dir("probe-cuda-same");
    nanogpt::testing::write_toy_data(dir / "data", 40, 4000);
    TrainConfig c = nanogpt::testing::tiny_config(dir / "data", dir / "off");
    c.system.device = "cuda";
    c.dropout = 0.1f;
    c.eval_interval = 2;
    run_train(c, "");
    c.out_dir = dir / "on";
    viz::VizOptions o;
    o.serve = false;
    o.runs_dir = dir / "runs";
    o.session = "cuda";
    {
        viz::Dashboard dashboard(o);
        run_train(c, "", &dashboard);
    }
    EXPECT_EQ(read_file(dir / "off/model.bin"), read_file(dir / "on/model.bin"));
    EXPECT_TRUE(std::filesystem::exists(dir / "runs/cuda/probes/000000008.bin"));
}

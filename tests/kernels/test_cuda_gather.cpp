// test_cuda_gather.cpp: CudaBackend::gather_async, the dashboard's copy out of the GPU:
// it sees the state at call time (not operations queued after it), delivers on wait(), picks up
// indices changed in place, survives three copies in flight (the older one is delivered first,
// never overwritten) and copies that are dropped unread. Label "gpu": skipped without a device.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "tests/kernels/cuda_test_support.h"

using namespace nanogpt;
using namespace nanogpt::test;

namespace {

constexpr size_t kParams = 200000;

std::vector<uint64_t> random_indices(size_t n, uint64_t seed) {
    std::vector<int> t = random_tokens(n, (int)kParams, seed);
    return std::vector<uint64_t>(t.begin(), t.end());
}

void expect_gathered(const std::vector<float>& got, const std::vector<float>& src,
                     const std::vector<uint64_t>& idx, const char* what) {
    ASSERT_EQ(got.size(), idx.size());
    size_t bad = 0;
    for (size_t i = 0; i < idx.size(); i++)
        if (got[i] != src[idx[i]]) bad++;
    EXPECT_EQ(bad, 0u) << what;
}

TEST(CudaGather, SeesTheStateAtCallTimeAndDeliversOnWait) {
    SKIP_WITHOUT_GPU();
    CudaBackend gpu(Precision::fp32);
    std::vector<float> hp = random_vec(kParams, 1), hg = random_vec(kParams, 2);
    Buf p(gpu, hp), g(gpu, hg);
    std::vector<uint64_t> idx = random_indices(50000, 3);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> v(idx.size(), nan), gv(idx.size(), nan);
    auto copy = gpu.gather_async(p.p(), g.p(), idx.data(), idx.size(), v.data(), gv.data());
    gpu.zero(p.p(), kParams);  // queued after the gather: must not show
    gpu.zero(g.p(), kParams);
    copy->wait();
    expect_gathered(v, hp, idx, "values");
    expect_gathered(gv, hg, idx, "gradients");
    copy->wait();  // a second wait is harmless
    expect_gathered(v, hp, idx, "values after a second wait");
}

TEST(CudaGather, IndicesChangedInPlaceAreUploadedAgain) {
    SKIP_WITHOUT_GPU();
    CudaBackend gpu(Precision::fp32);
    std::vector<float> hp = random_vec(kParams, 4), hg = random_vec(kParams, 5);
    Buf p(gpu, hp), g(gpu, hg);
    std::vector<uint64_t> idx = random_indices(1000, 6);
    std::vector<float> v(idx.size()), gv(idx.size());
    gpu.gather_async(p.p(), g.p(), idx.data(), idx.size(), v.data(), gv.data())->wait();
    expect_gathered(v, hp, idx, "first indices");
    idx[0] = (idx[0] + 1) % kParams;  // same pointer and size, new content
    idx[999] = 0;
    gpu.gather_async(p.p(), g.p(), idx.data(), idx.size(), v.data(), gv.data())->wait();
    expect_gathered(v, hp, idx, "changed indices");
    std::vector<uint64_t> more = random_indices(3000, 7);  // larger: buffers grow
    std::vector<float> v3(more.size()), g3(more.size());
    gpu.gather_async(p.p(), g.p(), more.data(), more.size(), v3.data(), g3.data())->wait();
    expect_gathered(v3, hp, more, "more indices");
    expect_gathered(g3, hg, more, "more gradients");
}

TEST(CudaGather, ThreeCopiesInFlightAreEachDeliveredIntact) {
    SKIP_WITHOUT_GPU();
    CudaBackend gpu(Precision::fp32);
    std::vector<uint64_t> idx = random_indices(20000, 8);
    std::vector<std::vector<float>> hp, hg, v(3), gv(3);
    std::vector<std::unique_ptr<Buf>> p, g;  // one pair per copy: only the pinned buffers are shared
    std::vector<std::unique_ptr<PendingCopy>> copies;
    for (int k = 0; k < 3; k++) {
        hp.push_back(random_vec(kParams, 10 + k));
        hg.push_back(random_vec(kParams, 20 + k));
        p.push_back(std::make_unique<Buf>(gpu, hp[k]));
        g.push_back(std::make_unique<Buf>(gpu, hg[k]));
        v[k].assign(idx.size(), 0.0f);
        gv[k].assign(idx.size(), 0.0f);
    }
    for (int k = 0; k < 3; k++)
        copies.push_back(gpu.gather_async(p[k]->p(), g[k]->p(), idx.data(), idx.size(), v[k].data(),
                                          gv[k].data()));
    for (int k = 2; k >= 0; k--) copies[k]->wait();  // newest first
    for (int k = 0; k < 3; k++) {
        expect_gathered(v[k], hp[k], idx, "values");
        expect_gathered(gv[k], hg[k], idx, "gradients");
    }
}

TEST(CudaGather, ACopyDroppedUnreadFreesItsBuffer) {
    SKIP_WITHOUT_GPU();
    CudaBackend gpu(Precision::fp32);
    std::vector<float> hp = random_vec(kParams, 30), hg = random_vec(kParams, 31);
    Buf p(gpu, hp), g(gpu, hg);
    std::vector<uint64_t> idx = random_indices(5000, 32);
    for (int k = 0; k < 5; k++) {
        std::vector<float> v(idx.size()), gv(idx.size());
        gpu.gather_async(p.p(), g.p(), idx.data(), idx.size(), v.data(), gv.data());  // dropped
    }
    std::vector<float> v(idx.size()), gv(idx.size());
    gpu.gather_async(p.p(), g.p(), idx.data(), idx.size(), v.data(), gv.data())->wait();
    expect_gathered(v, hp, idx, "after dropped copies");
}

}  // namespace

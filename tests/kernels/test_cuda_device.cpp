// test_cuda_device.cpp: the CUDA backend's device and memory: no GPU is handled cleanly (these
// run everywhere), buffers start zeroed and round-trip, and the backend says who it is.
#include <string>
#include <vector>

#include "common/error.h"
#include "tests/kernels/cuda_test_support.h"

using namespace nanogpt;
using namespace nanogpt::test;

namespace {

// ---------------------------------------------------------------- no GPU needed

TEST(CudaNoGpu, DeviceCountIsZeroOrMoreAndNeverThrows) {
    int n = -1;
    EXPECT_NO_THROW(n = cuda_device_count());
    EXPECT_GE(n, 0);
    EXPECT_EQ(n, cuda_device_count());  // a failed first query leaves no sticky error behind
}

TEST(CudaNoGpu, MissingDeviceIsAClearError) {
    // Device index == count never exists: with no GPU that is device 0.
    const int n = cuda_device_count();
    try {
        CudaBackend be(Precision::fp32, n);
        FAIL() << "constructing a backend on a missing device must throw";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not available"), std::string::npos) << e.what();
        EXPECT_FALSE(e.hint().empty());
    }
    EXPECT_THROW(CudaBackend(Precision::bf16, -1), Error);
}

// ---------------------------------------------------------------- memory and identity

TEST(CudaMemory, BuffersStartZeroAndRoundTrip) {
    SKIP_WITHOUT_GPU();
    CudaBackend be(Precision::fp32);
    Buf a(be, 1000);
    EXPECT_EQ(a.get(), std::vector<float>(1000, 0.0f));
    auto h = random_vec(1000, 1);
    a.set(h);
    EXPECT_EQ(a.get(), h);
    Buf b(be, 1000);
    be.copy(b.p(), a.p(), 1000);
    EXPECT_EQ(b.get(), h);
    be.zero(b.p() + 10, 990);
    auto z = b.get();
    EXPECT_EQ(std::vector<float>(h.begin(), h.begin() + 10), std::vector<float>(z.begin(), z.begin() + 10));
    EXPECT_EQ(std::vector<float>(990, 0.0f), std::vector<float>(z.begin() + 10, z.end()));

    int* ints = be.alloc_ints(7);
    std::vector<int> back(7, -1);
    be.to_host(back.data(), ints, 7 * sizeof(int));
    EXPECT_EQ(back, std::vector<int>(7, 0));
    be.release(ints);
    be.synchronize();
    EXPECT_GT(be.sm_clock_mhz(), 0);
}

TEST(CudaDevice, SaysWhoItIs) {
    SKIP_WITHOUT_GPU();
    for (Precision p : {Precision::fp32, Precision::tf32, Precision::bf16}) {
        CudaBackend cuda(p);
        const Backend& be = cuda;  // through the interface, as the trainer asks
        EXPECT_EQ(be.name(), "cuda");
        EXPECT_EQ(be.precision(), precision_name(p));
        EXPECT_FALSE(be.device_name().empty());
        EXPECT_NE(be.device_name(), "cpu");
    }
}

}  // namespace

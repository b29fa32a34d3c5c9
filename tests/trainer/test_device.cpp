// test_device.cpp: --device and --precision: what each choice builds, and the errors that say
// what to do when CUDA is not there (this build without it, or a machine without a GPU).
#include <gtest/gtest.h>

#include "common/error.h"
#include "trainer/device.h"
#include "trainer/train_config.h"

using namespace nanogpt;

namespace {

// The Error message of f(), "" when it does not throw.
template <typename F>
std::string error_of(F f) {
    try {
        f();
    } catch (const Error& e) {
        return std::string(e.what()) + " | " + e.hint();
    }
    return "";
}

TEST(Device, CpuIsTheCpuAtFp32WhateverThePrecision) {
    for (const char* p : {"fp32", "tf32", "bf16"}) {
        auto be = make_backend("cpu", p);
        EXPECT_EQ(be->name(), "cpu");
        EXPECT_EQ(effective_precision(*be), "fp32");
        EXPECT_EQ(device_model_name(*be), "cpu");
    }
}

TEST(Device, CudaWithoutCudaSaysWhyAndWhatToDo) {
    const bool have_gpu = make_backend("auto")->name() == "cuda";
    if (have_gpu) {
        EXPECT_EQ(make_backend("cuda", "fp32")->name(), "cuda");
        GTEST_SKIP() << "a GPU is present: the no-GPU errors cannot be seen here";
    }
    std::string msg = error_of([] { make_backend("cuda"); });
    if (built_with_cuda()) {
        EXPECT_NE(msg.find("no CUDA device found"), std::string::npos) << msg;
    } else {
        EXPECT_NE(msg.find("this build has no CUDA backend"), std::string::npos) << msg;
    }
    EXPECT_NE(msg.find("--device cpu"), std::string::npos) << "the hint: " << msg;
    // auto falls back to the CPU without a word.
    EXPECT_EQ(make_backend("auto", "bf16")->name(), "cpu");
}

TEST(Device, UnknownDeviceOrPrecisionIsAnError) {
    EXPECT_NE(error_of([] { make_backend("tpu"); }).find("unknown device 'tpu'"), std::string::npos);
    EXPECT_NE(error_of([] { make_backend("cpu", "fp16"); }).find("unknown precision 'fp16'"),
              std::string::npos);
    TrainConfig c;
    EXPECT_EQ(c.system.precision, "bf16");
    c.system.precision = "int8";
    EXPECT_NE(error_of([&] { c.validate(); }).find("precision"), std::string::npos);
}

}  // namespace

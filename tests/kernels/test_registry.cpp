// test_registry.cpp: make_backend (kernels/registry.h): what each --device / --precision choice
// builds, the errors that say what to do when CUDA is not there (a build without it, a machine
// without a GPU), and what a backend says about itself (name, device_name, precision).
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/precision.h"
#include "kernels/registry.h"

using namespace nanogpt;

namespace {

// The Error message of f() and its hint, "" when it does not throw.
template <typename F>
std::string error_of(F f) {
    try {
        f();
    } catch (const Error& e) {
        return std::string(e.what()) + " | " + e.hint();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Registry, CpuIsTheCpuAtFp32WhateverThePrecision) {
    for (const char* p : {"fp32", "tf32", "bf16"}) {
        SCOPED_TRACE(p);
        auto be = make_backend("cpu", p);
        EXPECT_EQ(be->name(), "cpu");
        EXPECT_EQ(be->precision(), "fp32");
        EXPECT_EQ(be->device_name(), "cpu");
    }
}

TEST(Registry, TheCpuBackendSaysWhoItIs) {
    CpuBackend cpu;
    const Backend& be = cpu;  // through the interface, as the trainer asks
    EXPECT_EQ(be.name(), "cpu");
    EXPECT_EQ(be.device_name(), "cpu");
    EXPECT_EQ(be.precision(), "fp32");
    EXPECT_TRUE(is_precision_name(be.precision()));
}

TEST(Registry, CudaWithoutCudaSaysWhyAndWhatToDo) {
    const bool have_gpu = make_backend("auto")->name() == "cuda";
    if (have_gpu) {
        auto be = make_backend("cuda", "fp32");
        EXPECT_EQ(be->name(), "cuda");
        EXPECT_EQ(be->precision(), "fp32");
        EXPECT_FALSE(be->device_name().empty());
        EXPECT_EQ(make_backend("cuda", "tf32")->precision(), "tf32");
        EXPECT_EQ(make_backend("cuda")->precision(), "bf16");  // the default
        GTEST_SKIP() << "a GPU is present: the no-GPU errors cannot be seen here";
    }
    std::string msg = error_of([] { make_backend("cuda"); });
    if (built_with_cuda()) {
        EXPECT_TRUE(contains(msg, "no CUDA device found")) << msg;
    } else {
        EXPECT_TRUE(contains(msg, "this build has no CUDA backend")) << msg;
    }
    EXPECT_TRUE(contains(msg, "--device cpu")) << "the hint: " << msg;
    // auto falls back to the CPU without a word.
    EXPECT_EQ(make_backend("auto", "bf16")->name(), "cpu");
}

TEST(Registry, UnknownDeviceOrPrecisionIsAnError) {
    EXPECT_TRUE(contains(error_of([] { make_backend("tpu"); }), "unknown device 'tpu'"));
    EXPECT_TRUE(contains(error_of([] { make_backend("tpu"); }), "use auto, cpu or cuda"));
    // The precision is checked in every build, also when the CPU will ignore it.
    EXPECT_TRUE(contains(error_of([] { make_backend("cpu", "fp16"); }), "unknown precision 'fp16'"));
    EXPECT_TRUE(contains(error_of([] { make_backend("auto", ""); }), "unknown precision ''"));
}

TEST(Registry, PrecisionNamesRoundTrip) {
    for (Precision p : {Precision::fp32, Precision::tf32, Precision::bf16}) {
        EXPECT_EQ(p, parse_precision(precision_name(p)));
        EXPECT_TRUE(is_precision_name(precision_name(p)));
    }
    EXPECT_STREQ("bf16", precision_name(Precision::bf16));
    EXPECT_FALSE(is_precision_name("fp16"));
    EXPECT_THROW(parse_precision("fp16"), Error);
    EXPECT_THROW(parse_precision(""), Error);
}

}  // namespace

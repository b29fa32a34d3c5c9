// (being written) CUDA parity tests.
#include "tests/kernels/cuda_test_support.h"

TEST(CudaKernels, Placeholder) { SKIP_WITHOUT_GPU(); }

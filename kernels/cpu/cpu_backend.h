// cpu_backend.h: the reference backend: OpenMP loops plus OpenBLAS sgemm for matrix products.
// Each layer's methods live in their own file (encoder.cpp, layernorm.cpp, ...); this header
// only declares the class. Reductions are done in a fixed order so that results are
// bit-identical run to run on the same thread count.
#pragma once
#include "kernels/backend.h"

namespace nanogpt {

class CpuBackend final : public Backend {
public:
    CpuBackend();
    std::string name() const override { return "cpu"; }
    std::string device_name() const override { return "cpu"; }
    std::string precision() const override { return "fp32"; }  // whatever --precision asked

    float* alloc(size_t n_floats) override;
    int* alloc_ints(size_t n) override;
    void release(void* p) override;
    void to_device(void* dst, const void* src, size_t bytes) override;
    void to_host(void* dst, const void* src, size_t bytes) override;
    void copy(float* dst, const float* src, size_t n) override;
    void zero(float* p, size_t n) override;

    void encoder_forward(float* out, const int* tokens, const float* wte, const float* wpe, int B,
                         int T, int C) override;
    void layernorm_forward(float* out, float* mean, float* rstd, const float* inp,
                           const float* weight, const float* bias, int N, int C) override;
    void matmul_forward(float* out, const float* inp, const float* weight, const float* bias,
                        int N, int C, int OC) override;
    void attention_forward(float* out, float* att, const float* qkv, int B, int T, int C, int NH,
                           Dropout drop) override;
    void gelu_forward(float* out, const float* inp, size_t n) override;
    void residual_forward(float* out, const float* a, const float* b, size_t n) override;
    void dropout_forward(float* x, size_t n, Dropout drop) override;
    void crossentropy_forward_backward(float* logits, float* losses, const int* targets, int N,
                                       int V, int Vp, float dloss) override;

    void encoder_backward(float* dwte, float* dwpe, const float* dout, const int* tokens, int B,
                          int T, int C) override;
    void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout,
                            const float* inp, const float* weight, const float* mean,
                            const float* rstd, int N, int C) override;
    void matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout,
                         const float* inp, const float* weight, int N, int C, int OC) override;
    void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                            const float* att, int B, int T, int C, int NH, Dropout drop) override;
    void gelu_backward(float* dinp, const float* inp, const float* dout, size_t n) override;
    void dropout_backward(float* dx, size_t n, Dropout drop) override;

    double sum_squares(const float* x, size_t n) override;
    void adamw_update(float* param, const float* grad, float* m, float* v, size_t n, float lr,
                      float beta1, float beta2, float eps, float weight_decay, float grad_scale,
                      int t, TensorStats* stats, int slabs) override;

    float power_iteration(const float* W, int rows, int cols, float* v, float* u, int iters) override;

    std::unique_ptr<PendingCopy> gather_async(const float* params, const float* grads,
                                              const uint64_t* indices, size_t n, float* values,
                                              float* grad_values) override;
};

}  // namespace nanogpt

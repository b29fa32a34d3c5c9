// cuda_backend.h: the Backend on one NVIDIA GPU.
//
// Every buffer is device memory (cudaMalloc); every operation is queued on one stream and the
// host waits only where a result must come back (losses, sum_squares, statistics). Each layer's
// methods live in their own .cu file (encoder.cu, layernorm.cu, matmul.cu, ...), as on the CPU;
// this header only declares the class. A part that needs private state keeps it in a struct
// defined in its own .cu file, created by init_<part>() and freed by free_<part>().
//
// Precision of the matrix products (every other operation is fp32):
//   fp32 - exact fp32 products (CUBLAS_COMPUTE_32F), for parity tests against the CPU;
//   tf32 - tensor cores with fp32 inputs rounded to tf32;
//   bf16 - tensor cores with inputs rounded to bf16, fp32 accumulation and fp32 master weights.
#pragma once
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <memory>
#include <string>

#include "kernels/backend.h"
#include "kernels/precision.h"

namespace nanogpt {

// Number of usable CUDA devices; 0 (never an error) when there is no driver or no GPU.
int cuda_device_count();

class CudaBackend final : public Backend {
public:
    explicit CudaBackend(Precision precision = Precision::bf16, int device = 0);
    ~CudaBackend() override;
    CudaBackend(const CudaBackend&) = delete;
    CudaBackend& operator=(const CudaBackend&) = delete;

    std::string name() const override { return "cuda"; }
    std::string device_name() const override { return device_name_; }  // "NVIDIA H100 80GB HBM3"
    std::string precision() const override { return precision_name(precision_); }
    int sm_clock_mhz() const { return sm_clock_mhz_; }  // boost clock as reported
    // The one stream every operation is queued on (the kernel lab launches its variants on it).
    cudaStream_t stream() const { return stream_; }
    void* native_stream() const override { return stream_; }

    float* alloc(size_t n_floats) override;
    int* alloc_ints(size_t n) override;
    void release(void* p) override;
    void to_device(void* dst, const void* src, size_t bytes) override;
    void to_host(void* dst, const void* src, size_t bytes) override;
    void copy(float* dst, const float* src, size_t n) override;
    void zero(float* p, size_t n) override;
    void synchronize() override;
    std::unique_ptr<OpTimer> make_timer() override;  // op_timer.cu: cudaEvents on stream_

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

private:
    Precision precision_;
    int device_ = 0;
    std::string device_name_;
    int sm_clock_mhz_ = 0;
    cudaStream_t stream_ = nullptr;

    // matmul.cu: cuBLAS/cuBLASLt handles, workspace, bias-gradient scratch.
    struct MatmulState;
    MatmulState* matmul_ = nullptr;
    void init_matmul();
    void free_matmul();
    // attention.cu: batched products + softmax scratch.
    struct AttentionState;
    AttentionState* attention_ = nullptr;
    void init_attention();
    void free_attention();
    // global_norm.cu: reduction scratch for sum_squares.
    struct NormState;
    NormState* norm_ = nullptr;
    void init_norm();
    void free_norm();
    // param_stats.cu: scratch of adamw_update's statistics pass (param_stats.cuh). begin_stats
    // checks the slab count, grows the scratch, uploads each slab's bin edges and returns the
    // chunks per slab; the pass (adamw.cu) writes one record per chunk; finish_stats merges
    // them per slab, waits, and fills `stats`.
    struct StatsState;
    StatsState* stats_ = nullptr;
    void init_stats();
    void free_stats();
    int begin_stats(const TensorStats* stats, size_t n, int slabs);
    void finish_stats(TensorStats* stats, int slabs, int chunks);
    // spectral.cu: a cuBLAS handle in device pointer mode and its scalars, created on the
    // first power_iteration (free_spectral in the destructor).
    struct SpectralState;
    SpectralState* spectral_ = nullptr;
    void init_spectral();
    void free_spectral();
    // gather.cu: side stream, device index buffer, pinned double buffers, events.
    struct SampleState;
    SampleState* sample_ = nullptr;
    void init_sample();
    void free_sample();
};

}  // namespace nanogpt

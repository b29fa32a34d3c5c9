// backend.h: the compute interface every device implements (CPU now, CUDA beside it).
//
// One narrow table of operations, each a whole layer over a batch (never per element), on
// buffers the backend owns. The trainer (trainer/gpt2.cpp) composes a GPT-2 step from these
// calls only, so a new device is a new implementation of this class and nothing else (plus its
// line in kernels/registry.cpp, which builds a backend by name: make_backend("cuda", "bf16")).
//
// Shapes use llm.c / nanoGPT names: B batch, T time, C channels, NH heads, hs = C/NH,
// V vocabulary, Vp vocabulary padded up, OC output channels, N = B*T rows.
// Layouts are row-major: activations (B,T,C); Linear weights (OC,C) as in PyTorch.
//
// Gradient convention (as in llm.c): every *_backward ADDS into the gradients it produces,
// both parameter gradients (so micro-batches accumulate) and input gradients (so the residual
// stream's gradient accumulates). Callers zero buffers where a fresh gradient is wanted.
//
// Dropout is counter-based: the keep/drop decision for element i is a pure function of
// (seed, i), so backward regenerates the forward mask instead of storing it, and results do
// not depend on the number of threads. seed 0 with p == 0 means "no dropout".
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace nanogpt {

class OpTimer;  // kernels/op_timer.h

// Exact statistics of one slab of a parameter tensor (one layer of it), gathered during the
// AdamW pass when the dashboard asks for a sample. Histogram edges are given by the caller (the
// previous sample's range); values outside land in the edge bins.
//
// This is the one dashboard-shaped slot of the compute interface, on purpose. The dashboard
// wants exact per-layer statistics (sums, extremes, a histogram) of every parameter, and the
// dashboard's budget is under 5 % of step time. A separate pass would read every parameter
// again (as much memory traffic as AdamW itself); inside adamw_update, which already loads and
// stores each parameter and is memory-bound, the statistics cost a few arithmetic operations
// per element. So the optimizer step fills them when asked (stats != null) and costs nothing
// when not. Everything else the dashboard reads goes through gather_async, a plain copy.
struct TensorStats {
    static constexpr int kBins = 64;
    double sum = 0, sumsq = 0;   // of the parameters after the update
    double grad_sumsq = 0;       // of the raw gradient (before clipping)
    double update_sumsq = 0;     // of the update actually applied (new - old)
    float min = 0, max = 0;
    uint64_t count = 0;
    float hist_lo = -1, hist_hi = 1;  // set by the caller before the pass
    bool want_hist = true;            // set by the caller: false skips the histogram (left 0)
    uint32_t hist[kBins] = {};
    // Set by the caller for a 2-D slab: the optimizer then estimates its top singular value
    // after the update (Backend::power_iteration, warm-started from the last snapshot's vector;
    // trainer/optimizer.cpp). sigma_max stays 0 when not asked for or not a matrix.
    bool want_sigma = false;
    float sigma_max = 0;
};

struct Dropout {
    float p = 0.0f;      // probability of dropping an element
    uint64_t seed = 0;   // mask identity; must be equal in forward and backward
    // Element i of this call is element offset + i of the whole batch's tensor: a data-parallel
    // rank that holds a slice of the batch draws the same mask as one process holding it all.
    uint64_t offset = 0;
    bool active() const { return p > 0.0f; }
};

// A copy of watched values on its way to host memory: wait() returns once it has landed in the
// destination arrays. Whoever reads the values waits (the dashboard's worker thread), never the
// thread that queued the copy.
class PendingCopy {
public:
    virtual ~PendingCopy() = default;
    virtual void wait() = 0;
};

class Backend {
public:
    virtual ~Backend() = default;

    // ---- identity ----
    // The backend's kind: "cpu", "cuda" (what --device names).
    virtual std::string name() const = 0;
    // The card's model name as the driver reports it ("NVIDIA H200"); "cpu" on the CPU. The MFU
    // table (trainer/mfu.h) looks its peak up by this name.
    virtual std::string device_name() const = 0;
    // The precision the matrix products actually run in (kernels/precision.h names): "fp32" on
    // the CPU whatever was asked; on CUDA the precision it was built with, that of the linear
    // layers (attention's products keep fp32 operands and run as tf32 in bf16 mode:
    // cuda/compute_type.cuh).
    virtual std::string precision() const = 0;
    // (optional) The device's stream as an opaque handle (cudaStream_t on CUDA) for libraries
    // that queue their own work in order with ours (NCCL's collectives); null on the CPU.
    virtual void* native_stream() const { return nullptr; }

    // ---- memory: device buffers, zero-initialised ----
    virtual float* alloc(size_t n_floats) = 0;
    virtual int* alloc_ints(size_t n) = 0;
    virtual void release(void* p) = 0;
    virtual void to_device(void* dst, const void* src, size_t bytes) = 0;
    virtual void to_host(void* dst, const void* src, size_t bytes) = 0;
    virtual void copy(float* dst, const float* src, size_t n) = 0;
    virtual void zero(float* p, size_t n) = 0;
    // (optional) Waits until every queued operation has finished. Default: nothing to wait for
    // (a backend whose calls finish on return, as the CPU's).
    virtual void synchronize() {}
    // (optional) An interval timer on this device's own queue (kernels/op_timer.h), for
    // profiling. Default null: the device has no clock of its own, and make_op_timer() falls
    // back to the host clock around synchronize(). (The default is in backend.cpp, where
    // OpTimer is a complete type.)
    virtual std::unique_ptr<OpTimer> make_timer();

    // ---- forward ----
    // out(B,T,C) = wte[tokens] + wpe[t]
    virtual void encoder_forward(float* out, const int* tokens, const float* wte, const float* wpe,
                                 int B, int T, int C) = 0;
    // out(N,C) = (inp - mean) * rstd * weight + bias; saves mean(N), rstd(N) for backward. eps 1e-5.
    virtual void layernorm_forward(float* out, float* mean, float* rstd, const float* inp,
                                   const float* weight, const float* bias, int N, int C) = 0;
    // out(N,OC) = inp(N,C) @ weight(OC,C)^T + bias(OC); bias may be null.
    virtual void matmul_forward(float* out, const float* inp, const float* weight,
                                const float* bias, int N, int C, int OC) = 0;
    // Causal self-attention. qkv(B,T,3C) holds q,k,v; att(B,NH,T,T) receives the softmax
    // probabilities (before dropout, kept for backward); out(B,T,C) the heads side by side.
    virtual void attention_forward(float* out, float* att, const float* qkv, int B, int T, int C,
                                   int NH, Dropout drop) = 0;
    // tanh-approximated GELU, as GPT-2.
    virtual void gelu_forward(float* out, const float* inp, size_t n) = 0;
    virtual void residual_forward(float* out, const float* a, const float* b, size_t n) = 0;
    // In place: x *= mask / (1 - p).
    virtual void dropout_forward(float* x, size_t n, Dropout drop) = 0;
    // Softmax cross-entropy over the first V of Vp logits per row. losses(N) receives
    // -log p(target). When dloss != 0, logits are overwritten in place by their gradient
    // (softmax - onehot) * dloss (zero in the padding), the fused classifier of llm.c.
    virtual void crossentropy_forward_backward(float* logits, float* losses, const int* targets,
                                               int N, int V, int Vp, float dloss) = 0;

    // ---- backward (all accumulate, see above) ----
    virtual void encoder_backward(float* dwte, float* dwpe, const float* dout, const int* tokens,
                                  int B, int T, int C) = 0;
    virtual void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout,
                                    const float* inp, const float* weight, const float* mean,
                                    const float* rstd, int N, int C) = 0;
    // dbias may be null (no bias).
    virtual void matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout,
                                 const float* inp, const float* weight, int N, int C, int OC) = 0;
    // scratch: B*NH*T*T floats of workspace, contents undefined on return.
    virtual void attention_backward(float* dqkv, float* scratch, const float* dout,
                                    const float* qkv, const float* att, int B, int T, int C,
                                    int NH, Dropout drop) = 0;
    virtual void gelu_backward(float* dinp, const float* inp, const float* dout, size_t n) = 0;
    // In place on a gradient: dx *= mask / (1 - p), the same mask as dropout_forward.
    virtual void dropout_backward(float* dx, size_t n, Dropout drop) = 0;

    // ---- optimizer ----
    // Sum of squares of x (the squared global gradient norm), in a fixed order: the same input
    // gives the same bits on the same backend, whatever the thread count or the card's size.
    //   CPU: each block of 8192 values is summed in float, then the block sums in double, in
    //        block order (kernels/cpu/global_norm.cpp);
    //   CUDA: every square and every sum in double: a fixed grid of 1024 x 256 threads, each a
    //        grid-stride share, then the 1024 partials in a fixed order (cuda/global_norm.cu).
    // So the two backends differ in the low bits (the CPU's float blocks); the parity test
    // (tests/kernels/test_cuda_optimizer.cpp) holds them within 1e-5 relative.
    virtual double sum_squares(const float* x, size_t n) = 0;
    // One AdamW step (decoupled weight decay, bias-corrected moments; PyTorch's AdamW).
    // The gradient is multiplied by grad_scale first (gradient clipping). t counts from 1.
    // stats, when not null, receives TensorStats for `slabs` equal consecutive slabs of the n
    // values (host memory; hist_lo/hist_hi set by the caller).
    virtual void adamw_update(float* param, const float* grad, float* m, float* v, size_t n,
                              float lr, float beta1, float beta2, float eps, float weight_decay,
                              float grad_scale, int t, TensorStats* stats = nullptr,
                              int slabs = 1) = 0;

    // ---- dashboard spectra ----
    // The top singular value of W (rows x cols, row-major) by `iters` power iterations, each
    //   u = W v / |W v|,  v = W^T u,  sigma = |v|,  v = v / sigma.
    // v (cols floats) holds the start on entry, any non-zero vector (the last call's result:
    // a warm start), and on return the unit estimate of the top right singular vector; u (rows
    // floats) is scratch. Returns sigma, a lower bound of the top singular value that closes
    // in on it by a factor (s2/s1)^2 per iteration; 0 when W v = 0 (v is then 0: restart it).
    // Reads W only: training is untouched. CPU: plain loops (threaded for large W only);
    // CUDA: cuBLAS sgemv with the norms kept on the device, one host wait for the result.
    virtual float power_iteration(const float* W, int rows, int cols, float* v, float* u, int iters) = 0;

    // ---- dashboard sampling ----
    // values[i] = params[indices[i]], grad_values[i] = grads[indices[i]] for the n indices
    // (indices, values and grad_values are host memory and must outlive the wait). The copy sees
    // every operation queued before the call. CPU: done on return. CUDA: a gather kernel on a
    // side stream into a compact device buffer, then an asynchronous copy into pinned host memory
    // (double-buffered), so the caller never waits for the GPU.
    virtual std::unique_ptr<PendingCopy> gather_async(const float* params, const float* grads,
                                                      const uint64_t* indices, size_t n,
                                                      float* values, float* grad_values) = 0;
};

}  // namespace nanogpt

// profiling_backend.h: a Backend decorator that times every call it forwards.
//
// ProfilingBackend(inner) forwards each virtual call to `inner` unchanged and, while enabled,
// brackets it with an OpTimer (kernels/op_timer.h: cudaEvents on the CUDA stream, the
// host clock elsewhere) and the host clock. Event pairs stay pending until resolve(), so the
// GPU is never made to wait for the profiler unless sync_per_op is set (then each call waits
// for its own end: simpler attribution, but host and GPU no longer overlap).
//
// Per op name ("matmul_forward", "adamw_update", ...) it accumulates calls, device ms (between
// the two marks) and host ms (time the caller spent inside the call, which shows where the host
// blocks). matmul_forward and matmul_backward are also kept per shape (N, C, OC).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/backend.h"
#include "kernels/op_timer.h"

namespace nanogpt::bench {

struct OpStats {
    long calls = 0;
    double device_ms = 0.0;  // sum of OpTimer intervals
    double host_ms = 0.0;    // sum of host wall time inside the call
};

struct MatmulShape {
    bool backward = false;
    int N = 0, C = 0, OC = 0;
    auto operator<=>(const MatmulShape&) const = default;
    // 2*N*C*OC multiply-adds forward; backward computes dinp and dweight: twice that.
    double flops() const { return (backward ? 4.0 : 2.0) * N * (double)C * OC; }
};

class ProfilingBackend final : public Backend {
public:
    explicit ProfilingBackend(Backend& inner, bool sync_per_op = false);
    ~ProfilingBackend() override;

    // Off: calls are forwarded without timing (warm-up). On by default.
    void set_enabled(bool on) { enabled_ = on; }
    bool sync_per_op() const { return sync_per_op_; }
    // Waits for every pending interval and adds it to the statistics.
    void resolve();
    // Forgets the statistics (pending intervals are resolved and dropped).
    void reset();
    const std::map<std::string, OpStats>& ops() const { return ops_; }
    const std::map<MatmulShape, OpStats>& matmuls() const { return matmuls_; }
    Backend& inner() { return inner_; }

    // Identity and the device's own timer are the wrapped backend's.
    std::string name() const override { return inner_.name(); }
    std::string device_name() const override { return inner_.device_name(); }
    std::string precision() const override { return inner_.precision(); }
    std::unique_ptr<OpTimer> make_timer() override { return inner_.make_timer(); }

    float* alloc(size_t n_floats) override;
    int* alloc_ints(size_t n) override;
    void release(void* p) override;
    void to_device(void* dst, const void* src, size_t bytes) override;
    void to_host(void* dst, const void* src, size_t bytes) override;
    void copy(float* dst, const float* src, size_t n) override;
    void zero(float* p, size_t n) override;
    void synchronize() override;

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
    struct Pending {
        const char* op;
        bool is_matmul;
        MatmulShape shape;
        double host_ms;
        OpTimer* timer;
    };
    // Runs f() (the forwarded call) bracketed by a timer; returns what f returns.
    template <class F>
    decltype(auto) timed(const char* op, F&& f, const MatmulShape* shape = nullptr);
    OpTimer* acquire_timer();
    void finish(Pending p);

    Backend& inner_;
    bool sync_per_op_;
    bool enabled_ = true;
    std::vector<std::unique_ptr<OpTimer>> timers_;  // every timer made (reused)
    std::vector<OpTimer*> free_timers_;
    std::vector<Pending> pending_;
    std::map<std::string, OpStats> ops_;
    std::map<MatmulShape, OpStats> matmuls_;
};

}  // namespace nanogpt::bench

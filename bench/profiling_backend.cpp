// profiling_backend.cpp: ProfilingBackend (contract in profiling_backend.h). Every override is
// one line: timed("<op>", [&] { return inner_.<op>(...); }).
#include "bench/profiling_backend.h"

#include <chrono>
#include <type_traits>
#include <utility>

namespace nanogpt::bench {

using Clock = std::chrono::steady_clock;

ProfilingBackend::ProfilingBackend(Backend& inner, bool sync_per_op)
    : inner_(inner), sync_per_op_(sync_per_op) {}

ProfilingBackend::~ProfilingBackend() = default;

OpTimer* ProfilingBackend::acquire_timer() {
    if (free_timers_.empty()) {
        timers_.push_back(make_op_timer(inner_));
        return timers_.back().get();
    }
    OpTimer* t = free_timers_.back();
    free_timers_.pop_back();
    return t;
}

void ProfilingBackend::finish(Pending p) {
    const double device_ms = p.timer->elapsed_ms();
    free_timers_.push_back(p.timer);
    OpStats& s = ops_[p.op];
    s.calls++;
    s.device_ms += device_ms;
    s.host_ms += p.host_ms;
    if (p.is_matmul) {
        OpStats& m = matmuls_[p.shape];
        m.calls++;
        m.device_ms += device_ms;
        m.host_ms += p.host_ms;
    }
}

template <class F>
decltype(auto) ProfilingBackend::timed(const char* op, F&& f, const MatmulShape* shape) {
    if (!enabled_) return f();
    OpTimer* timer = acquire_timer();
    Pending p{op, shape != nullptr, shape ? *shape : MatmulShape{}, 0.0, timer};
    // The host clock brackets the marks too, so host_ms includes what recording them costs.
    const auto t0 = Clock::now();
    timer->begin();
    auto done = [&] {
        timer->stop();
        if (sync_per_op_) timer->elapsed_ms();  // waits for this call's own end
        p.host_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (sync_per_op_) finish(p);
        else pending_.push_back(p);
    };
    if constexpr (std::is_void_v<decltype(f())>) {
        f();
        done();
    } else {
        auto result = f();
        done();
        return result;
    }
}

void ProfilingBackend::resolve() {
    for (const Pending& p : pending_) finish(p);
    pending_.clear();
}

void ProfilingBackend::reset() {
    resolve();
    ops_.clear();
    matmuls_.clear();
}

float* ProfilingBackend::alloc(size_t n) { return timed("alloc", [&] { return inner_.alloc(n); }); }
int* ProfilingBackend::alloc_ints(size_t n) {
    return timed("alloc_ints", [&] { return inner_.alloc_ints(n); });
}
void ProfilingBackend::release(void* p) { timed("release", [&] { inner_.release(p); }); }
void ProfilingBackend::to_device(void* dst, const void* src, size_t bytes) {
    timed("to_device", [&] { inner_.to_device(dst, src, bytes); });
}
void ProfilingBackend::to_host(void* dst, const void* src, size_t bytes) {
    timed("to_host", [&] { inner_.to_host(dst, src, bytes); });
}
void ProfilingBackend::copy(float* dst, const float* src, size_t n) {
    timed("copy", [&] { inner_.copy(dst, src, n); });
}
void ProfilingBackend::zero(float* p, size_t n) { timed("zero", [&] { inner_.zero(p, n); }); }
// Not timed: a wait is no work of its own, and the caller's synchronize is where wall time is
// taken.
void ProfilingBackend::synchronize() { inner_.synchronize(); }

void ProfilingBackend::encoder_forward(float* out, const int* tokens, const float* wte,
                                       const float* wpe, int B, int T, int C) {
    timed("encoder_forward", [&] { inner_.encoder_forward(out, tokens, wte, wpe, B, T, C); });
}
void ProfilingBackend::layernorm_forward(float* out, float* mean, float* rstd, const float* inp,
                                         const float* weight, const float* bias, int N, int C) {
    timed("layernorm_forward",
          [&] { inner_.layernorm_forward(out, mean, rstd, inp, weight, bias, N, C); });
}
void ProfilingBackend::matmul_forward(float* out, const float* inp, const float* weight,
                                      const float* bias, int N, int C, int OC) {
    const MatmulShape shape{false, N, C, OC};
    timed("matmul_forward", [&] { inner_.matmul_forward(out, inp, weight, bias, N, C, OC); },
          &shape);
}
void ProfilingBackend::attention_forward(float* out, float* att, const float* qkv, int B, int T,
                                         int C, int NH, Dropout drop) {
    timed("attention_forward",
          [&] { inner_.attention_forward(out, att, qkv, B, T, C, NH, drop); });
}
void ProfilingBackend::gelu_forward(float* out, const float* inp, size_t n) {
    timed("gelu_forward", [&] { inner_.gelu_forward(out, inp, n); });
}
void ProfilingBackend::residual_forward(float* out, const float* a, const float* b, size_t n) {
    timed("residual_forward", [&] { inner_.residual_forward(out, a, b, n); });
}
void ProfilingBackend::dropout_forward(float* x, size_t n, Dropout drop) {
    timed("dropout_forward", [&] { inner_.dropout_forward(x, n, drop); });
}
void ProfilingBackend::crossentropy_forward_backward(float* logits, float* losses,
                                                     const int* targets, int N, int V, int Vp,
                                                     float dloss) {
    timed("crossentropy_forward_backward", [&] {
        inner_.crossentropy_forward_backward(logits, losses, targets, N, V, Vp, dloss);
    });
}

void ProfilingBackend::encoder_backward(float* dwte, float* dwpe, const float* dout,
                                        const int* tokens, int B, int T, int C) {
    timed("encoder_backward", [&] { inner_.encoder_backward(dwte, dwpe, dout, tokens, B, T, C); });
}
void ProfilingBackend::layernorm_backward(float* dinp, float* dweight, float* dbias,
                                          const float* dout, const float* inp,
                                          const float* weight, const float* mean,
                                          const float* rstd, int N, int C) {
    timed("layernorm_backward", [&] {
        inner_.layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C);
    });
}
void ProfilingBackend::matmul_backward(float* dinp, float* dweight, float* dbias,
                                       const float* dout, const float* inp, const float* weight,
                                       int N, int C, int OC) {
    const MatmulShape shape{true, N, C, OC};
    timed("matmul_backward",
          [&] { inner_.matmul_backward(dinp, dweight, dbias, dout, inp, weight, N, C, OC); },
          &shape);
}
void ProfilingBackend::attention_backward(float* dqkv, float* scratch, const float* dout,
                                          const float* qkv, const float* att, int B, int T,
                                          int C, int NH, Dropout drop) {
    timed("attention_backward", [&] {
        inner_.attention_backward(dqkv, scratch, dout, qkv, att, B, T, C, NH, drop);
    });
}
void ProfilingBackend::gelu_backward(float* dinp, const float* inp, const float* dout, size_t n) {
    timed("gelu_backward", [&] { inner_.gelu_backward(dinp, inp, dout, n); });
}
void ProfilingBackend::dropout_backward(float* dx, size_t n, Dropout drop) {
    timed("dropout_backward", [&] { inner_.dropout_backward(dx, n, drop); });
}

double ProfilingBackend::sum_squares(const float* x, size_t n) {
    return timed("sum_squares", [&] { return inner_.sum_squares(x, n); });
}
void ProfilingBackend::adamw_update(float* param, const float* grad, float* m, float* v,
                                    size_t n, float lr, float beta1, float beta2, float eps,
                                    float weight_decay, float grad_scale, int t, TensorStats* stats,
                                    int slabs) {
    timed("adamw_update", [&] {
        inner_.adamw_update(param, grad, m, v, n, lr, beta1, beta2, eps, weight_decay,
                            grad_scale, t, stats, slabs);
    });
}

float ProfilingBackend::power_iteration(const float* W, int rows, int cols, float* v, float* u, int iters) {
    return timed("power_iteration", [&] { return inner_.power_iteration(W, rows, cols, v, u, iters); });
}

std::unique_ptr<PendingCopy> ProfilingBackend::gather_async(const float* params,
                                                            const float* grads,
                                                            const uint64_t* indices, size_t n,
                                                            float* values, float* grad_values) {
    return timed("gather_async", [&] {
        return inner_.gather_async(params, grads, indices, n, values, grad_values);
    });
}

}  // namespace nanogpt::bench

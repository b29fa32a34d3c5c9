// attention_backward.cu: kernel lab for causal self-attention's backward (contract:
// kernels/backend.h: dqkv += the gradient through out = dropout(att) @ v and the softmax of the
// scaled q @ k^T, with att the forward's probabilities; scratch is B*NH*T*T floats of
// workspace). Validates every version against CpuBackend, then times it.
//
// Versions:
//   1  production (CudaBackend::attention_backward, kernels/cuda/attention.cu): head-major
//      copies, dropout(att) rebuilt in scratch, four cuBLAS strided-batched products (dv, datt,
//      dq, dk) around a warp-per-row softmax backward, the gradients added back into dqkv.
//      Products at --precision.
//   2  two fp32 kernels on the packed layout, no copies and no cuBLAS, every dqkv element
//      written by one warp (deterministic, no atomics):
//        a) a warp per query row t: datt = dout_t . v (lanes over the head dimension, masked),
//           dpre = att * (datt - sum(att * datt)) * scale into scratch, dq_t += dpre @ k;
//        b) a warp per key row t2: dk_t2 += sum over t >= t2 of dpre[t][t2] q_t and
//           dv_t2 += sum over t >= t2 of att[t][t2] mask dout_t.
//      Only the causal half is touched; but each warp walks a row (or a column) serially.
//
// Usage: lab_attention_backward [--B 4] [--T 1024] [--C 768] [--NH 12] [--dropout 0]
//        [--precision fp32|tf32|bf16] [--reps 20] [--version 0 (all)]
//        [--device cuda|cpu (version 1 only: checks the lab itself)]
#include <cstdio>
#include <string>
#include <vector>

#include "bench/kernels/attention_lab.h"
#include "bench/kernels/lab.h"
#include "common/counter_rng.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/reduce.cuh"

using namespace nanogpt;

namespace {

using cuda::warp_sum;

// ---------------------------------------------------------------- CUDA kernels

constexpr int kWarps = 8;  // rows per block

// The dropout factor of att element i: 1/(1-p) kept, 0 dropped, 1 without dropout.
__device__ __forceinline__ float mask_of(int dropout, uint64_t seed, uint64_t i, float p, float keep_scale) {
    if (!dropout) return 1.0f;
    return dropout_keep(seed, i, p) ? keep_scale : 0.0f;
}

// Version 2a, grid ceil(rows / kWarps), block kWarps x 32. Warp `row` = (b*NH + h)*T + t.
// Writes dpre (the gradient of the scaled scores) into row `row` of scratch, zeros above the
// diagonal, and adds dq of position t.
__global__ void attention_backward_query_kernel2(float* dqkv, float* dpre, const float* dout,
                                                 const float* qkv, const float* att, int B, int T,
                                                 int C, int NH, float scale, uint64_t seed,
                                                 float p, float keep_scale, int dropout) {
    const int row = blockIdx.x * kWarps + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    if (row >= B * NH * T) return;  // the whole warp leaves together
    const int t = row % T, h = (row / T) % NH, b = row / T / NH;
    const int hs = C / NH;
    const size_t C3 = (size_t)3 * C;
    const float* base = qkv + (size_t)b * T * C3 + (size_t)h * hs;
    const float* d = dout + ((size_t)b * T + t) * C + (size_t)h * hs;
    const float* a = att + (size_t)row * T;
    float* g = dpre + (size_t)row * T;

    // datt[t2] = (dout_t . v_t2) * mask; s = sum of att * datt (the same in every lane).
    float s = 0.0f;
    for (int t2 = 0; t2 <= t; t2++) {
        const float* v = base + (size_t)t2 * C3 + 2 * C;
        float dot = 0.0f;
        for (int i = lane; i < hs; i += 32) dot += d[i] * v[i];
        const float da = warp_sum(dot) * mask_of(dropout, seed, (uint64_t)row * T + t2, p, keep_scale);
        if (lane == 0) g[t2] = da;
        s += a[t2] * da;
    }
    __syncwarp();  // lane 0's stores are visible to the lanes that read them below
    for (int t2 = lane; t2 < T; t2 += 32) g[t2] = t2 <= t ? a[t2] * (g[t2] - s) * scale : 0.0f;
    __syncwarp();

    float* dq = dqkv + (size_t)b * T * C3 + (size_t)h * hs + (size_t)t * C3;
    for (int i = lane; i < hs; i += 32) {
        float acc = 0.0f;
        for (int t2 = 0; t2 <= t; t2++) acc += g[t2] * base[(size_t)t2 * C3 + C + i];  // k_t2
        dq[i] += acc;
    }
}

// Version 2b, after 2a, same grid. Warp `key` = (b*NH + h)*T + t2: adds dk and dv of position t2.
__global__ void attention_backward_key_kernel2(float* dqkv, const float* dpre, const float* dout,
                                               const float* qkv, const float* att, int B, int T,
                                               int C, int NH, uint64_t seed, float p,
                                               float keep_scale, int dropout) {
    const int key = blockIdx.x * kWarps + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    if (key >= B * NH * T) return;
    const int t2 = key % T, bh = key / T, h = bh % NH, b = bh / NH;
    const int hs = C / NH;
    const size_t C3 = (size_t)3 * C;
    const float* q0 = qkv + (size_t)b * T * C3 + (size_t)h * hs;  // q of position 0, head h
    const float* d0 = dout + (size_t)b * T * C + (size_t)h * hs;   // dout of position 0, head h
    float* dk = dqkv + (size_t)b * T * C3 + (size_t)h * hs + (size_t)t2 * C3 + C;
    float* dv = dk + C;
    for (int i = lane; i < hs; i += 32) {
        float ak = 0.0f, av = 0.0f;
        for (int t = t2; t < T; t++) {
            const size_t at = ((size_t)bh * T + t) * T + t2;  // element (t, t2) of pair bh
            ak += dpre[at] * q0[(size_t)t * C3 + i];
            av += att[at] * mask_of(dropout, seed, at, p, keep_scale) * d0[(size_t)t * C + i];
        }
        dk[i] += ak;
        dv[i] += av;
    }
}

// ---------------------------------------------------------------- kernel launchers

// scratch: B*NH*T*T floats (receives dpre).
void attention_backward2(cudaStream_t stream, float* dqkv, float* scratch, const float* dout,
                         const float* qkv, const float* att, const lab::AttentionShape& s) {
    const unsigned blocks = (unsigned)((s.rows() + kWarps - 1) / kWarps);
    const int dropout = s.drop.active() ? 1 : 0;
    attention_backward_query_kernel2<<<blocks, kWarps * 32, 0, stream>>>(
        dqkv, scratch, dout, qkv, att, s.B, s.T, s.C, s.NH, s.scale(), s.drop.seed, s.drop.p,
        s.keep_scale(), dropout);
    CUDA_CHECK_LAUNCH();
    attention_backward_key_kernel2<<<blocks, kWarps * 32, 0, stream>>>(
        dqkv, scratch, dout, qkv, att, s.B, s.T, s.C, s.NH, s.drop.seed, s.drop.p, s.keep_scale(),
        dropout);
    CUDA_CHECK_LAUNCH();
}

// ---------------------------------------------------------------- the lab

int run(int argc, char** argv) {
    lab::AttentionLab lab_run("lab_attention_backward", argc, argv);
    if (!lab_run.dev.present()) return lab::no_device("lab_attention_backward");
    const lab::AttentionShape& s = lab_run.s;
    lab::LabDevice& dev = lab_run.dev;
    Backend& gpu = dev.backend();
    const std::vector<float>& qkv = lab_run.qkv;
    CpuBackend cpu;
    const std::vector<float> dout = lab::random_values(s.n_out(), 2);
    // The forward's probabilities, from the CPU: both backends start from the same att.
    std::vector<float> out(s.n_out()), att(s.n_att()), scratch(s.n_att());
    cpu.attention_forward(out.data(), att.data(), qkv.data(), s.B, s.T, s.C, s.NH, s.drop);
    // dqkv starts random (it is added to); the CPU's result is the reference.
    std::vector<float> ref_dqkv = lab::random_values(3 * s.n_out(), 3);
    lab::DeviceTensor g_dqkv(gpu, ref_dqkv);
    cpu.attention_backward(ref_dqkv.data(), scratch.data(), dout.data(), qkv.data(), att.data(), s.B,
                           s.T, s.C, s.NH, s.drop);

    lab::DeviceTensor g_qkv(gpu, qkv), g_dout(gpu, dout), g_att(gpu, att),
        g_scratch(gpu, lab::nan_values(s.n_att()));
    lab::LabOp op;
    op.title = "lab_attention_backward " + s.describe();
    op.versions = {{1, lab::version1(gpu, "head copies, 4 cuBLAS batched products, warp softmax"), parse_precision(gpu.precision())}};
    if (dev.cuda()) op.versions.push_back({2, "two kernels on packed qkv: query rows (dpre, dq), key rows (dk, dv)", Precision::fp32});
    op.tensors = {&g_dqkv, &g_scratch};
    op.outputs = {{"dqkv", &g_dqkv, &ref_dqkv}};
    // The least traffic: read qkv, dout, att; read and write dqkv.
    op.bytes = (10.0 * s.n_out() + s.n_att()) * sizeof(float);
    op.run = [&](int version) {
        switch (version) {
            case 1:
                gpu.attention_backward(g_dqkv.p(), g_scratch.p(), g_dout.p(), g_qkv.p(), g_att.p(), s.B, s.T,
                                       s.C, s.NH, s.drop);
                break;
            case 2: attention_backward2(dev.cuda()->stream(), g_dqkv.p(), g_scratch.p(), g_dout.p(), g_qkv.p(), g_att.p(), s); break;
            default: throw Error("attention_backward: no version " + std::to_string(version));
        }
    };
    return lab::run_lab(op, gpu, lab_run.args.non_negative("version"), lab_run.args.positive("reps"));
}

}  // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

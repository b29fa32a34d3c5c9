// attention_forward.cu: kernel lab for causal self-attention's forward (contract:
// kernels/backend.h: out(B,T,C) and the probabilities att(B,NH,T,T) before dropout, zeros above
// the diagonal; dropout's mask of att element i is dropout_keep(seed, i, p)). Validates every
// version against CpuBackend, then times it.
//
// Versions:
//   1  production (CudaBackend::attention_forward, kernels/cuda/attention.cu): head-major copies
//      of q, k, v; cuBLAS strided-batched q @ k^T over every (batch, head) pair, full T x T;
//      a warp-per-row causal softmax; dropout into a second T x T buffer; cuBLAS probs @ v;
//      the heads merged back. Products at --precision.
//   2  fused, one kernel, fp32: a warp per query row (b, h, t) reads q and k straight from the
//      packed qkv (lanes over the head dimension, one warp sum per score), writes the row's
//      scores and then its probabilities into att, and sums probs x v (lanes over the head
//      dimension) into out with the dropout mask applied on the fly. No copies, no scratch,
//      only the causal half of the scores computed; but one warp walks a whole row serially.
//
// Usage: lab_attention_forward [--B 4] [--T 1024] [--C 768] [--NH 12] [--dropout 0]
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

constexpr int kWarps = 8;  // query rows per block

// Version 2, grid ceil(rows / kWarps), block kWarps x 32. Warp `row` = (b*NH + h)*T + t.
__global__ void attention_forward_kernel2(float* out, float* att, const float* qkv, int B, int T,
                                          int C, int NH, float scale, uint64_t seed, float p,
                                          float keep_scale, int dropout) {
    const int row = blockIdx.x * kWarps + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    if (row >= B * NH * T) return;  // the whole warp leaves together
    const int t = row % T, h = (row / T) % NH, b = row / T / NH;
    const int hs = C / NH;
    const size_t C3 = (size_t)3 * C;
    const float* base = qkv + (size_t)b * T * C3 + (size_t)h * hs;  // q of position 0, head h
    const float* q = base + (size_t)t * C3;
    float* a = att + (size_t)row * T;

    // Scores of keys 0..t; every lane holds each score after the warp sum, lane 0 stores it.
    float maxv = -INFINITY;
    for (int t2 = 0; t2 <= t; t2++) {
        const float* k = base + (size_t)t2 * C3 + C;
        float dot = 0.0f;
        for (int i = lane; i < hs; i += 32) dot += q[i] * k[i];
        dot = warp_sum(dot) * scale;
        if (lane == 0) a[t2] = dot;
        maxv = fmaxf(maxv, dot);
    }
    __syncwarp();  // lane 0's stores are visible to the lanes that read them below
    float sum = 0.0f;
    for (int t2 = lane; t2 <= t; t2 += 32) {
        const float e = expf(a[t2] - maxv);
        a[t2] = e;
        sum += e;
    }
    const float inv = 1.0f / warp_sum(sum);
    // Each lane rewrites exactly the elements it wrote above, then zeros the future.
    for (int t2 = lane; t2 < T; t2 += 32) a[t2] = t2 <= t ? a[t2] * inv : 0.0f;
    __syncwarp();

    float* o = out + ((size_t)b * T + t) * C + (size_t)h * hs;
    for (int i = lane; i < hs; i += 32) {
        float acc = 0.0f;
        for (int t2 = 0; t2 <= t; t2++) {
            float w = a[t2];
            if (dropout) w = dropout_keep(seed, (uint64_t)row * T + t2, p) ? w * keep_scale : 0.0f;
            acc += w * base[(size_t)t2 * C3 + 2 * C + i];
        }
        o[i] = acc;
    }
}

// ---------------------------------------------------------------- kernel launchers

void attention_forward2(cudaStream_t stream, float* out, float* att, const float* qkv,
                        const lab::AttentionShape& s) {
    const unsigned blocks = (unsigned)((s.rows() + kWarps - 1) / kWarps);
    attention_forward_kernel2<<<blocks, kWarps * 32, 0, stream>>>(
        out, att, qkv, s.B, s.T, s.C, s.NH, s.scale(), s.drop.seed, s.drop.p, s.keep_scale(),
        s.drop.active() ? 1 : 0);
    CUDA_CHECK_LAUNCH();
}

// ---------------------------------------------------------------- the lab

int run(int argc, char** argv) {
    lab::AttentionLab lab_run("lab_attention_forward", argc, argv);
    if (!lab_run.dev.present()) return lab::no_device("lab_attention_forward");
    const lab::AttentionShape& s = lab_run.s;
    lab::LabDevice& dev = lab_run.dev;
    Backend& gpu = dev.backend();
    const std::vector<float>& qkv = lab_run.qkv;
    CpuBackend cpu;
    std::vector<float> ref_out(s.n_out()), ref_att(s.n_att());
    cpu.attention_forward(ref_out.data(), ref_att.data(), qkv.data(), s.B, s.T, s.C, s.NH, s.drop);

    lab::DeviceTensor g_qkv(gpu, qkv), g_out(gpu, lab::nan_values(s.n_out())), g_att(gpu, lab::nan_values(s.n_att()));
    lab::LabOp op;
    op.title = "lab_attention_forward " + s.describe();
    op.versions = {{1, lab::version1(gpu, "head copies, cuBLAS batched products, warp softmax"), parse_precision(gpu.precision())}};
    if (dev.cuda()) op.versions.push_back({2, "fused: a warp per query row, straight from packed qkv, no scratch", Precision::fp32});
    op.tensors = {&g_out, &g_att};
    op.outputs = {{"out", &g_out, &ref_out}, {"att", &g_att, &ref_att}};
    // The least traffic: read qkv, write out and att.
    op.bytes = (4.0 * s.n_out() + s.n_att()) * sizeof(float);
    op.run = [&](int version) {
        switch (version) {
            case 1: gpu.attention_forward(g_out.p(), g_att.p(), g_qkv.p(), s.B, s.T, s.C, s.NH, s.drop); break;
            case 2: attention_forward2(dev.cuda()->stream(), g_out.p(), g_att.p(), g_qkv.p(), s); break;
            default: throw Error("attention_forward: no version " + std::to_string(version));
        }
    };
    return lab::run_lab(op, gpu, lab_run.args.non_negative("version"), lab_run.args.positive("reps"));
}

}  // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

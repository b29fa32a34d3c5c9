// layernorm_backward.cu: kernel lab for LayerNorm's backward (contract: kernels/backend.h; all
// three gradients are +=). Validates every version against CpuBackend, then times it.
//
// Versions:
//   1  production (CudaBackend::layernorm_backward, kernels/cuda/layernorm.cu): a warp per row
//      for dinp; then dweight/dbias by C/32 blocks of 32 x 32 threads, each summing 32 row
//      groups in order. Two passes over dout and inp, and only 24 blocks at C = 768 for the
//      parameter gradients, which leaves most of an H200's 132 SMs idle.
//   2  fused, one pass: each warp computes dinp for its rows and, with the row in hand, adds the
//      row's dweight/dbias terms into its own shared-memory row (one lane per column: no
//      atomics); each block sums its warps in order into one partial per column, and a second
//      kernel adds the blocks' partials in block order. Up to 512 blocks whatever C is; still
//      deterministic (the grid depends only on N). Needs 2 C floats of shared memory per warp:
//      C <= 1536.
//
// Usage: lab_layernorm_backward [--B 8] [--T 1024] [--C 768] [--reps 20] [--version 0 (all)]
//        [--device cuda|cpu (version 1 only: checks the lab itself)]
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_args.h"
#include "bench/kernels/lab.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/reduce.cuh"

using namespace nanogpt;

namespace {

using cuda::warp_sum;

// ---------------------------------------------------------------- CUDA kernels

constexpr int kWarps2 = 4;        // warps per block in version 2
constexpr int kMaxBlocks2 = 512;  // fixed cap: the partials never depend on the device
constexpr int kMaxC2 = 48 * 1024 / (kWarps2 * 2 * (int)sizeof(float));  // static shared-memory limit

// Version 2, grid blocks2(N), block kWarps2 x 32, dynamic shared memory kWarps2 x 2C floats.
// Warp w of block x handles rows x * kWarps2 + w, then every gridDim.x * kWarps2 further; lane l
// owns columns l, l + 32, ... of its warp's accumulator row (dweight terms, then dbias terms).
__global__ void layernorm_backward_kernel2(float* dinp, float* partial, const float* dout,
                                           const float* inp, const float* weight,
                                           const float* mean, const float* rstd, int N, int C) {
    extern __shared__ float acc[];  // [kWarps2][2C]
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    float* mine = acc + (size_t)warp * 2 * C;
    for (int c = lane; c < 2 * C; c += 32) mine[c] = 0.0f;
    __syncwarp();  // mine[C + c] is zeroed by another lane when C % 32 != 0
    for (int row = blockIdx.x * kWarps2 + warp; row < N; row += gridDim.x * kWarps2) {
        const float* d = dout + (size_t)row * C;
        const float* x = inp + (size_t)row * C;
        const float m = mean[row], r = rstd[row];
        float dn_sum = 0.0f, dn_norm_sum = 0.0f;
        for (int c = lane; c < C; c += 32) {
            const float norm = (x[c] - m) * r;
            const float dn = weight[c] * d[c];
            dn_sum += dn;
            dn_norm_sum += dn * norm;
            mine[c] += norm * d[c];  // dweight
            mine[C + c] += d[c];     // dbias
        }
        const float dn_mean = warp_sum(dn_sum) / C;
        const float dn_norm_mean = warp_sum(dn_norm_sum) / C;
        float* di = dinp + (size_t)row * C;
        for (int c = lane; c < C; c += 32) {
            const float norm = (x[c] - m) * r;
            const float dn = weight[c] * d[c];
            di[c] += (dn - dn_mean - norm * dn_norm_mean) * r;
        }
    }
    __syncthreads();
    for (int c = threadIdx.x; c < 2 * C; c += blockDim.x) {
        float s = 0.0f;
        for (int w = 0; w < kWarps2; w++) s += acc[(size_t)w * 2 * C + c];
        partial[(size_t)blockIdx.x * 2 * C + c] = s;
    }
}

// Version 2's second kernel: one thread per column, the blocks' partials in block order.
__global__ void layernorm_params_sum_kernel2(float* dweight, float* dbias, const float* partial,
                                             int blocks, int C) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    float w = 0.0f, b = 0.0f;
    for (int k = 0; k < blocks; k++) {
        w += partial[(size_t)k * 2 * C + c];
        b += partial[(size_t)k * 2 * C + C + c];
    }
    dweight[c] += w;
    dbias[c] += b;
}

// ---------------------------------------------------------------- kernel launchers

int blocks2(int N) { return std::min((N + kWarps2 - 1) / kWarps2, kMaxBlocks2); }

// partial: blocks2(N) x 2C floats of scratch.
void layernorm_backward2(cudaStream_t stream, float* dinp, float* dweight, float* dbias,
                         float* partial, const float* dout, const float* inp, const float* weight,
                         const float* mean, const float* rstd, int N, int C) {
    if (C > kMaxC2) throw Error("version 2 needs C <= " + std::to_string(kMaxC2));
    const int blocks = blocks2(N);
    const size_t shared = (size_t)kWarps2 * 2 * C * sizeof(float);
    layernorm_backward_kernel2<<<blocks, kWarps2 * 32, shared, stream>>>(dinp, partial, dout, inp,
                                                                          weight, mean, rstd, N, C);
    CUDA_CHECK_LAUNCH();
    layernorm_params_sum_kernel2<<<(C + 255) / 256, 256, 0, stream>>>(dweight, dbias, partial,
                                                                      blocks, C);
    CUDA_CHECK_LAUNCH();
}

// ---------------------------------------------------------------- the lab

int run(int argc, char** argv) {
    bench::Args args("lab_layernorm_backward [--B 8] [--T 1024] [--C 768] [--reps 20] [--version 0] "
                     "[--device cuda|cpu]",
                     {{"B", "8"}, {"T", "1024"}, {"C", "768"}, {"reps", "20"}, {"version", "0"}, {"device", "cuda"}});
    args.parse(argc, argv);
    const int N = args.positive("B") * args.positive("T"), C = args.positive("C");
    lab::LabDevice dev(args.str("device"), Precision::fp32);
    if (!dev.present()) return lab::no_device("lab_layernorm_backward");

    CpuBackend cpu;
    Backend& gpu = dev.backend();
    const size_t NC = (size_t)N * C;
    std::vector<float> inp = lab::random_values(NC, 1, 2.0f);
    for (float& x : inp) x += 0.5f;  // a mean to remove
    const std::vector<float> weight = lab::random_values(C, 2), bias = lab::random_values(C, 3);
    const std::vector<float> dout = lab::random_values(NC, 4);
    std::vector<float> out(NC), mean(N), rstd(N);
    cpu.layernorm_forward(out.data(), mean.data(), rstd.data(), inp.data(), weight.data(), bias.data(), N, C);

    // Gradients start random (they are added to); the CPU's result is the reference.
    std::vector<float> ref_dinp = lab::random_values(NC, 5), ref_dw = lab::random_values(C, 6),
                       ref_db = lab::random_values(C, 7);
    lab::DeviceTensor g_dinp(gpu, ref_dinp), g_dw(gpu, ref_dw), g_db(gpu, ref_db);
    cpu.layernorm_backward(ref_dinp.data(), ref_dw.data(), ref_db.data(), dout.data(), inp.data(),
                           weight.data(), mean.data(), rstd.data(), N, C);
    lab::DeviceTensor g_dout(gpu, dout), g_inp(gpu, inp), g_w(gpu, weight), g_mean(gpu, mean), g_rstd(gpu, rstd);
    lab::DeviceTensor partial(gpu, std::vector<float>((size_t)blocks2(N) * 2 * C));

    lab::LabOp op;
    op.title = "lab_layernorm_backward N=" + std::to_string(N) + " C=" + std::to_string(C);
    op.versions = {{1, lab::version1(gpu, "warp per row for dinp, C/32 blocks for dweight/dbias"), parse_precision(gpu.precision())}};
    if (dev.cuda() && C <= kMaxC2)
        op.versions.push_back({2, "fused one pass, per-warp shared partials, ordered merge", Precision::fp32});
    op.tensors = {&g_dinp, &g_dw, &g_db};
    op.outputs = {{"dinp", &g_dinp, &ref_dinp}, {"dweight", &g_dw, &ref_dw}, {"dbias", &g_db, &ref_db}};
    // The least traffic any version needs: read dout, inp, dinp; write dinp.
    op.bytes = 4.0 * NC * sizeof(float);
    op.run = [&](int version) {
        switch (version) {
            case 1:
                gpu.layernorm_backward(g_dinp.p(), g_dw.p(), g_db.p(), g_dout.p(), g_inp.p(), g_w.p(),
                                       g_mean.p(), g_rstd.p(), N, C);
                break;
            case 2:
                layernorm_backward2(dev.cuda()->stream(), g_dinp.p(), g_dw.p(), g_db.p(), partial.p(), g_dout.p(),
                                    g_inp.p(), g_w.p(), g_mean.p(), g_rstd.p(), N, C);
                break;
            default: throw Error("layernorm_backward: no version " + std::to_string(version));
        }
    };
    return lab::run_lab(op, gpu, args.non_negative("version"), args.positive("reps"));
}

}  // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

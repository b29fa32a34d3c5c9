// spectra.h: the spectra of the weight matrices, for the parameter detectors.
//
// Two measurements, at two rates:
//   - every frame, per 2-D slab: the top singular value sigma_max, estimated in the optimizer's
//     snapshot pass by warm-started power iteration on the device-resident weights
//     (Backend::power_iteration; TensorStats::want_sigma / sigma_max), and the stable rank
//     |W|_F^2 / sigma_max^2 with |W|_F^2 = sumsq from the same pass. request_sigma() marks the
//     slabs to measure;
//   - at evaluations, when the model's block matrices fit a budget (MatrixCopyPlan), the whole
//     matrices travel to the viz thread (a ParamReader gather, MatrixCopy) and their squared
//     singular values (the eigenvalues of W^T W) are fitted with a power law, WeightWatcher's
//     alpha (Martin & Mahoney 2021), reported with its error (alpha - 1) / sqrt(n_tail).
//
// No BLAS here: the viz thread must not enter OpenBLAS while the training thread is in it (its
// OpenMP build shares buffers and thread counts between callers), so the Gram matrix and the
// symmetric eigensolver (Householder tridiagonalisation, then implicit QL with Wilkinson
// shifts) are plain loops, eigenvalues only.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trainer/observer.h"

namespace nanogpt::viz::insights {

// Stable rank |W|_F^2 / sigma^2 (0 when sigma is not measured).
double stable_rank(double frobenius_sq, double sigma_max);
// The stable rank an m x n matrix of i.i.d. Gaussian entries would have: |W|_F^2 = m n s^2 and
// sigma_max ~ s (sqrt m + sqrt n) (the Marchenko-Pastur edge), so m n / (sqrt m + sqrt n)^2.
double gaussian_stable_rank(int rows, int cols);

// The squared singular values of W (rows x cols, row-major), ascending: the eigenvalues of the
// smaller Gram matrix, W^T W or W W^T, computed in double.
std::vector<double> squared_singular_values(const float* W, int rows, int cols);
// Eigenvalues of the symmetric n x n matrix `a` (row-major, both triangles set; destroyed),
// ascending.
std::vector<double> symmetric_eigenvalues(std::vector<double> a, int n);

// A power law p(x) ~ x^-alpha fitted to the tail x >= xmin of a sample (the eigenvalues), as
// WeightWatcher and Clauset, Shalizi & Newman (2009) do: for every candidate xmin the maximum
// likelihood alpha = 1 + n_tail / sum ln(x / xmin), and the xmin whose fit has the smallest
// Kolmogorov-Smirnov distance to the tail's empirical distribution.
struct PowerLawFit {
    bool ok = false;     // false: fewer than min_tail positive values
    double alpha = 0;
    double alpha_sigma = 0;  // (alpha - 1) / sqrt(n_tail): the MLE's standard error
    double xmin = 0;
    int n_tail = 0, n = 0;
    double ks = 0;       // the KS distance of the chosen fit
};
PowerLawFit fit_power_law(const std::vector<double>& values, int min_tail = 10);

// The slabs that get sigma_max: every matrix (wte, wpe, qkvw, attprojw, fcw, fcprojw).
bool is_matrix(const TensorDesc& t);

// Which matrix slabs measure sigma_max at which snapshot. The matrices are cut, in ModelDesc
// order, into rounds of at most max_floats values each (a slab larger than that is a round of
// its own); snapshot i measures round i % rounds. With no limit (a GPU: 0.3 ms for all of
// GPT-2 124M's matrices) there is one round and every snapshot measures every matrix. On the
// CPU the limit is kCpuFloats: the char demo (0.8 M values) is one round, GPT-2 124M (124 M, a
// second per snapshot on 2 cores) takes 13, so each of its matrices is measured every 13th
// snapshot and the others read 0 (not measured) in between.
class SigmaSchedule {
public:
    static constexpr size_t kCpuFloats = 8u << 20;
    SigmaSchedule(const ModelDesc& model, size_t max_floats = 0);  // 0: no limit
    // RunInfo::device: "cuda" has no limit, anything else the CPU's.
    static SigmaSchedule for_device(const ModelDesc& model, const std::string& device) {
        return SigmaSchedule(model, device == "cuda" ? 0 : kCpuFloats);
    }
    int rounds() const { return rounds_; }
    // Sets want_sigma on the slabs of `stats` (ModelDesc order) this snapshot measures; call
    // after the histogram schedule has reset them for the snapshot.
    void request(std::vector<TensorStats>& stats, int snapshot_index) const;

private:
    std::vector<int> round_;  // per slab, -1 for vectors
    int rounds_ = 1;
};
// Every matrix, every snapshot.
void request_sigma(const ModelDesc& model, std::vector<TensorStats>& stats);

// Which matrices are copied whole at evaluations, for the power-law fit: the block matrices
// (qkvw, attprojw, fcw, fcprojw of every layer: WeightWatcher fits Linear layers), one after
// another in ModelDesc order. Empty when they exceed the budget (then alpha is not measured
// online; fit_power_law works on any matrix, e.g. a checkpoint's, offline).
struct MatrixCopyPlan {
    struct Slab {
        int slab = 0;        // index into the snapshot's stats (ModelDesc order)
        std::string name;
        int layer = 0;
        int rows = 0, cols = 0;
        size_t start = 0;    // in the copied values
    };
    std::vector<Slab> slabs;
    std::vector<uint64_t> indices;  // into the parameter buffer
    double flops = 0;    // the Gram matrices and eigensolvers of one copy, estimated
    // The budget: floats copied (16 bytes each on the host: index, value, gradient) and the
    // viz thread's work per evaluation (spread over the following frames: param_detectors).
    // The CPU demo (0.79M floats, 0.16 GFLOP) and nanoGPT's GPU shakespeare_char (10.6M, 6
    // GFLOP) fit; GPT-2 124M's blocks (85M floats) do not: alpha offline only there.
    static constexpr size_t kMaxFloats = 12u << 20;
    static constexpr double kMaxFlops = 1.6e10;
    static MatrixCopyPlan make(const ModelDesc& model, size_t max_floats = kMaxFloats,
                               double max_flops = kMaxFlops);
    // Without the budget: what the copy would take (for the cost line and the docs).
    static MatrixCopyPlan unbounded(const ModelDesc& model);
    bool empty() const { return slabs.empty(); }
};

// The copy itself, between the training thread (start, in snapshot_ready) and the viz thread
// (take, then release): one buffer, so at most one copy in flight; an evaluation that finds it
// busy (the fit of the last one still going on) is skipped.
class MatrixCopy {
public:
    explicit MatrixCopy(MatrixCopyPlan plan);
    const MatrixCopyPlan& plan() const { return plan_; }
    // Training thread: queues the copy of this step's matrices when the step is the first asked
    // or an evaluation (step % eval_interval == 0), the plan is not empty and the buffer is free.
    // True when it did.
    bool start(int step, int eval_interval, ParamReader& reader);
    // The snapshot of a started copy was dropped before the viz thread saw it: free again.
    void abandon();
    // Viz thread: the copied matrices of `step` (waits for the copy on first use), or null when
    // that step has none. Throws what the copy's wait throws.
    const std::vector<float>* take(int step);
    // Viz thread, once the detectors are done with them: the next evaluation may copy.
    void release();

private:
    MatrixCopyPlan plan_;
    std::vector<float> values_, grads_;
    std::unique_ptr<PendingCopy> pending_;
    std::atomic<bool> busy_{false};
    bool started_once_ = false;  // training thread only
    int step_ = -1;
};

}  // namespace nanogpt::viz::insights

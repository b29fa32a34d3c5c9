// spectra.cpp: stable rank, the eigenvalues of W^T W, the power-law fit, and the copy of whole
// matrices at evaluations (spectra.h).
#include "viz/insights/spectra.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nanogpt::viz::insights {

double stable_rank(double frobenius_sq, double sigma_max) {
    return sigma_max > 0 ? frobenius_sq / (sigma_max * sigma_max) : 0.0;
}

double gaussian_stable_rank(int rows, int cols) {
    const double edge = std::sqrt((double)rows) + std::sqrt((double)cols);
    return (double)rows * cols / (edge * edge);
}

std::vector<double> squared_singular_values(const float* W, int rows, int cols) {
    // The Gram matrix of the shorter side: n x n, summed over the m vectors of the longer one.
    const bool by_rows = cols <= rows;  // G = W^T W = sum over rows of w_r w_r^T
    const int n = by_rows ? cols : rows, m = by_rows ? rows : cols;
    std::vector<double> g((size_t)n * n, 0.0);
    std::vector<double> x(n);
    for (int k = 0; k < m; k++) {
        for (int i = 0; i < n; i++) x[i] = by_rows ? W[(size_t)k * cols + i] : W[(size_t)i * cols + k];
        for (int i = 0; i < n; i++) {
            const double xi = x[i];
            double* gi = g.data() + (size_t)i * n;
#pragma omp simd
            for (int j = 0; j <= i; j++) gi[j] += xi * x[j];
        }
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++) g[(size_t)j * n + i] = g[(size_t)i * n + j];
    std::vector<double> ev = symmetric_eigenvalues(std::move(g), n);
    for (double& e : ev) e = std::max(e, 0.0);  // rounding can leave tiny negatives
    return ev;
}

namespace {

// Householder reduction of the symmetric matrix a (n x n) to tridiagonal form: diagonal d,
// sub-diagonal e (e[i] couples i and i+1). Reflector k zeroes column k below the sub-diagonal:
// with v the unit reflector and p = A v, A <- A - 2 (v w^T + w v^T), w = p - (v^T p) v.
void tridiagonalise(std::vector<double>& a, int n, std::vector<double>& d, std::vector<double>& e) {
    d.assign(n, 0.0);
    e.assign(std::max(n - 1, 0), 0.0);
    std::vector<double> v(n), p(n);
    for (int k = 0; k + 2 < n; k++) {
        const int len = n - k - 1;  // entries k+1 .. n-1 of column k
        double norm = 0;
        for (int i = 0; i < len; i++) norm += a[(size_t)(k + 1 + i) * n + k] * a[(size_t)(k + 1 + i) * n + k];
        norm = std::sqrt(norm);
        const double x0 = a[(size_t)(k + 1) * n + k];
        const double alpha = x0 > 0 ? -norm : norm;
        d[k] = a[(size_t)k * n + k];
        e[k] = alpha;
        for (int i = 0; i < len; i++) v[i] = a[(size_t)(k + 1 + i) * n + k];
        v[0] -= alpha;
        double vn = 0;
        for (int i = 0; i < len; i++) vn += v[i] * v[i];
        if (vn == 0) continue;  // the column is already zero below the sub-diagonal
        vn = 1.0 / std::sqrt(vn);
        for (int i = 0; i < len; i++) v[i] *= vn;
        double K = 0;
        for (int i = 0; i < len; i++) {
            const double* row = a.data() + (size_t)(k + 1 + i) * n + (k + 1);
            double s = 0;
            for (int j = 0; j < len; j++) s += row[j] * v[j];
            p[i] = s;
            K += v[i] * s;
        }
        for (int i = 0; i < len; i++) p[i] -= K * v[i];  // w
        for (int i = 0; i < len; i++) {
            double* row = a.data() + (size_t)(k + 1 + i) * n + (k + 1);
            const double vi = v[i], wi = p[i];
#pragma omp simd
            for (int j = 0; j < len; j++) row[j] -= 2.0 * (vi * p[j] + wi * v[j]);
        }
    }
    if (n >= 2) {
        d[n - 2] = a[(size_t)(n - 2) * n + (n - 2)];
        e[n - 2] = a[(size_t)(n - 1) * n + (n - 2)];
    }
    if (n >= 1) d[n - 1] = a[(size_t)(n - 1) * n + (n - 1)];
}

// One implicit symmetric QR step with a Wilkinson shift on the unreduced block [lo, hi] of the
// tridiagonal (d, e): a Givens rotation started from (d[lo] - mu, e[lo]), then the bulge it
// creates below the sub-diagonal chased down to the end of the block.
void qr_step(std::vector<double>& d, std::vector<double>& e, int lo, int hi) {
    const double delta = 0.5 * (d[hi - 1] - d[hi]);
    const double b = e[hi - 1];
    const double denom = delta + (delta >= 0 ? 1.0 : -1.0) * std::hypot(delta, b);
    const double mu = denom != 0 ? d[hi] - b * b / denom : d[hi];
    double x = d[lo] - mu, z = e[lo];
    double bulge = 0;
    for (int k = lo; k < hi; k++) {
        const double r = std::hypot(x, z);
        const double c = r > 0 ? x / r : 1.0, s = r > 0 ? z / r : 0.0;
        if (k > lo) e[k - 1] = r;
        // The 2 x 2 block of rows/columns k, k+1 turned by P = [c s; -s c]: P B P^T.
        const double a = d[k], bb = e[k], cc = d[k + 1];
        d[k] = c * c * a + 2 * c * s * bb + s * s * cc;
        d[k + 1] = s * s * a - 2 * c * s * bb + c * c * cc;
        e[k] = c * s * (cc - a) + (c * c - s * s) * bb;
        if (k + 1 < hi) {  // column k+1's entry below becomes the new bulge in column k
            bulge = s * e[k + 1];
            e[k + 1] = c * e[k + 1];
            x = e[k];
            z = bulge;
        }
    }
}

}  // namespace

std::vector<double> symmetric_eigenvalues(std::vector<double> a, int n) {
    if (n <= 0) return {};
    std::vector<double> d, e;
    tridiagonalise(a, n, d, e);
    const double eps = std::numeric_limits<double>::epsilon();
    int hi = n - 1;
    int guard = 60 * n + 60;
    while (hi > 0 && guard-- > 0) {
        if (std::fabs(e[hi - 1]) <= eps * (std::fabs(d[hi - 1]) + std::fabs(d[hi]))) {
            e[hi - 1] = 0;
            hi--;
            continue;
        }
        int lo = hi - 1;
        while (lo > 0 && std::fabs(e[lo - 1]) > eps * (std::fabs(d[lo - 1]) + std::fabs(d[lo]))) lo--;
        qr_step(d, e, lo, hi);
    }
    std::sort(d.begin(), d.end());
    return d;
}

PowerLawFit fit_power_law(const std::vector<double>& values, int min_tail) {
    PowerLawFit f;
    std::vector<double> x;
    x.reserve(values.size());
    for (double v : values)
        if (v > 0 && std::isfinite(v)) x.push_back(v);
    std::sort(x.begin(), x.end());
    const int n = (int)x.size();
    f.n = n;
    if (n < std::max(min_tail, 2)) return f;
    // suffix[i] = sum_{j >= i} ln x_j
    std::vector<double> lx(n), suffix(n + 1, 0.0);
    for (int i = 0; i < n; i++) lx[i] = std::log(x[i]);
    for (int i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + lx[i];
    double best_ks = std::numeric_limits<double>::infinity();
    for (int i = 0; i + min_tail <= n; i++) {
        if (i > 0 && x[i] == x[i - 1]) continue;  // the same xmin as the last candidate
        const int nt = n - i;
        const double sum_log = suffix[i] - nt * lx[i];
        if (sum_log <= 0) continue;  // all equal: no tail to fit
        const double alpha = 1.0 + nt / sum_log;
        // KS distance between the fitted CDF 1 - (x/xmin)^(1-alpha) and the empirical one,
        // on both sides of each step.
        double ks = 0;
        for (int j = i; j < n; j++) {
            const double model = 1.0 - std::exp((1.0 - alpha) * (lx[j] - lx[i]));
            const double below = (double)(j - i) / nt, above = (double)(j - i + 1) / nt;
            ks = std::max(ks, std::max(std::fabs(model - below), std::fabs(model - above)));
        }
        if (ks < best_ks) {
            best_ks = ks;
            f.ok = true;
            f.alpha = alpha;
            f.xmin = x[i];
            f.n_tail = nt;
            f.ks = ks;
        }
    }
    if (f.ok) f.alpha_sigma = (f.alpha - 1.0) / std::sqrt((double)f.n_tail);
    return f;
}

bool is_matrix(const TensorDesc& t) { return t.rows > 1 && t.cols > 1; }

SigmaSchedule::SigmaSchedule(const ModelDesc& model, size_t max_floats) {
    int round = 0;
    size_t in_round = 0;
    for (const TensorDesc& t : model.tensors)
        for (int l = 0; l < t.layers; l++) {
            if (!is_matrix(t)) {
                round_.push_back(-1);
                continue;
            }
            const size_t n = (size_t)t.rows * t.cols;
            if (max_floats > 0 && in_round > 0 && in_round + n > max_floats) {
                round++;
                in_round = 0;
            }
            round_.push_back(round);
            in_round += n;
        }
    rounds_ = round + 1;
}

void SigmaSchedule::request(std::vector<TensorStats>& stats, int snapshot_index) const {
    const int now = ((snapshot_index % rounds_) + rounds_) % rounds_;
    for (size_t k = 0; k < stats.size() && k < round_.size(); k++) stats[k].want_sigma = round_[k] == now;
}

void request_sigma(const ModelDesc& model, std::vector<TensorStats>& stats) { SigmaSchedule(model).request(stats, 0); }

namespace {
bool is_block_matrix(const TensorDesc& t) {
    return is_matrix(t) && (t.name == "qkvw" || t.name == "attprojw" || t.name == "fcw" || t.name == "fcprojw");
}
}  // namespace

MatrixCopyPlan MatrixCopyPlan::unbounded(const ModelDesc& model) {
    MatrixCopyPlan p;
    int slab = 0;
    size_t start = 0;
    for (const TensorDesc& t : model.tensors) {
        for (int l = 0; l < t.layers; l++, slab++) {
            if (!is_block_matrix(t)) continue;
            p.slabs.push_back({slab, t.name, l, t.rows, t.cols, start});
            start += (size_t)t.rows * t.cols;
            const double n = std::min(t.rows, t.cols), m = std::max(t.rows, t.cols);
            p.flops += m * n * n + 4.0 / 3.0 * n * n * n * 2;  // Gram (half, multiply-adds) + eigensolver
        }
    }
    p.indices.reserve(start);
    for (const Slab& s : p.slabs) {
        const TensorDesc& t = *std::find_if(model.tensors.begin(), model.tensors.end(),
                                            [&](const TensorDesc& d) { return d.name == s.name; });
        const uint64_t base = t.offset + (uint64_t)s.layer * t.rows * t.cols;
        for (uint64_t i = 0; i < (uint64_t)t.rows * t.cols; i++) p.indices.push_back(base + i);
    }
    return p;
}

MatrixCopyPlan MatrixCopyPlan::make(const ModelDesc& model, size_t max_floats, double max_flops) {
    MatrixCopyPlan p = unbounded(model);
    if (p.indices.size() > max_floats || p.flops > max_flops) return MatrixCopyPlan{};
    return p;
}

MatrixCopy::MatrixCopy(MatrixCopyPlan plan) : plan_(std::move(plan)) {
    values_.resize(plan_.indices.size());
    grads_.resize(plan_.indices.size());
}

bool MatrixCopy::start(int step, int eval_interval, ParamReader& reader) {
    if (plan_.empty()) return false;
    const bool due = !started_once_ || (eval_interval > 0 && step % eval_interval == 0);
    if (!due) return false;
    bool expected = false;
    if (!busy_.compare_exchange_strong(expected, true)) return false;  // the last fit goes on
    started_once_ = true;
    step_ = step;
    try {
        pending_ = reader.gather(plan_.indices, values_.data(), grads_.data());
    } catch (...) {
        pending_.reset();
        busy_ = false;
        throw;
    }
    return true;
}

void MatrixCopy::abandon() {
    pending_.reset();
    busy_ = false;
}

const std::vector<float>* MatrixCopy::take(int step) {
    if (!busy_.load() || step_ != step) return nullptr;
    if (pending_) {
        std::unique_ptr<PendingCopy> p = std::move(pending_);
        p->wait();
    }
    return &values_;
}

void MatrixCopy::release() {
    step_ = -1;
    busy_ = false;
}

}  // namespace nanogpt::viz::insights

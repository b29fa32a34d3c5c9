// online_stats.h: the running statistics the metric detectors are built from, each with a
// fixed footprint and constant work per value (no allocation after construction): a
// bias-corrected EMA, a ring of the last N values with a robust z-score (median and MAD), a
// windowed count of true flags, and the local log-log slope d ln L / d ln t over a log-spaced
// window. Formulas: ../shared/research/insights.md §2.1; thresholds: docs/insights.md.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace nanogpt::viz::insights {

// m_t = beta m_{t-1} + (1 - beta) x_t, reported as m_t / (1 - beta^t) so the first values are
// not pulled towards 0. Time constant about 1 / (1 - beta) values.
class Ema {
public:
    explicit Ema(double beta) : beta_(beta) {}
    void add(double x) {
        m_ = beta_ * m_ + (1 - beta_) * x;
        corr_ *= beta_;
        n_++;
    }
    bool empty() const { return n_ == 0; }
    double value() const { return n_ ? m_ / (1 - corr_) : NAN; }
    long count() const { return n_; }

private:
    double beta_, m_ = 0, corr_ = 1;
    long n_ = 0;
};

// The last N values (oldest overwritten), with order statistics over them.
template <size_t N>
class Ring {
public:
    void add(double x) {
        v_[head_] = x;
        head_ = (head_ + 1) % N;
        if (size_ < N) size_++;
    }
    size_t size() const { return size_; }
    bool full() const { return size_ == N; }
    // The i-th most recent value (0: the last added). i < size().
    double back(size_t i = 0) const { return v_[(head_ + N - 1 - i) % N]; }
    void clear() { size_ = head_ = 0; }

    // Median of the values held, NaN when empty. Works on a copy kept in the object.
    double median() const {
        if (!size_) return NAN;
        std::copy(v_.begin(), v_.begin() + size_, scratch_.begin());
        return median_of(scratch_.data(), size_);
    }
    // Hampel's robust z of x against the values held: (x - median) / (1.4826 MAD); 1.4826 makes
    // the MAD estimate sigma for Gaussian noise. NaN until the ring is full; a zero MAD (a
    // constant series) scores 0 for x at the median and +-inf otherwise.
    double robust_z(double x, double* median_out = nullptr, double* scale_out = nullptr) const {
        if (!full()) return NAN;
        const double med = median();
        for (size_t i = 0; i < N; i++) scratch_[i] = std::fabs(v_[i] - med);
        const double scale = 1.4826 * median_of(scratch_.data(), N);
        if (median_out) *median_out = med;
        if (scale_out) *scale_out = scale;
        if (scale > 0) return (x - med) / scale;
        return x == med ? 0.0 : (x > med ? INFINITY : -INFINITY);
    }

private:
    static double median_of(double* a, size_t n) {
        std::nth_element(a, a + n / 2, a + n);
        const double hi = a[n / 2];
        if (n % 2) return hi;
        return 0.5 * (hi + *std::max_element(a, a + n / 2));
    }
    std::array<double, N> v_{};
    mutable std::array<double, N> scratch_{};
    size_t head_ = 0, size_ = 0;
};

// How many of the last `window` flags (window <= N) were true.
template <size_t N>
class FlagWindow {
public:
    explicit FlagWindow(size_t window = N) : window_(std::min(window, N)) {}
    void add(bool f) {
        if (size_ == window_) count_ -= flags_[(head_ + N - window_) % N];
        else size_++;
        flags_[head_] = f;
        count_ += f;
        head_ = (head_ + 1) % N;
    }
    size_t count() const { return count_; }
    size_t size() const { return size_; }
    bool full() const { return size_ == window_; }
    double fraction() const { return size_ ? (double)count_ / (double)size_ : 0.0; }

private:
    std::array<bool, N> flags_{};
    size_t window_, head_ = 0, size_ = 0, count_ = 0;
};

// The local log-log slope k = d ln y / d ln t: the least-squares slope of ln y over ln t for
// t in [t_now / span, t_now]. Points are kept log-spaced (a new one only when ln t has moved
// by `spacing`), so the window holds about ln(span) / spacing points whether t is 50 or 50 000:
// the same code sees a power law y ~ t^k as a constant k at any scale.
class LogSlope {
public:
    LogSlope(double span, double spacing) : log_span_(std::log(span)), spacing_(std::log(spacing)) {}
    // t > 0, y > 0. True when a point was added (k may have changed).
    bool add(double t, double y) {
        const double x = std::log(t);
        if (n_ && x - pts_[(head_ + kCap - 1) % kCap].x < spacing_) return false;
        pts_[head_] = {x, std::log(y)};
        head_ = (head_ + 1) % kCap;
        if (n_ < kCap) n_++;
        x_last_ = x;
        return true;
    }
    // The slope over the window ending at the last point; NaN with fewer than 3 points in it.
    double slope() const {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int m = 0;
        for (size_t i = 0; i < n_; i++) {
            const Pt& p = pts_[(head_ + kCap - 1 - i) % kCap];
            if (p.x < x_last_ - log_span_ - 1e-12) break;
            sx += p.x; sy += p.y; sxx += p.x * p.x; sxy += p.x * p.y;
            m++;
        }
        if (m < 3) return NAN;
        const double d = m * sxx - sx * sx;
        return d > 0 ? (m * sxy - sx * sy) / d : NAN;
    }

private:
    static constexpr size_t kCap = 64;
    struct Pt {
        double x, y;
    };
    std::array<Pt, kCap> pts_{};
    double log_span_, spacing_, x_last_ = 0;
    size_t head_ = 0, n_ = 0;
};

}  // namespace nanogpt::viz::insights

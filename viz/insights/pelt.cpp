// pelt.cpp: PELT with a piecewise-linear cost (pelt.h).
#include "viz/insights/pelt.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nanogpt::viz::insights {
namespace {

// Prefix sums, so a segment's least-squares line and its squared error cost O(1).
struct Sums {
    std::vector<double> x, y, xx, xy, yy;
    explicit Sums(const std::vector<double>& px, const std::vector<double>& py) {
        const size_t n = px.size();
        x.assign(n + 1, 0); y.assign(n + 1, 0); xx.assign(n + 1, 0); xy.assign(n + 1, 0); yy.assign(n + 1, 0);
        for (size_t i = 0; i < n; i++) {
            x[i + 1] = x[i] + px[i];
            y[i + 1] = y[i] + py[i];
            xx[i + 1] = xx[i] + px[i] * px[i];
            xy[i + 1] = xy[i] + px[i] * py[i];
            yy[i + 1] = yy[i] + py[i] * py[i];
        }
    }
    // Line over [a, b): returns the squared error; intercept and slope on request.
    double fit(size_t a, size_t b, double* intercept = nullptr, double* slope = nullptr) const {
        const double n = (double)(b - a);
        const double sx = x[b] - x[a], sy = y[b] - y[a];
        const double cxx = (xx[b] - xx[a]) - sx * sx / n;
        const double cxy = (xy[b] - xy[a]) - sx * sy / n;
        const double cyy = (yy[b] - yy[a]) - sy * sy / n;
        const double k = cxx > 0 ? cxy / cxx : 0.0;
        if (slope) *slope = k;
        if (intercept) *intercept = (sy - k * sx) / n;
        return std::max(0.0, cxx > 0 ? cyy - cxy * cxy / cxx : cyy);
    }
};

}  // namespace

std::vector<LineSegment> pelt_lines(const std::vector<double>& x, const std::vector<double>& y, double penalty,
                                    size_t min_size) {
    const size_t n = std::min(x.size(), y.size());
    min_size = std::max<size_t>(min_size, 2);
    std::vector<LineSegment> out;
    if (n == 0) return out;
    const Sums s(x, y);
    if (n < 2 * min_size) {
        LineSegment one{0, n};
        s.fit(0, n, &one.intercept, &one.slope);
        return {one};
    }
    // F[t]: the best cost of the first t points; prev[t]: where its last segment starts.
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> F(n + 1, inf);
    std::vector<size_t> prev(n + 1, 0), candidates{0}, kept;
    F[0] = -penalty;
    for (size_t t = min_size; t <= n; t++) {
        for (size_t c : candidates) {
            if (t - c < min_size) continue;
            const double v = F[c] + s.fit(c, t) + penalty;
            if (v < F[t]) {
                F[t] = v;
                prev[t] = c;
            }
        }
        // Prune: a start that already costs more than the best up to t can never be the
        // optimal last break after t (the cost is additive-subadditive: K = 0).
        kept.clear();
        for (size_t c : candidates)
            if (t - c < min_size || F[c] + s.fit(c, t) <= F[t]) kept.push_back(c);
        candidates.swap(kept);
        if (std::isfinite(F[t])) candidates.push_back(t);
    }
    std::vector<size_t> ends;
    for (size_t t = n; t > 0; t = prev[t]) ends.push_back(t);
    std::reverse(ends.begin(), ends.end());
    size_t a = 0;
    for (size_t b : ends) {
        LineSegment seg{a, b};
        s.fit(a, b, &seg.intercept, &seg.slope);
        out.push_back(seg);
        a = b;
    }
    return out;
}

double difference_sigma(const std::vector<double>& y) {
    if (y.size() < 3) return 0.0;
    std::vector<double> d(y.size() - 1);
    for (size_t i = 0; i + 1 < y.size(); i++) d[i] = y[i + 1] - y[i];
    auto median = [](std::vector<double>& v) {
        std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
        return v[v.size() / 2];
    };
    const double m = median(d);
    for (double& v : d) v = std::fabs(v - m);
    return 1.4826 * median(d) / std::sqrt(2.0);
}

}  // namespace nanogpt::viz::insights

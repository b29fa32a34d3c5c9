// pelt.h: offline changepoint segmentation of a curve into straight pieces (PELT, Killick,
// Fearnhead & Eckley 2012): the breakpoints minimise the sum over segments of the squared
// error of each segment's least-squares line, plus `penalty` per segment. Exact, with the
// pruning rule that drops a candidate s once F(s) + C(s, t) > F(t); expected O(n) for curves
// with changes throughout, O(n^2) at worst. Each segment's cost is O(1) from prefix sums of
// x, y, x^2, xy, y^2. The metric detectors run it on ln loss over ln step
// (metric_detectors.cpp: the phase map).
#pragma once
#include <cstddef>
#include <vector>

namespace nanogpt::viz::insights {

struct LineSegment {
    size_t begin = 0, end = 0;  // points [begin, end)
    double intercept = 0, slope = 0;
};

// Segments covering all n points in order (one segment when no break pays its penalty).
// Every segment holds at least min_size points (>= 2); x must be increasing.
std::vector<LineSegment> pelt_lines(const std::vector<double>& x, const std::vector<double>& y, double penalty,
                                    size_t min_size);

// The noise scale of a curve from its first differences: 1.4826 MAD(dy) / sqrt(2), robust to
// the curve's trend and to a few jumps (research §2.1). 0 for fewer than 3 points.
double difference_sigma(const std::vector<double>& y);

}  // namespace nanogpt::viz::insights

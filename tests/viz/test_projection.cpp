// test_projection.cpp: PCA to 3D stays steady when the cloud is rotated or sign-flipped.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/counter_rng.h"
#include "viz/snapshot/projection.h"

using namespace nanogpt;
using namespace nanogpt::viz;
using namespace nanogpt::viz::snapshot;

namespace {

// n points in d dims with three dominant directions of decreasing spread, plus noise.
std::vector<float> cloud(int n, int d, uint64_t seed) {
    std::vector<float> x((size_t)n * d);
    for (int p = 0; p < n; p++)
        for (int i = 0; i < d; i++) {
            float noise = (uniform_at(seed, (uint64_t)p * d + i) - 0.5f) * 0.1f;
            float a = uniform_at(seed + 1, p) - 0.5f, b = uniform_at(seed + 2, p) - 0.5f,
                  c = uniform_at(seed + 3, p) - 0.5f;
            x[(size_t)p * d + i] = noise + 5 * a * std::sin(i + 1.0f) + 3 * b * std::cos(2.0f * i) +
                                   2 * c * std::sin(0.5f * i + 2.0f);
        }
    return x;
}

// x times a random orthogonal d x d matrix (product of Householder reflections).
std::vector<float> rotate(const std::vector<float>& x, int n, int d, uint64_t seed) {
    std::vector<float> y = x;
    for (int r = 0; r < 4; r++) {
        std::vector<double> v(d);
        double norm = 0;
        for (int i = 0; i < d; i++) {
            v[i] = uniform_at(seed + r, i) - 0.5;
            norm += v[i] * v[i];
        }
        norm = std::sqrt(norm);
        for (double& e : v) e /= norm;
        for (int p = 0; p < n; p++) {
            double dot = 0;
            for (int i = 0; i < d; i++) dot += y[(size_t)p * d + i] * v[i];
            for (int i = 0; i < d; i++) y[(size_t)p * d + i] -= (float)(2 * dot * v[i]);
        }
    }
    return y;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0, scale = 0;
    for (size_t i = 0; i < a.size(); i++) {
        m = std::max(m, (double)std::fabs(a[i] - b[i]));
        scale = std::max(scale, (double)std::fabs(b[i]));
    }
    return m / scale;
}

TEST(Projection, RotatedCloudProjectsToTheSameCoordinates) {
    const int n = 300, d = 48;
    auto x = cloud(n, d, 11);
    Projector pr;
    auto first = pr.project(x, n, d);
    auto second = pr.project(rotate(x, n, d, 99), n, d);
    EXPECT_LT(max_diff(second, first), 1e-3);
}

TEST(Projection, SignFlipOfAnAxisIsUndone) {
    const int n = 200, d = 16;
    auto x = cloud(n, d, 5);
    Projector pr;
    auto first = pr.project(x, n, d);
    auto flipped = x;  // mirror the cloud: flips the sign of the principal directions
    for (float& v : flipped) v = -v;
    auto second = pr.project(flipped, n, d);
    EXPECT_LT(max_diff(second, first), 1e-3);
}

TEST(Projection, WithoutAlignmentTheFlipWouldShow) {
    // The control: a fresh projector (no previous frame) on the mirrored cloud lands on the
    // mirrored coordinates, so the test above measures the alignment, not the data.
    const int n = 200, d = 16;
    auto x = cloud(n, d, 5);
    Projector a, b;
    auto first = a.project(x, n, d);
    auto flipped = x;
    for (float& v : flipped) v = -v;
    auto fresh = b.project(flipped, n, d);
    EXPECT_GT(max_diff(fresh, first), 0.5);
}

TEST(Projection, SmallChangesMoveFewPoints) {
    const int n = 200, d = 32;
    auto x = cloud(n, d, 21);
    Projector pr;
    auto first = pr.project(x, n, d);
    auto y = x;
    for (int i = 0; i < d; i++) y[i] += 3.0f;  // move point 0 only
    auto second = pr.project(y, n, d);
    double moved0 = 0, moved_rest = 0;
    for (int j = 0; j < 3; j++) moved0 += std::fabs(second[j] - first[j]);
    for (int p = 1; p < n; p++)
        for (int j = 0; j < 3; j++) moved_rest = std::max(moved_rest, (double)std::fabs(second[p * 3 + j] - first[p * 3 + j]));
    EXPECT_GT(moved0, 5 * moved_rest);
}

TEST(Procrustes, RecoversAKnownRotation) {
    const int n = 50;
    std::vector<float> a(n * 3), b(n * 3);
    const double c = std::cos(0.7), s = std::sin(0.7);
    const double R[9] = {c, -s, 0, s, c, 0, 0, 0, -1};  // a rotation and a reflection
    for (int p = 0; p < n; p++) {
        for (int j = 0; j < 3; j++) a[p * 3 + j] = uniform_at(7, p * 3 + j) - 0.5f;
        for (int j = 0; j < 3; j++)
            b[p * 3 + j] = (float)(a[p * 3] * R[j] + a[p * 3 + 1] * R[3 + j] + a[p * 3 + 2] * R[6 + j]);
    }
    double got[9];
    procrustes3(a, b, n, got);
    for (int i = 0; i < 9; i++) EXPECT_NEAR(got[i], R[i], 1e-5);
}

}  // namespace

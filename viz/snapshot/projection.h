// projection.h: embeddings (n points in d dimensions) to 3D by PCA, kept steady over time.
//
// Each frame's top-3 principal directions are found by subspace iteration (warm-started from
// the previous frame's, so a few iterations suffice), the points are projected, and the result
// is turned by the orthogonal 3x3 matrix that best maps it onto the previous frame's points
// (orthogonal Procrustes; reflections allowed, which absorbs eigenvector sign flips). Points
// keep their identity across frames, so this removes the arbitrary rotations and flips PCA
// would otherwise introduce, and the cloud moves only as much as the embeddings do.
#pragma once
#include <vector>

namespace nanogpt::viz::snapshot {

class Projector {
public:
    // x: n rows of d floats (row-major). Returns n*3 coordinates.
    std::vector<float> project(const std::vector<float>& x, int n, int d);
    void reset() { basis_.clear(); previous_.clear(); }

private:
    std::vector<double> basis_;     // d x 3 from the last call (warm start)
    std::vector<float> previous_;   // n x 3, last output
    int prev_n_ = 0, prev_d_ = 0;
};

// The orthogonal matrix R (3x3, row-major) minimising ||a R - b|| for n x 3 point sets a, b.
void procrustes3(const std::vector<float>& a, const std::vector<float>& b, int n, double R[9]);

}  // namespace nanogpt::viz::snapshot

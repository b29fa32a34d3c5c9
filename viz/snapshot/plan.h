// plan.h: which parameters a frame shows, fixed once per run so every point and cell
// keeps its identity across frames, and sized to the frame budget before the run starts.
//
//   wte   K token rows (the most frequent tokens of the training data, then random ones; all
//         tokens when V <= K), projected to 3D on the viz thread
//   wpe   up to P position rows, projected to 3D
//   qkvw, attprojw, fcw, fcprojw   a G x G grid of evenly spaced rows and columns per layer
//   ln1w, ln1b, ln2w, ln2b, lnfw, lnfb   whole
// Values and gradients are gathered at the same indices.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "trainer/observer.h"

namespace nanogpt::viz::snapshot {

struct SnapshotOptions {
    int embedding_points = 2048;  // K
    int position_points = 1024;   // P
    int grid = 32;                // G
    size_t max_frame_bytes = 1 << 20;
    uint64_t seed = 1337;         // for the random part of the token choice
};

struct SnapshotBlock {
    enum Kind { kEmbedding, kPositions, kGrid, kVector };
    SnapshotBlock(Kind k, std::string n, int l = -1) : kind(k), name(std::move(n)), layer(l) {}
    Kind kind;
    std::string name;
    int layer = -1;
    int rows = 0, cols = 0;   // gathered shape (rows x cols values)
    size_t start = 0;         // offset of this block in the gathered arrays
    std::vector<int> row_ids, col_ids;  // which rows/columns of the tensor (grids, embeddings)
};

struct SnapshotPlan {
    std::vector<uint64_t> indices;  // into the parameter buffer, block after block
    std::vector<SnapshotBlock> blocks;
    SnapshotOptions options;        // after shrinking to fit the budget
    size_t frame_bytes = 0;         // encoded size of a frame from this plan

    // Builds the plan and shrinks K, P and G (in that order) until a frame fits
    // options.max_frame_bytes. Throws Error when even the smallest plan does not fit.
    static SnapshotPlan make(const ModelDesc& model, SnapshotOptions options);
};

}  // namespace nanogpt::viz::snapshot

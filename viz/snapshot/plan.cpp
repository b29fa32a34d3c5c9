#include "viz/snapshot/plan.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "common/counter_rng.h"
#include "viz/snapshot/frame_builder.h"

namespace nanogpt::viz::snapshot {

namespace {

const TensorDesc* find(const ModelDesc& m, const std::string& name) {
    for (const TensorDesc& t : m.tensors)
        if (t.name == name) return &t;
    return nullptr;
}

std::vector<int> evenly_spaced(int total, int count) {
    count = std::min(count, total);
    std::vector<int> ids(count);
    for (int i = 0; i < count; i++) ids[i] = (int)((int64_t)i * total / count);
    return ids;
}

// K token ids: the most frequent three quarters of K, then random others; every id if V <= K.
std::vector<int> choose_tokens(const ModelDesc& m, int K, uint64_t seed) {
    if (m.V <= K) return evenly_spaced(m.V, m.V);
    std::vector<int> ids;
    std::set<int> taken;
    for (int t : m.tokens_by_frequency) {
        if ((int)ids.size() >= K * 3 / 4) break;
        if (t >= 0 && t < m.V && taken.insert(t).second) ids.push_back(t);
    }
    for (uint64_t i = 0; (int)ids.size() < K; i++) {
        int t = (int)(rng_at(seed, i) % (uint64_t)m.V);
        if (taken.insert(t).second) ids.push_back(t);
    }
    return ids;
}

SnapshotPlan build(const ModelDesc& m, const SnapshotOptions& o) {
    SnapshotPlan plan;
    plan.options = o;
    auto add_rows = [&](SnapshotBlock b, const TensorDesc& t, size_t layer_offset) {
        b.start = plan.indices.size();
        for (int r : b.row_ids)
            for (int c : b.col_ids)
                plan.indices.push_back(t.offset + layer_offset + (uint64_t)r * t.cols + c);
        b.rows = (int)b.row_ids.size();
        b.cols = (int)b.col_ids.size();
        plan.blocks.push_back(std::move(b));
    };
    std::vector<int> all_channels = evenly_spaced(m.C, m.C);
    if (const TensorDesc* wte = find(m, "wte")) {
        SnapshotBlock b{SnapshotBlock::kEmbedding, "wte"};
        b.row_ids = choose_tokens(m, o.embedding_points, o.seed);
        b.col_ids = all_channels;
        add_rows(std::move(b), *wte, 0);
    }
    if (const TensorDesc* wpe = find(m, "wpe")) {
        SnapshotBlock b{SnapshotBlock::kPositions, "wpe"};
        b.row_ids = evenly_spaced(m.maxT, o.position_points);
        b.col_ids = all_channels;
        add_rows(std::move(b), *wpe, 0);
    }
    for (const TensorDesc& t : m.tensors) {
        bool grid = t.cols > 1 && t.name != "wte" && t.name != "wpe";
        bool vector = t.name.rfind("ln", 0) == 0;
        if (!grid && !vector) continue;
        for (int l = 0; l < t.layers; l++) {
            size_t layer_offset = (size_t)l * t.rows * t.cols;
            const int layer = (t.name == "lnfw" || t.name == "lnfb") ? -1 : l;  // lnf* is global
            SnapshotBlock b{grid ? SnapshotBlock::kGrid : SnapshotBlock::kVector, t.name, layer};
            if (grid) {
                b.row_ids = evenly_spaced(t.rows, o.grid);
                b.col_ids = evenly_spaced(t.cols, o.grid);
            } else {
                b.row_ids = {0};
                b.col_ids = evenly_spaced(t.rows, t.rows);  // a vector is stored as (rows, 1)
                // indices: offset + layer_offset + c (cols == 1 in the tensor)
                b.start = plan.indices.size();
                for (int c : b.col_ids) plan.indices.push_back(t.offset + layer_offset + c);
                b.rows = 1;
                b.cols = (int)b.col_ids.size();
                plan.blocks.push_back(std::move(b));
                continue;
            }
            add_rows(std::move(b), t, layer_offset);
        }
    }
    return plan;
}

}  // namespace

SnapshotPlan SnapshotPlan::make(const ModelDesc& model, SnapshotOptions o) {
    for (;;) {
        SnapshotPlan plan = build(model, o);
        FrameBuilder sizer(model, plan, "session-id-of-typical-length-000000");
        plan.frame_bytes = encoded_frame_size(sizer.empty_frame());
        if (plan.frame_bytes <= o.max_frame_bytes) return plan;
        // Shrink what costs most first: embedding points, then positions, then grids.
        if (o.embedding_points > 64) o.embedding_points /= 2;
        else if (o.position_points > 64) o.position_points /= 2;
        else if (o.grid > 4) o.grid /= 2;
        else
            throw Error("even the smallest parameter sample (" + std::to_string(plan.frame_bytes) +
                            " bytes) exceeds viz.max_frame_bytes (" + std::to_string(o.max_frame_bytes) + ")",
                        "raise viz.max_frame_bytes or run with --viz-off");
    }
}

}  // namespace nanogpt::viz::snapshot

// optimizer.cpp: AdamW, clipping, and the data-parallel averaging around it (optimizer.h).
#include "trainer/optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/counter_rng.h"
#include "common/error.h"

namespace nanogpt {

AdamW::AdamW(GPT2& model, const AdamWSettings& s, Communicator* comm) : model_(model), s_(s), comm_(comm) {
    const size_t P = model_.num_params();
    const int ranks = comm_ ? comm_->size() : 1;
    sharded_ = s_.zero_stage >= 1 && ranks > 1;
    if (s_.zero_stage < 0 || s_.zero_stage > 1) throw Error("zero_stage must be 0 or 1");
    if (sharded_) {
        shard_ = shard_floats(P, ranks);
        if (model_.buffer_floats() < shard_ * ranks)
            throw Error("the model's buffers are too small for " + std::to_string(ranks) + " shards");
        lo_ = std::min(P, (size_t)comm_->rank() * shard_);
        hi_ = std::min(P, lo_ + shard_);
    } else {
        lo_ = 0;
        hi_ = P;
    }
    m_ = model_.backend().alloc(std::max<size_t>(1, hi_ - lo_));
    v_ = model_.backend().alloc(std::max<size_t>(1, hi_ - lo_));
}

AdamW::~AdamW() {
    model_.backend().release(m_);
    model_.backend().release(v_);
    for (float* p : sigma_v_)
        if (p) model_.backend().release(p);
    if (sigma_u_) model_.backend().release(sigma_u_);
}

float AdamW::grad_norm() {
    return (float)std::sqrt(model_.backend().sum_squares(model_.grads(), model_.num_params()));
}

int AdamW::num_slabs() const {
    int n = 0;
    for (const ParamTensorInfo& info : model_.layout().tensors) n += info.layers;
    return n;
}

// The averaged gradient's norm. All-reduced, every rank holds the whole averaged gradient;
// sharded, each holds its shard, and the squares are summed across ranks.
float AdamW::averaged_norm() {
    if (!comm_ || comm_->size() == 1) return grad_norm();
    Backend& be = model_.backend();
    if (!sharded_) {
        comm_->allreduce_avg(model_.grads(), model_.num_params());
        return grad_norm();
    }
    comm_->reduce_scatter_avg(model_.grads(), shard_);
    double sq = hi_ > lo_ ? be.sum_squares(model_.grads() + lo_, hi_ - lo_) : 0.0;
    comm_->allreduce_host(&sq, 1, ReduceOp::Sum);
    return (float)std::sqrt(sq);
}

float AdamW::step(float lr, int t, TensorStats* stats) {
    const float norm = averaged_norm();
    // PyTorch's clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
    float scale = 1.0f;
    if (s_.grad_clip > 0.0f && std::isfinite(norm)) {
        float coef = s_.grad_clip / (norm + 1e-6f);
        if (coef < 1.0f) scale = coef;
    }
    if (!sharded_) {
        update_all(lr, t, scale, stats);
        if (stats) estimate_all_sigma(stats);
        return norm;
    }
    update_shard(lr, t, scale, stats);
    comm_->allgather(model_.params(), shard_);
    if (stats) {
        reduce_stats(stats);
        comm_->allgather(model_.grads(), shard_);  // the watched gradients, averaged, everywhere
        estimate_all_sigma(stats);  // on the gathered parameters: every rank alike
    }
    return norm;
}

// Every parameter, tensor by tensor (a single process, or ranks that all-reduced).
void AdamW::update_all(float lr, int t, float scale, TensorStats* stats) {
    Backend& be = model_.backend();
    TensorStats* slab = stats;
    for (const ParamTensorInfo& info : model_.layout().tensors) {
        TensorStats* tensor_stats = slab;
        if (slab) slab += info.layers;
        if (info.is_bias && !s_.train_biases) continue;  // frozen at zero: no stats either
        float wd = info.is_matrix ? s_.weight_decay : 0.0f;
        // wte's rows past the vocabulary are padding (Vp > V, as llm.c): zeros that are not
        // part of the model, so its statistics cover the first V rows only. AdamW is
        // elementwise, so updating the padding in a second call changes nothing else.
        size_t stat_size = info.size;
        if (tensor_stats && std::strcmp(info.name, "wte") == 0)
            stat_size = (size_t)model_.config().vocab_size * info.cols;
        be.adamw_update(model_.params() + info.offset, model_.grads() + info.offset,
                        m_ + info.offset, v_ + info.offset, stat_size, lr, s_.beta1, s_.beta2,
                        s_.eps, wd, scale, t, tensor_stats, info.layers);
        if (stat_size < info.size) {
            const size_t o = info.offset + stat_size;
            be.adamw_update(model_.params() + o, model_.grads() + o, m_ + o, v_ + o,
                            info.size - stat_size, lr, s_.beta1, s_.beta2, s_.eps, wd, scale, t);
        }
    }
}

// This rank's shard [lo_, hi_): each tensor layer (slab) cut to the shard. A slab's statistics
// here are partial (the part in this shard); reduce_stats combines the ranks' parts.
void AdamW::update_shard(float lr, int t, float scale, TensorStats* stats) {
    Backend& be = model_.backend();
    auto update = [&](size_t a, size_t b, float wd, TensorStats* st) {
        a = std::max(a, lo_);
        b = std::min(b, hi_);
        if (a >= b) return;
        be.adamw_update(model_.params() + a, model_.grads() + a, m_ + (a - lo_), v_ + (a - lo_), b - a, lr,
                        s_.beta1, s_.beta2, s_.eps, wd, scale, t, st, 1);
    };
    TensorStats* slab = stats;
    for (const ParamTensorInfo& info : model_.layout().tensors) {
        TensorStats* tensor_stats = slab;
        if (slab) slab += info.layers;
        if (info.is_bias && !s_.train_biases) continue;
        const float wd = info.is_matrix ? s_.weight_decay : 0.0f;
        const size_t per_layer = info.size / info.layers;
        // As update_all: wte's statistics cover its first V rows, the padding rows go without.
        const size_t stat_size = std::strcmp(info.name, "wte") == 0
                                     ? (size_t)model_.config().vocab_size * info.cols : per_layer;
        for (int l = 0; l < info.layers; l++) {
            const size_t a = info.offset + (size_t)l * per_layer;
            update(a, a + stat_size, wd, tensor_stats ? tensor_stats + l : nullptr);
            if (stat_size < per_layer) update(a + stat_size, a + per_layer, wd, nullptr);
        }
    }
}

void AdamW::estimate_all_sigma(TensorStats* stats) {
    int first_slab = 0;
    for (const ParamTensorInfo& info : model_.layout().tensors) {
        if (info.is_matrix) estimate_sigma(info, first_slab, stats + first_slab);
        first_slab += info.layers;
    }
}

// Reads the updated parameters only, into buffers of its own: the training is untouched.
void AdamW::estimate_sigma(const ParamTensorInfo& info, int first_slab, TensorStats* stats) {
    Backend& be = model_.backend();
    // wte's padding rows are not part of the model (as its statistics above).
    const int rows = std::strcmp(info.name, "wte") == 0 ? model_.config().vocab_size : info.rows;
    for (int l = 0; l < info.layers; l++) {
        if (!stats[l].want_sigma) continue;
        if (sigma_v_.empty()) sigma_v_.assign(num_slabs(), nullptr);
        if (!sigma_u_) {
            int longest = 0;
            for (const ParamTensorInfo& t : model_.layout().tensors)
                if (t.is_matrix) longest = std::max(longest, t.rows);
            sigma_u_ = be.alloc(longest);
        }
        float*& v = sigma_v_[first_slab + l];
        int iters = kSigmaIters;
        if (!v) {
            v = be.alloc(info.cols);
            iters = kSigmaFirstIters;
        }
        const float* W = model_.params() + info.offset + (size_t)l * info.rows * info.cols;
        for (int attempt = 0; attempt < 2; attempt++) {
            if (iters == kSigmaFirstIters) {  // a fixed pseudo-random start (any seed would do)
                std::vector<float> start(info.cols);
                for (int j = 0; j < info.cols; j++) start[j] = uniform_at(0x51ea, (uint64_t)j) - 0.5f;
                be.to_device(v, start.data(), start.size() * sizeof(float));
            }
            stats[l].sigma_max = be.power_iteration(W, rows, info.cols, v, sigma_u_, iters);
            if (stats[l].sigma_max > 0.0f || iters == kSigmaFirstIters) break;
            iters = kSigmaFirstIters;  // the vector fell into W's null space: start again
        }
    }
}

// Sums, counts and histograms add up across ranks; minima and maxima reduce as such. A rank
// whose shard misses a slab contributes nothing (its count is 0).
void AdamW::reduce_stats(TensorStats* stats) {
    const int n = num_slabs();
    constexpr int kSums = 5 + TensorStats::kBins;
    std::vector<double> sums((size_t)n * kSums), mins(n), maxs(n);
    for (int i = 0; i < n; i++) {
        const TensorStats& s = stats[i];
        double* p = &sums[(size_t)i * kSums];
        p[0] = s.sum;
        p[1] = s.sumsq;
        p[2] = s.grad_sumsq;
        p[3] = s.update_sumsq;
        p[4] = (double)s.count;
        for (int b = 0; b < TensorStats::kBins; b++) p[5 + b] = s.hist[b];
        mins[i] = s.count ? s.min : INFINITY;
        maxs[i] = s.count ? s.max : -INFINITY;
    }
    comm_->allreduce_host(sums.data(), sums.size(), ReduceOp::Sum);
    comm_->allreduce_host(mins.data(), mins.size(), ReduceOp::Min);
    comm_->allreduce_host(maxs.data(), maxs.size(), ReduceOp::Max);
    for (int i = 0; i < n; i++) {
        TensorStats& s = stats[i];
        const double* p = &sums[(size_t)i * kSums];
        s.sum = p[0];
        s.sumsq = p[1];
        s.grad_sumsq = p[2];
        s.update_sumsq = p[3];
        s.count = (uint64_t)p[4];
        for (int b = 0; b < TensorStats::kBins; b++) s.hist[b] = (uint32_t)p[5 + b];
        s.min = s.count ? (float)mins[i] : 0.0f;
        s.max = s.count ? (float)maxs[i] : 0.0f;
    }
}

// Sharded: every rank's shard of a moment, gathered through a device buffer of ranks * shard.
std::vector<float> AdamW::gather_state(const float* shard_state) const {
    Backend& be = model_.backend();
    const size_t P = model_.num_params();
    std::vector<float> h(P);
    if (!sharded_) {
        be.to_host(h.data(), shard_state, P * sizeof(float));
        return h;
    }
    const size_t total = shard_ * comm_->size();
    float* all = be.alloc(total);
    if (hi_ > lo_) be.copy(all + lo_, shard_state, hi_ - lo_);
    comm_->allgather(all, shard_);
    be.to_host(h.data(), all, P * sizeof(float));
    be.release(all);
    return h;
}

std::vector<float> AdamW::save_m() const { return gather_state(m_); }
std::vector<float> AdamW::save_v() const { return gather_state(v_); }

void AdamW::load(const std::vector<float>& m, const std::vector<float>& v) {
    if (m.size() != model_.num_params() || v.size() != model_.num_params())
        throw Error("optimizer state does not match the model's parameter count");
    if (hi_ <= lo_) return;
    model_.backend().to_device(m_, m.data() + lo_, (hi_ - lo_) * sizeof(float));
    model_.backend().to_device(v_, v.data() + lo_, (hi_ - lo_) * sizeof(float));
}

}  // namespace nanogpt

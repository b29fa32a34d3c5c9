// optimizer.h: AdamW over the GPT2 parameter buffer, with global-norm gradient clipping, and
// data parallelism across the ranks of a job: gradients averaged before clipping, by an
// all-reduce (every rank updates every parameter) or, with ZeRO-1, a reduce-scatter (each rank
// keeps the AdamW moments of its shard only, updates it, then the parameters are all-gathered).
// Weight decay applies to 2-D tensors only (nanoGPT's groups: embeddings and Linear weights);
// with bias = false, bias tensors are frozen at zero (equivalent to a model without biases).
#pragma once
#include <vector>

#include "dist/communicator.h"
#include "trainer/gpt2.h"

namespace nanogpt {

struct AdamWSettings {
    float beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f;
    float weight_decay = 0.1f;
    float grad_clip = 1.0f;  // 0: no clipping
    bool train_biases = true;
    int zero_stage = 0;      // 0: all-reduce; 1: optimizer state sharded across ranks
};

class AdamW {
public:
    // comm: the job's communicator (null: a single process). With zero_stage 1 the model's
    // buffers must hold shard_floats() * ranks floats (GPT2's buffer_floats).
    AdamW(GPT2& model, const AdamWSettings& s, Communicator* comm = nullptr);
    ~AdamW();
    AdamW(const AdamW&) = delete;
    AdamW& operator=(const AdamW&) = delete;

    // Averages the gradients across ranks, clips, updates every parameter, and returns the
    // gradient norm before clipping (of the averaged gradient). t counts optimizer steps from 1
    // (bias correction). stats, when not null, points to one TensorStats per layer of every
    // tensor, in layout order (num_slabs() of them): the dashboard's exact statistics, computed
    // in the same pass; sharded, every rank must pass them (the same histogram ranges) and each
    // gets the statistics of the whole tensors, and the averaged gradients of every shard are
    // gathered so that the watched ones are right wherever they live.
    // A 2-D slab whose stats ask for it (want_sigma) also gets its top singular value after the
    // update (sigma_max), by power iteration warm-started from its vector of the last snapshot
    // that asked. Collective.
    float step(float lr, int t, TensorStats* stats = nullptr);
    int num_slabs() const;
    float grad_norm();  // of the local gradients as they are now (no averaging)

    // The whole moments, in layout order (collective when sharded: every rank calls them).
    std::vector<float> save_m() const;
    std::vector<float> save_v() const;
    // From whole moments (a checkpoint of any number of ranks); each rank keeps its shard.
    void load(const std::vector<float>& m, const std::vector<float>& v);

    bool sharded() const { return sharded_; }
    // The floats of one rank's shard: the parameter count over the ranks, rounded up.
    static size_t shard_floats(size_t params, int ranks) { return (params + ranks - 1) / ranks; }

    // Power iterations per snapshot for sigma_max: from a fresh start vector, then warm.
    static constexpr int kSigmaFirstIters = 30, kSigmaIters = 2;

private:
    float averaged_norm();
    void update_all(float lr, int t, float scale, TensorStats* stats);
    void update_shard(float lr, int t, float scale, TensorStats* stats);
    void reduce_stats(TensorStats* stats);
    std::vector<float> gather_state(const float* shard_state) const;
    void estimate_sigma(const ParamTensorInfo& info, int first_slab, TensorStats* stats);
    void estimate_all_sigma(TensorStats* stats);  // every matrix slab whose stats ask, after the update

    GPT2& model_;
    AdamWSettings s_;
    Communicator* comm_;
    bool sharded_ = false;
    size_t lo_ = 0, hi_ = 0, shard_ = 0;  // this rank's range of the parameters
    float* m_ = nullptr;                  // moments of [lo_, hi_) (all parameters unsharded)
    float* v_ = nullptr;
    // sigma_max's warm starts: a right singular vector per slab (device, allocated the first
    // time the slab is asked for, null until then) and the scratch of the longest column.
    std::vector<float*> sigma_v_;
    float* sigma_u_ = nullptr;
};

}  // namespace nanogpt

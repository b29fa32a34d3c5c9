// observer.h: the one interface between the trainer and everything that watches it.
//
// The trainer calls these from its own thread; every call returns at once (a copy into a
// preallocated buffer, or a device copy queued, at most), except the final state's
// sample_due, which waits for a free buffer once training is over. It never learns how parameters are drawn, stored or sent.
// With --viz-off there is no observer at all, so the training step does no viz work.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernels/backend.h"

namespace nanogpt {

// The model's parameter layout, as plain data (names as in llm.c: wte, qkvw, ln1w, ...).
struct TensorDesc {
    std::string name;
    size_t offset = 0;  // in floats from the start of the parameter buffer
    int layers = 1, rows = 0, cols = 1;
};

struct ModelDesc {
    int L = 0, NH = 0, C = 0, V = 0, Vp = 0, maxT = 0;
    std::vector<TensorDesc> tensors;  // llm.c order; one TensorStats per layer of each
    // Token ids of the training data from most to least frequent (for choosing which
    // embedding rows to watch); may be empty.
    std::vector<int> tokens_by_frequency;
    std::vector<std::string> token_text;  // decoded text of each token id, may be empty
};

struct StepMetrics {
    int step = 0;
    std::optional<float> train_loss, val_loss, lr, grad_norm, ms, tokens_per_s;
    // Model FLOPs utilisation: achieved / peak FLOP/s (trainer/mfu.h); absent when the
    // device's peak is not known.
    std::optional<float> mfu;
};

// Reads parameters and gradients where the backend keeps them. CPU: plain loads, done on
// return; CUDA: a gather on a side stream into pinned memory, still in flight on return.
class ParamReader {
public:
    virtual ~ParamReader() = default;
    // Queues values[i] = params[indices[i]], grads[i] = grads[indices[i]] and returns at once.
    // The arrays hold the values only after the returned copy's wait(), which the reader of the
    // values calls (the viz worker thread), never the training thread. indices, values and
    // grads must stay alive until then.
    virtual std::unique_ptr<PendingCopy> gather(const std::vector<uint64_t>& indices,
                                                float* values, float* grads) = 0;
};

// A sample the observer wants at this step: the trainer passes `stats` to the optimizer
// (exact full-tensor statistics in the update pass), then hands the request back.
struct SampleRequest {
    int step = 0;
    std::vector<TensorStats> stats;  // one per layer of each tensor, ModelDesc order
};

class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void run_started(const ModelDesc& model, const std::string& run_json) = 0;
    virtual void step_finished(const StepMetrics& metrics) = 0;
    // kind: "eval", "sample", "checkpoint", "info"; text is shown to people.
    virtual void event(int step, const std::string& kind, const std::string& text) = 0;
    // A request when a sample is due at `step` (the state after `step` optimizer updates) and a
    // buffer is free; null otherwise (a skipped sample is counted, never waited for).
    // final_state: the run's last update. Its state is always sampled, whatever the interval,
    // and this call waits for a buffer if both are busy (training is over, so waiting costs
    // nothing): a recorded run always ends with the frame of its final parameters.
    virtual SampleRequest* sample_due(int step, bool final_state = false) = 0;
    // Completes the request after the optimizer step: queues the copy of the watched values and
    // gradients (ParamReader::gather) and returns; the copy is waited for on the viz thread.
    virtual void sample_ready(SampleRequest* request, ParamReader& reader) = 0;
    virtual void run_finished(const std::string& status) = 0;
    // The dashboard's address, for the start-up line ("" when not serving).
    virtual std::string url() const = 0;
};

}  // namespace nanogpt

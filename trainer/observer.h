// observer.h: the contract between the training loop and whoever watches it. The trainer owns
// it (the caller owns the interface, as ggml's backend-impl does); viz/ implements it
// (viz/dashboard.h), and the program's entry point (app/) hands the loop an implementation, or
// none with --viz-off, so the training step does no watching work at all.
//
// The trainer calls these from its own thread; every call returns at once (a copy into a
// preallocated buffer, or a device copy queued, at most), except the final state's
// snapshot_due, which waits for a free buffer once training is over. The trainer never learns
// how parameters are drawn, stored or sent.
//
// Words: a *snapshot* is the model's parameters (and gradients) captured at a step for the
// dashboard; a *sample* is text the model generates.
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

// Cross-entropy (nats per token) of simple models of the training data, measured on the
// validation split when the data was prepared (data/ngram_levels.h): a loss curve can be read
// against them ("as good as a bigram table"). Absent when the data directory has none.
struct ReferenceLevels {
    std::optional<double> uniform, unigram, bigram, trigram;
};

// What a run is, for its record (run.json): filled by the trainer, written by the watcher.
struct RunInfo {
    std::string git_revision;   // of the sources the binary was built from
    std::string device;         // backend name: "cpu", "cuda"
    std::string device_name;    // the card's model name ("NVIDIA H200"), "cpu" on the CPU
    std::string precision;      // of the matrix products: fp32 | tf32 | bf16
    std::string data_dir, out_dir;
    uint64_t params = 0;        // parameters in the model
    int batch_size = 0, block_size = 0, gradient_accumulation_steps = 0, max_iters = 0;
    double learning_rate = 0;
    // The schedule and optimiser settings a reader of the curves needs (nanoGPT's names).
    double min_lr = 0, weight_decay = 0, grad_clip = 0, dropout = 0;
    int warmup_iters = 0, lr_decay_iters = 0, eval_interval = 0;
    bool decay_lr = true;
    ReferenceLevels reference;  // n-gram levels of the data
    int ranks = 1;              // data-parallel ranks (each with its device) that trained it
    std::string communicator = "single";  // "single", "mpi", "nccl"
    int zero_stage = 0;         // 1: AdamW's state sharded across the ranks
    std::string config_toml;    // the effective configuration, secrets redacted
    int start_step = 0;         // > 0: resumed from a checkpoint taken after start_step updates
};

struct StepMetrics {
    int step = 0;
    std::optional<float> train_loss, val_loss, lr, grad_norm, ms, tokens_per_s;
    // At evaluations: the loss on the fixed training batches, measured like val_loss (the
    // generalisation gap is val_loss - eval_train_loss). Not a metrics.csv column.
    std::optional<float> eval_train_loss;
    // Model FLOPs utilisation: achieved / peak FLOP/s (trainer/mfu.h); absent when the
    // device's peak is not known.
    std::optional<float> mfu;
};

// What happened at a step, for people: the watcher shows the text and may keep the step's
// snapshot (evaluations and checkpoints are landmarks of a run).
enum class EventKind {
    Eval,         // an evaluation: "train loss 1.2345, val loss 1.3456"
    Sample,       // a generated text sample
    Checkpoint,   // model.bin and state.bin were written
    Info,         // anything else worth a line
    Interrupted,  // Ctrl-C or SIGTERM: the run stops after this step
};

// How a run ended.
enum class RunEnd {
    Finished,     // max_iters reached (or eval_only done)
    Interrupted,  // stopped by a signal after finishing its step
    Stopped,      // the watcher went away before the run said how it ended (an error)
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

// A snapshot the watcher wants at this step: the trainer passes `stats` to the optimizer
// (exact full-tensor statistics in the update pass), then hands the request back.
struct SnapshotRequest {
    int step = 0;
    std::vector<TensorStats> stats;  // one per layer of each tensor, ModelDesc order
};

// A probe: a few fixed sequences the watcher wants run through the model (no dropout, no
// gradient) at an evaluation, to see what the layers do with them. The trainer runs the
// forward pass and hands back the activations the probe asks for.
struct ProbeRequest {
    int step = 0;
    int B = 0, T = 0;          // sequences and their length (T <= block_size)
    std::vector<int> tokens;   // B*T token ids; the trainer fills the first `val_sequences`
                               // rows from the validation split (fixed, the same every time)
    int val_sequences = 0;     // rows the trainer fills; the rest the watcher set itself
};
struct ProbeResult {
    int step = 0, B = 0, T = 0, L = 0, NH = 0, C = 0;
    int val_sequences = 0;     // the first rows are validation text (as requested), the rest
                               // the watcher's: what a result's reader (offline too) must tell apart
    std::vector<int> tokens;   // B*T, as run
    std::vector<float> att;    // (L, B, NH, T, T) attention probabilities
    std::vector<float> fc_pre; // (L, B, T, 4C) MLP activations before GELU
    std::vector<float> losses; // (B*T) per-token loss of the next token (the last column: 0)
    double ms = 0;             // the probe's cost on the training thread (forward + copies)
};

class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void run_started(const ModelDesc& model, const RunInfo& run) = 0;
    virtual void step_finished(const StepMetrics& metrics) = 0;
    virtual void event(int step, EventKind kind, const std::string& text) = 0;
    // A request when a snapshot is due at `step` (the state after `step` optimizer updates) and
    // a buffer is free; null otherwise (a skipped snapshot is counted, never waited for).
    // final_state: the run's last update. Its state is always captured, whatever the interval,
    // and this call waits for a buffer if both are busy (training is over, so waiting costs
    // nothing): a recorded run always ends with the frame of its final parameters.
    virtual SnapshotRequest* snapshot_due(int step, bool final_state = false) = 0;
    // Completes the request after the optimizer step: queues the copy of the watched values and
    // gradients (ParamReader::gather) and returns; the copy is waited for on the viz thread.
    virtual void snapshot_ready(SnapshotRequest* request, ParamReader& reader) = 0;
    // At an evaluation: the probe to run now, or null for none.
    virtual ProbeRequest* probe_due(int step) { return nullptr; }
    virtual void probe_ready(ProbeResult&& result) {}
    virtual void run_finished(RunEnd how) = 0;
    // The watcher's line in the start-up banner, e.g. its address ("" when it has none).
    virtual std::string banner() const = 0;
};

}  // namespace nanogpt

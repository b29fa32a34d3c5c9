// viz_bridge.h: what the training loop hands the dashboard: the model's layout as plain
// data, a reader for the backend's parameters, the run's metadata. The loop itself only
// talks to nanogpt::TrainingObserver (viz/observer.h).
#pragma once
#include <memory>
#include <string>

#include "data/tokenizer.h"
#include "trainer/dataloader.h"
#include "trainer/gpt2.h"
#include "trainer/train_config.h"
#include "viz/observer.h"

namespace nanogpt {

// The dashboard for this run, or null with --viz-off.
std::unique_ptr<TrainingObserver> make_dashboard(const TrainConfig& cfg);

// train and tokenizer may be null (no token frequencies, no token text).
ModelDesc describe_model(const GPT2& model, const TokenDataset* train, const Tokenizer* tokenizer);

// run.json: session-independent metadata (config, model shape, git revision, start time).
std::string run_metadata_json(const TrainConfig& cfg, const std::string& config_toml,
                              const GPT2& model, const std::string& device);

// Reads parameters and gradients of a GPT2 wherever its backend keeps them: a thin adapter
// over Backend::gather_async (CPU: done on return; CUDA: a side-stream copy still in flight).
class HostParamReader final : public ParamReader {
public:
    explicit HostParamReader(GPT2& model) : model_(model) {}
    std::unique_ptr<PendingCopy> gather(const std::vector<uint64_t>& indices, float* values,
                                        float* grads) override;

private:
    GPT2& model_;
};

}  // namespace nanogpt

// model_desc.h: what the training loop hands a watcher (trainer/observer.h): the model's
// layout as plain data, and a reader for the backend's parameters.
#pragma once
#include <memory>
#include <vector>

#include "data/tokenizer.h"
#include "trainer/token_dataset.h"
#include "trainer/gpt2.h"
#include "trainer/observer.h"

namespace nanogpt {

// train and tokenizer may be null (no token frequencies, no token text).
ModelDesc describe_model(const GPT2& model, const TokenDataset* train, const Tokenizer* tokenizer);

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

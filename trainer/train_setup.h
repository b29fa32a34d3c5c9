// train_setup.h: the named steps that prepare a training run, as train.py's opening blocks:
// open the data, choose where the weights come from, make the optimizer, resume, the banner.
// run_train (train_run.cpp) calls them in that order.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "data/tokenizer.h"
#include "dist/communicator.h"
#include "trainer/checkpoint.h"
#include "trainer/gpt2.h"
#include "trainer/observer.h"
#include "trainer/optimizer.h"
#include "trainer/token_dataset.h"
#include "trainer/train_config.h"

namespace nanogpt {

// Stream identifiers for derive_seed: every random draw is keyed by what it is for.
enum RngStream : uint64_t { kInit = 1, kTrainBatch = 2, kEvalBatch = 3, kDropout = 4, kSample = 5 };

struct TrainingData {
    std::string dir;
    TokenDataset train, val;
    std::unique_ptr<Tokenizer> tokenizer;  // null when the directory has none: no text samples
    int vocab = 0;                         // token ids the data (and its tokenizer) use
};
// <data_dir>/train.bin, val.bin and tokenizer.json; a clear error when there is no data.
TrainingData open_data(const TrainConfig& cfg);

// The weights to start from: a fresh model of the config's shape (scratch), the last
// checkpoint (resume) or a weights file, checked against the data and block_size.
struct ModelSource {
    ModelFile file;    // config always set; params only when has_weights
    bool has_weights = false;
};
ModelSource choose_model(const TrainConfig& cfg, const TrainingData& data);
// Loads the source's weights or draws fresh ones, then frees the host copy.
void init_weights(GPT2& model, ModelSource& source, uint64_t seed);

AdamWSettings adamw_settings(const TrainConfig& cfg);

std::string model_path(const TrainConfig& cfg);  // <out_dir>/model.bin
std::string state_path(const TrainConfig& cfg);  // <out_dir>/state.bin
// --init-from resume: loads AdamW's moments and returns the step to continue from; 0 otherwise.
// ranks: of this job (a checkpoint of another number of ranks continues with another global
// batch: said, not refused).
int maybe_resume(const TrainConfig& cfg, GPT2& model, AdamW& opt, int ranks = 1);
// model.bin and state.bin for continuing at next_step. Collective: every rank calls it (the
// moments of every shard are gathered); rank 0 writes.
void save_checkpoint(const TrainConfig& cfg, GPT2& model, const AdamW& opt, int next_step, Communicator& comm);

// What a step costs, for tokens/s and MFU.
struct StepCost {
    double tokens_per_step = 0;
    double flops_per_token = 0;
    std::optional<double> peak_tflops;  // the card's, at the precision in use; none on the CPU
};
// Prints the device, model, data (and ranks) lines and returns the step's cost (tokens of the
// whole job's step).
StepCost print_banner(const TrainConfig& cfg, const Backend& backend, const GPT2& model,
                      const TrainingData& data, int start_step, const Communicator& comm, int zero_stage);

// The run's record for its watcher (run.json).
RunInfo run_info(const TrainConfig& cfg, const std::string& config_text, const Backend& backend,
                 const GPT2& model, int start_step);

}  // namespace nanogpt

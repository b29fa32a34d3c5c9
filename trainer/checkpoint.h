// checkpoint.h: model files in llm.c's format, and the training state for exact resume.
//
// Model file (llm.c, interchangeable with its train_gpt2 files): a header of 256 int32
//   [0] 20240326 magic  [1] 3 version (fp32)  [2] maxT  [3] V  [4] L  [5] NH  [6] C  [7] Vp
// then every parameter as float32 in ParamLayout order (wte with its padded rows).
//
// Training state (ours): a header of 256 int32
//   [0] 20261126 magic  [1] 1 version  [2] step (the next step to run)  [3..4] seed (lo, hi)
//   [5..6] number of parameters (lo, hi)  [7] batch_size (per rank)  [8] block_size
//   [9] grad accumulation  [10] ranks that trained it (0: one process)
// then AdamW's first and second moments (float32, ParamLayout order). Batches and dropout
// masks are pure functions of (seed, step), so step and seed are the whole data and RNG state.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "trainer/model_config.h"

namespace nanogpt {

constexpr int kModelMagic = 20240326;
constexpr int kStateMagic = 20261126;

struct ModelFile {
    ModelConfig config;
    std::vector<float> params;
};

void save_model(const std::string& path, const ModelConfig& cfg, const std::vector<float>& params);
// Validates magic, version, shape and file size; each problem is an Error naming the file.
ModelFile load_model(const std::string& path);

struct TrainState {
    int step = 0;
    uint64_t seed = 0;
    int batch_size = 0, block_size = 0, grad_accum = 0;
    int ranks = 1;  // data-parallel ranks: the global batch was batch_size * ranks
    std::vector<float> m, v;  // whole (gathered from every shard under ZeRO-1)
};

void save_state(const std::string& path, const TrainState& state);
TrainState load_state(const std::string& path, size_t expected_params);

}  // namespace nanogpt

namespace nanogpt {
// Loads a model from an llm.c .bin or a Hugging Face .safetensors file (by content, not
// name). num_heads is used for safetensors only, which do not record it (0: C / 64).
ModelFile load_model_any(const std::string& path, int num_heads = 0);
}  // namespace nanogpt

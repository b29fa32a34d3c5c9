// safetensors.h: loads GPT-2 weights in Hugging Face's model.safetensors layout.
//
// Names are HF's GPT2Model ones, with or without a "transformer." prefix: wte.weight,
// wpe.weight, h.{i}.ln_1.{weight,bias}, h.{i}.attn.c_attn.{weight,bias}, h.{i}.attn.c_proj.*,
// h.{i}.ln_2.*, h.{i}.mlp.c_fc.*, h.{i}.mlp.c_proj.*, ln_f.*. HF stores its Conv1D weights as
// (in, out); we store Linear weights as (out, in), so those four matrices are transposed.
// The number of heads is not in the weights: the caller gives it (GPT-2 uses C / 64).
#pragma once
#include <string>

#include "trainer/checkpoint.h"

namespace nanogpt {

ModelFile load_safetensors_gpt2(const std::string& path, int num_heads = 0);

}  // namespace nanogpt

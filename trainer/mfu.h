// mfu.h: model FLOPs utilisation (MFU): the FLOP/s a training step achieves by the model's own
// count of FLOPs, as a fraction of the device's peak. Used for the step line, metrics.csv and
// the dashboard's metrics message.
//
// FLOPs per token: nanoGPT's estimate_mfu (after the PaLM paper, appendix B):
//   6 N + 12 L H Q T
// N: parameters without the position embedding and without llm.c's padded vocabulary rows
// (the token embedding counts once: it is also the LM head); L layers, H heads of size Q
// (H Q = C), T the sequence length trained on. 6 N is forward (2) plus backward (4) for every
// weight; 12 L H Q T is the attention products (QK^T and AV, forward and backward).
//
// Peaks: dense (not 2:4 sparse) tensor-core figures from NVIDIA's data sheets, in TFLOP/s, for
// the precision the matrix products run in (bf16, tf32; fp32 = no tensor cores). A card that
// is not in the table, or the CPU, has no peak: MFU is then absent, never a guess.
#pragma once
#include <optional>
#include <string>

#include "trainer/model_config.h"

namespace nanogpt {

// N as above.
double params_for_flops(const ModelConfig& mc);
// 6 N + 12 L C T, per token of a training step (forward + backward).
double flops_per_token(const ModelConfig& mc, int T);

// Peak dense TFLOP/s of the card named `device_name` (as CUDA reports it, e.g. "NVIDIA H100
// 80GB HBM3") at `precision` ("bf16", "tf32", "fp32"); nullopt when unknown.
std::optional<double> peak_tflops(const std::string& device_name, const std::string& precision);

// achieved / peak; nullopt without a peak.
std::optional<double> model_flops_utilisation(double flops_per_token, double tokens_per_s,
                                              std::optional<double> peak_tflops);

}  // namespace nanogpt

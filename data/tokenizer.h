// tokenizer.h: the interface shared by the char and GPT-2 tokenizers, and loading the one a
// data directory was prepared with (from its tokenizer.json).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nanogpt {

class Tokenizer {
public:
    virtual ~Tokenizer();
    // Text (UTF-8) to token ids. Throws Error on text the tokenizer cannot represent.
    virtual std::vector<int> encode(std::string_view text) const = 0;
    // Token ids back to text; decode(encode(text)) == text. Throws Error on an unknown id.
    virtual std::string decode(const std::vector<int>& tokens) const = 0;
    // The bytes of one token, for streaming samples. For GPT-2 this may be part of a UTF-8
    // character (a character can span tokens); concatenating the pieces gives valid text.
    virtual std::string decode_token(int token) const;
    virtual int vocab_size() const = 0;
    // "char" or "gpt2", as written in tokenizer.json.
    virtual std::string kind() const = 0;
};

// The token generation starts from when there is no prompt: GPT-2's <|endoftext|> (50256), a
// character tokenizer's newline, else token 0.
int start_token(const Tokenizer& tokenizer);

// Loads the tokenizer described by <data_dir>/tokenizer.json (written by `nanogpt prepare`).
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& data_dir);

}  // namespace nanogpt

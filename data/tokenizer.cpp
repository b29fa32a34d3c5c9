// tokenizer.cpp: defaults shared by all tokenizers.
#include "data/tokenizer.h"

#include "common/error.h"

namespace nanogpt {

Tokenizer::~Tokenizer() = default;

std::string Tokenizer::decode_token(int token) const { return decode({token}); }

int start_token(const Tokenizer& tokenizer) {
    if (tokenizer.kind() == "gpt2") return 50256;  // <|endoftext|>
    try {
        std::vector<int> ids = tokenizer.encode("\n");
        if (!ids.empty()) return ids[0];
    } catch (const Error&) {
    }
    return 0;
}

}  // namespace nanogpt

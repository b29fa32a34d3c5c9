// tokenizer.cpp: defaults shared by all tokenizers.
#include "data/tokenizer.h"

namespace nanogpt {

Tokenizer::~Tokenizer() = default;

std::string Tokenizer::decode_token(int token) const { return decode({token}); }

}  // namespace nanogpt

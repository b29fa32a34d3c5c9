// gpt2_pretokenizer.h: GPT-2's regex split of text into "words" (runs of letters, digits,
// punctuation, whitespace, and English contractions) before BPE merges within each word.
#pragma once
#include <memory>
#include <string_view>
#include <vector>

namespace nanogpt {

class Gpt2PreTokenizer {
public:
    Gpt2PreTokenizer();  // compiles the pattern (PCRE2, UTF + UCP, JIT when available)
    ~Gpt2PreTokenizer();
    Gpt2PreTokenizer(Gpt2PreTokenizer&&) noexcept;
    Gpt2PreTokenizer& operator=(Gpt2PreTokenizer&&) noexcept;

    // The matches of the pattern over text, in order; they cover the whole text. The views
    // point into text. Throws Error if text is not valid UTF-8.
    std::vector<std::string_view> split(std::string_view text) const;

private:
    struct Compiled;
    std::unique_ptr<Compiled> compiled_;
};

}  // namespace nanogpt

// char_tokenizer.cpp: code-point vocabulary, encoding and decoding.
#include "data/char_tokenizer.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "data/utf8.h"

namespace nanogpt {
namespace {

Error invalid_utf8(size_t offset) {
    return Error("text is not valid UTF-8 (bad byte sequence at byte offset " +
                     std::to_string(offset) + ")",
                 "convert the input file to UTF-8");
}

// How to show a character in an error: itself when printable, and always its U+ name.
std::string describe(char32_t cp) {
    std::string shown;
    if (cp > 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0)) {
        shown = "'";
        append_utf8(shown, cp);
        shown += "' ";
    }
    return shown + "(" + code_point_name(cp) + ")";
}

}  // namespace

CharTokenizer::CharTokenizer(std::vector<char32_t> vocab) : vocab_(std::move(vocab)) {
    id_of_.reserve(vocab_.size());
    for (size_t i = 0; i < vocab_.size(); ++i) {
        const char32_t cp = vocab_[i];
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            throw Error("character vocabulary holds " + code_point_name(cp) +
                        ", which is not a Unicode character");
        }
        if (!id_of_.emplace(cp, static_cast<int>(i)).second) {
            throw Error("character vocabulary holds " + describe(cp) + " twice");
        }
    }
}

CharTokenizer CharTokenizer::from_text(std::string_view text) {
    if (text.empty()) {
        throw Error("cannot build a character vocabulary from empty text",
                    "give an input file with some text in it");
    }
    std::set<char32_t> seen;  // ordered, so the vocabulary comes out sorted like nanoGPT's
    size_t pos = 0;
    while (pos < text.size()) {
        char32_t cp;
        if (!next_code_point(text, pos, cp)) throw invalid_utf8(pos);
        seen.insert(cp);
    }
    return CharTokenizer(std::vector<char32_t>(seen.begin(), seen.end()));
}

CharTokenizer CharTokenizer::from_vocab(std::vector<char32_t> vocab) {
    if (vocab.empty()) throw Error("character vocabulary is empty");
    return CharTokenizer(std::move(vocab));
}

std::vector<int> CharTokenizer::encode(std::string_view text) const {
    std::vector<int> tokens;
    tokens.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t start = pos;
        char32_t cp;
        if (!next_code_point(text, pos, cp)) throw invalid_utf8(start);
        auto it = id_of_.find(cp);
        if (it == id_of_.end()) {
            throw Error("character " + describe(cp) + " at byte offset " + std::to_string(start) +
                            " is not in the vocabulary (" + std::to_string(vocab_.size()) +
                            " characters)",
                        "the char tokenizer only knows the characters of the text it was "
                        "prepared from; use only those, or prepare with --tokenizer gpt2");
        }
        tokens.push_back(it->second);
    }
    return tokens;
}

std::string CharTokenizer::decode(const std::vector<int>& tokens) const {
    std::string text;
    text.reserve(tokens.size());
    for (int token : tokens) {
        if (token < 0 || token >= vocab_size()) {
            throw Error("token id " + std::to_string(token) + " is outside the character vocabulary"
                        " (0.." + std::to_string(vocab_size() - 1) + ")");
        }
        append_utf8(text, vocab_[static_cast<size_t>(token)]);
    }
    return text;
}

}  // namespace nanogpt

// gpt2_pretokenizer.cpp: the GPT-2 split pattern on PCRE2.
//
// The reference is npm gpt-3-encoder's JavaScript regex
//   /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu
// PCRE2 with UTF + UCP gives the same Unicode letter and number classes, and both engines
// try alternatives left to right with backtracking, so matches agree. One difference needs
// care: JavaScript's \s is a fixed list that includes U+FEFF (byte order mark) and excludes
// U+0085 (next line), while PCRE2's \s under UCP is Unicode White_Space, which is the other
// way round. So the pattern spells JavaScript's \s out as a class.
#include "data/gpt2_pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string>

#include "common/error.h"

namespace nanogpt {
namespace {

// ECMAScript's WhiteSpace and LineTerminator characters, which is what \s means in JS.
constexpr const char* kJsSpace =
    "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"
    "\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";

std::string gpt2_pattern() {
    const std::string s = std::string("[") + kJsSpace + "]";        // \s
    const std::string not_s = std::string("[^") + kJsSpace + "]";   // \S
    return "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + std::string(kJsSpace) +
           "\\p{L}\\p{N}]+|" + s + "+(?!" + not_s + ")|" + s + "+";
}

std::string pcre2_message(int code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    return reinterpret_cast<const char*>(buf);
}

}  // namespace

struct Gpt2PreTokenizer::Compiled {
    pcre2_code* code = nullptr;
    ~Compiled() { pcre2_code_free(code); }
};

Gpt2PreTokenizer::Gpt2PreTokenizer() : compiled_(std::make_unique<Compiled>()) {
    const std::string pattern = gpt2_pattern();
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    compiled_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                    PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
    if (!compiled_->code) {
        throw Error("internal error: the GPT-2 split pattern does not compile: " +
                    pcre2_message(error_code) + " at offset " + std::to_string(error_offset));
    }
    // JIT makes matching several times faster; without it (unsupported CPU) the interpreter
    // gives the same matches, so a failure here is not an error.
    pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE);
}

Gpt2PreTokenizer::~Gpt2PreTokenizer() = default;
Gpt2PreTokenizer::Gpt2PreTokenizer(Gpt2PreTokenizer&&) noexcept = default;
Gpt2PreTokenizer& Gpt2PreTokenizer::operator=(Gpt2PreTokenizer&&) noexcept = default;

std::vector<std::string_view> Gpt2PreTokenizer::split(std::string_view text) const {
    std::vector<std::string_view> pieces;
    if (text.empty()) return pieces;
    pieces.reserve(text.size() / 4);

    using MatchData = std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)>;
    MatchData match(pcre2_match_data_create_from_pattern(compiled_->code, nullptr),
                    &pcre2_match_data_free);
    if (!match) throw Error("out of memory creating PCRE2 match data");

    const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    // PCRE2 checks the whole subject's UTF-8 on every call unless told not to; check it once
    // on the first call, then skip it, or splitting would take quadratic time.
    uint32_t options = 0;
    size_t start = 0;
    while (start < text.size()) {
        const int rc = pcre2_match(compiled_->code, subject, text.size(), start, options,
                                   match.get(), nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) break;  // cannot happen: every character matches
        if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) {
            throw Error("text is not valid UTF-8 (" + pcre2_message(rc) + " at byte offset " +
                            std::to_string(pcre2_get_startchar(match.get())) + ")",
                        "convert the input file to UTF-8");
        }
        if (rc < 0) throw Error("GPT-2 pre-tokenizer failed: " + pcre2_message(rc));
        options = PCRE2_NO_UTF_CHECK;
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
        const size_t begin = ovector[0], end = ovector[1];
        pieces.emplace_back(text.data() + begin, end - begin);
        start = end;  // no alternative matches the empty string, so this always advances
    }
    return pieces;
}

}  // namespace nanogpt

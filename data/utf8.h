// utf8.h: strict UTF-8 decoding and encoding of single code points.
// The char tokenizer works on code points (like Python's str), so it needs both directions.
#pragma once
#include <string>
#include <string_view>

namespace nanogpt {

// Decodes the code point starting at text[pos] and advances pos past it. Returns false (pos
// unchanged) on malformed input: bad lead or continuation bytes, overlong forms, surrogates,
// values above U+10FFFF, or a sequence cut off by the end of the text.
bool next_code_point(std::string_view text, size_t& pos, char32_t& code_point);

// Appends the UTF-8 encoding of a valid code point.
void append_utf8(std::string& out, char32_t code_point);

// "U+00E9" style name, for error messages.
std::string code_point_name(char32_t code_point);

}  // namespace nanogpt

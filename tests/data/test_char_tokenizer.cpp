// test_char_tokenizer.cpp: the code-point vocabulary (65 for tiny Shakespeare, as in nanoGPT's
// shakespeare_char), round trips, and the errors for unknown characters and empty text.
#include <gtest/gtest.h>

#include "data/char_tokenizer.h"
#include "test_support.h"

namespace nanogpt {
namespace {

using test::expect_error;

TEST(CharTokenizer, TinyShakespeareVocabularyMatchesNanoGpt) {
    const std::string text = test::read_tiny_shakespeare();
    ASSERT_FALSE(text.empty());
    const CharTokenizer tokenizer = CharTokenizer::from_text(text);
    EXPECT_EQ(tokenizer.vocab_size(), 65);
    // nanoGPT's data/shakespeare_char/prepare.py prints exactly these, in this order.
    EXPECT_EQ(tokenizer.decode([] {
                  std::vector<int> all(65);
                  for (int i = 0; i < 65; ++i) all[i] = i;
                  return all;
              }()),
              "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    EXPECT_EQ(tokenizer.kind(), "char");
}

TEST(CharTokenizer, TinyShakespeareRoundTrips) {
    const std::string text = test::read_tiny_shakespeare();
    ASSERT_FALSE(text.empty());
    const CharTokenizer tokenizer = CharTokenizer::from_text(text);
    const std::vector<int> tokens = tokenizer.encode(text);
    EXPECT_EQ(tokens.size(), text.size());  // ASCII: one token per byte
    EXPECT_EQ(tokens[0], tokenizer.encode("F")[0]);
    EXPECT_EQ(tokenizer.decode(tokens), text);
}

TEST(CharTokenizer, UnicodeTokensAreCodePointsInOrder) {
    const std::string text = "héllo wörld 日本 🙂 é";
    const CharTokenizer tokenizer = CharTokenizer::from_text(text);
    // Distinct code points: ' ', d, h, l, o, r, w, é, ö, 日, 本, 🙂
    ASSERT_EQ(tokenizer.vocab_size(), 12);
    const std::vector<char32_t> expected = {U' ', U'd', U'h', U'l', U'o', U'r', U'w',
                                            U'é', U'ö', U'日', U'本', U'🙂'};
    EXPECT_EQ(tokenizer.vocab(), expected);
    const std::vector<int> tokens = tokenizer.encode("🙂é");
    EXPECT_EQ(tokens, (std::vector<int>{11, 7}));
    EXPECT_EQ(tokenizer.decode(tokenizer.encode(text)), text);
    EXPECT_EQ(tokenizer.decode_token(9), "日");
}

TEST(CharTokenizer, FromVocabRebuildsTheSameTokenizer) {
    const CharTokenizer original = CharTokenizer::from_text("to be or not to be");
    const CharTokenizer reloaded = CharTokenizer::from_vocab(original.vocab());
    EXPECT_EQ(reloaded.encode("to be"), original.encode("to be"));
    expect_error([] { CharTokenizer::from_vocab({U'a', U'b', U'a'}); }, {"twice"});
    expect_error([] { CharTokenizer::from_vocab({}); }, {"empty"});
}

TEST(CharTokenizer, UnknownCharacterIsErrorNamingIt) {
    const CharTokenizer tokenizer = CharTokenizer::from_text("abc");
    expect_error([&] { tokenizer.encode("abd"); }, {"'d'", "U+0064", "byte offset 2",
                                                    "not in the vocabulary"});
    expect_error([&] { tokenizer.encode("a\tb"); }, {"U+0009"});
    expect_error([&] { tokenizer.encode("ab€"); }, {"'€'", "U+20AC"});
}

TEST(CharTokenizer, EmptyTextIsError) {
    expect_error([] { CharTokenizer::from_text(""); }, {"empty text"});
}

TEST(CharTokenizer, InvalidUtf8IsError) {
    expect_error([] { CharTokenizer::from_text("ab\xff"); }, {"not valid UTF-8", "byte offset 2"});
    expect_error([] { CharTokenizer::from_text("\xc3"); }, {"not valid UTF-8"});        // cut off
    expect_error([] { CharTokenizer::from_text("\xc0\xaf"); }, {"not valid UTF-8"});    // overlong
    expect_error([] { CharTokenizer::from_text("\xed\xa0\x80"); }, {"not valid UTF-8"});  // surrogate
}

TEST(CharTokenizer, DecodingAnUnknownIdIsError) {
    const CharTokenizer tokenizer = CharTokenizer::from_text("abc");
    expect_error([&] { tokenizer.decode({0, 3}); }, {"token id 3", "0..2"});
    expect_error([&] { tokenizer.decode_token(-1); }, {"token id -1"});
}

}  // namespace
}  // namespace nanogpt

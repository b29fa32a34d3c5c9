// test_gpt2_tokenizer.cpp: GPT-2 BPE without node: the pre-tokenizer's splits, known token
// ids, round trips, decode_token on pieces of a character, speed, and errors.
// (Equality with the JS reference encoder is in test_gpt2_reference.cpp.)
#include <gtest/gtest.h>

#include <chrono>

#include "data/gpt2_pretokenizer.h"
#include "data/gpt2_tokenizer.h"
#include "test_support.h"

namespace nanogpt {
namespace {

using test::expect_error;

const Gpt2Tokenizer& tokenizer() {
    static const Gpt2Tokenizer loaded = Gpt2Tokenizer::from_files(
        test::gpt2_assets_dir() + "/encoder.json", test::gpt2_assets_dir() + "/vocab.bpe");
    return loaded;
}

std::vector<std::string> split(std::string_view text) {
    static const Gpt2PreTokenizer pretokenizer;
    std::vector<std::string> pieces;
    for (std::string_view piece : pretokenizer.split(text)) pieces.emplace_back(piece);
    return pieces;
}

using Pieces = std::vector<std::string>;

TEST(Gpt2PreTokenizer, SplitsLikeTheGpt2Pattern) {
    EXPECT_EQ(split("Hello world"), (Pieces{"Hello", " world"}));
    // Contractions split off (lowercase only); letters, digits and punctuation are separate.
    EXPECT_EQ(split("it's I'LL x2y"), (Pieces{"it", "'s", " I", "'", "LL", " x", "2", "y"}));
    EXPECT_EQ(split("3.14, ok?!"), (Pieces{"3", ".", "14", ",", " ok", "?!"}));
    // A run of spaces leaves its last space to the following word.
    EXPECT_EQ(split("a   b"), (Pieces{"a", "  ", " b"}));
    // Whitespace before a newline-then-word: the run and the newline separate.
    EXPECT_EQ(split("a \n\nb"), (Pieces{"a", " \n", "\n", "b"}));
    EXPECT_EQ(split("end  "), (Pieces{"end", "  "}));
    EXPECT_EQ(split("\tx"), (Pieces{"\t", "x"}));
    EXPECT_EQ(split(" café 日本"), (Pieces{" café", " 日本"}));
    EXPECT_TRUE(split("").empty());
}

TEST(Gpt2PreTokenizer, UsesJavaScriptWhitespace) {
    // JS \s includes U+FEFF but not U+0085; PCRE2's Unicode \s is the other way round.
    EXPECT_EQ(split("a\xEF\xBB\xBF" "b"), (Pieces{"a", "\xEF\xBB\xBF", "b"}));
    EXPECT_EQ(split("a \xC2\x85" "b"), (Pieces{"a", " \xC2\x85", "b"}));
}

TEST(Gpt2Tokenizer, KnownTokenIds) {
    EXPECT_EQ(tokenizer().vocab_size(), 50257);
    EXPECT_EQ(tokenizer().kind(), "gpt2");
    EXPECT_EQ(tokenizer().encode("Hello world"), (std::vector<int>{15496, 995}));
    EXPECT_EQ(tokenizer().encode(" "), (std::vector<int>{220}));
    EXPECT_EQ(tokenizer().encode("\n"), (std::vector<int>{198}));
    EXPECT_EQ(tokenizer().decode_token(50256), "<|endoftext|>");
    EXPECT_TRUE(tokenizer().encode("").empty());
}

TEST(Gpt2Tokenizer, TinyShakespeareRoundTripsQuickly) {
    const std::string text = test::read_tiny_shakespeare();
    ASSERT_FALSE(text.empty());
    const auto start = std::chrono::steady_clock::now();
    const std::vector<int> tokens = tokenizer().encode(text);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ info ] GPT-2 encoded %zu bytes into %zu tokens in %.3f s\n", text.size(),
                tokens.size(), seconds);
    // Values from gpt-3-encoder (the reference test checks every token).
    EXPECT_EQ(tokens.size(), 338025u);
    EXPECT_EQ(std::vector<int>(tokens.begin(), tokens.begin() + 10),
              (std::vector<int>{5962, 22307, 25, 198, 8421, 356, 5120, 597, 2252, 11}));
    EXPECT_EQ(tokenizer().decode(tokens), text);
    // A loose bound that still catches accidental quadratic behaviour (it takes ~0.2 s).
    EXPECT_LT(seconds, 10.0);
}

TEST(Gpt2Tokenizer, DecodeTokenMayYieldPartOfACharacter) {
    const std::string text = "🙂 ok";
    const std::vector<int> tokens = tokenizer().encode(text);
    ASSERT_GT(tokens.size(), 2u);
    std::string joined;
    bool saw_partial = false;
    for (int token : tokens) {
        const std::string piece = tokenizer().decode_token(token);
        // A piece that starts with a UTF-8 lead byte of a 4-byte sequence but is shorter.
        if (!piece.empty() && static_cast<unsigned char>(piece[0]) >= 0xF0 && piece.size() < 4) {
            saw_partial = true;
        }
        joined += piece;
    }
    EXPECT_TRUE(saw_partial) << "expected the emoji to span several tokens";
    EXPECT_EQ(joined, text);
    EXPECT_EQ(tokenizer().decode(tokens), text);
}

TEST(Gpt2Tokenizer, InvalidUtf8IsError) {
    expect_error([] { tokenizer().encode("ok \xff\xfe"); }, {"not valid UTF-8", "byte offset 3"});
}

TEST(Gpt2Tokenizer, UnknownTokenIdIsError) {
    expect_error([] { tokenizer().decode({15496, 50257}); }, {"token id 50257", "0..50256"});
    expect_error([] { tokenizer().decode_token(-5); }, {"token id -5"});
}

TEST(Gpt2Tokenizer, MissingFilesAreError) {
    expect_error([] { Gpt2Tokenizer::from_files("/nonexistent/encoder.json", "/nonexistent/vocab.bpe"); },
                 {"/nonexistent/encoder.json", "not found"});
}

TEST(Gpt2Tokenizer, MalformedFilesAreError) {
    test::TempDir dir;
    test::write_text(dir.file("encoder.json"), "{\"a\": ");
    test::write_text(dir.file("vocab.bpe"), "#version: 0.2\n");
    expect_error([&] { Gpt2Tokenizer::from_files(dir.file("encoder.json"), dir.file("vocab.bpe")); },
                 {"encoder.json", "not valid JSON"});
    test::write_text(dir.file("encoder.json"), "{\"a\": 0}");
    expect_error([&] { Gpt2Tokenizer::from_files(dir.file("encoder.json"), dir.file("vocab.bpe")); },
                 {"no token for byte"});
}

}  // namespace
}  // namespace nanogpt

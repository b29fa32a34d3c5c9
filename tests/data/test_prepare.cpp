// test_prepare.cpp: `nanogpt prepare` end to end (run_prepare and the CLI subcommand) on tiny
// Shakespeare, and its errors for missing, empty and undownloadable input.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "data/prepare.h"
#include "data/commands.h"
#include "data/shard.h"
#include "data/tokenizer.h"
#include "test_support.h"

namespace nanogpt {
namespace {

using test::expect_error;
using test::TempDir;

// The checks shared by both tokenizers: shard sizes, the 90/10 split, and that the
// reloaded tokenizer decodes the start of val.bin back to the text at that point.
void check_prepared(const std::string& out_dir, const PrepareResult& result,
                    const std::string& text, int expected_vocab) {
    EXPECT_EQ(result.vocab_size, expected_vocab);
    const std::string train_path = out_dir + "/train.bin", val_path = out_dir + "/val.bin";
    EXPECT_EQ(shard_token_count(train_path), result.train_tokens);
    EXPECT_EQ(shard_token_count(val_path), result.val_tokens);
    const uint64_t total = result.train_tokens + result.val_tokens;
    EXPECT_NEAR(static_cast<double>(result.val_tokens) / static_cast<double>(total), 0.1, 1e-4);

    const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(out_dir);
    ASSERT_TRUE(tokenizer);
    EXPECT_EQ(tokenizer->vocab_size(), expected_vocab);
    const std::vector<uint16_t> train = read_shard(train_path);
    const std::vector<uint16_t> val = read_shard(val_path);
    const auto to_ints = [](const std::vector<uint16_t>& t, size_t begin, size_t end) {
        return std::vector<int>(t.begin() + begin, t.begin() + end);
    };
    // train decodes to a prefix of the text, and the first 100 val tokens continue it.
    const std::string train_text = tokenizer->decode(to_ints(train, 0, train.size()));
    ASSERT_EQ(text.compare(0, train_text.size(), train_text), 0);
    ASSERT_GE(val.size(), 100u);
    const std::string val_start = tokenizer->decode(to_ints(val, 0, 100));
    EXPECT_EQ(text.substr(train_text.size(), val_start.size()), val_start);
    EXPECT_EQ(train_text.size() + tokenizer->decode(to_ints(val, 0, val.size())).size(),
              text.size());
}

TEST(Prepare, CharOnTinyShakespeare) {
    const std::string text = test::read_tiny_shakespeare();
    ASSERT_FALSE(text.empty());
    TempDir dir;
    PrepareOptions options;
    options.tokenizer = "char";
    options.input = test::tiny_shakespeare_path();
    options.out_dir = dir.file("shakespeare_char");  // does not exist yet
    const PrepareResult result = run_prepare(options);
    EXPECT_EQ(result.train_tokens + result.val_tokens, text.size());
    EXPECT_EQ(result.train_tokens, 1003854u);  // nanoGPT's int(n * 0.9)
    check_prepared(options.out_dir, result, text, 65);
    EXPECT_EQ(load_tokenizer(options.out_dir)->kind(), "char");
}

TEST(Prepare, Gpt2OnTinyShakespeare) {
    const std::string text = test::read_tiny_shakespeare();
    ASSERT_FALSE(text.empty());
    TempDir dir;
    PrepareOptions options;
    options.tokenizer = "gpt2";
    options.input = test::tiny_shakespeare_path();
    options.out_dir = dir.file("a/b/shakespeare");  // parents are created too
    options.gpt2_assets_dir = test::gpt2_assets_dir();
    const PrepareResult result = run_prepare(options);
    EXPECT_EQ(result.train_tokens + result.val_tokens, 338025u);
    check_prepared(options.out_dir, result, text, 50257);
    // The data dir is self-contained: the GPT-2 files were copied into it.
    EXPECT_TRUE(file_exists(options.out_dir + "/encoder.json"));
    EXPECT_TRUE(file_exists(options.out_dir + "/vocab.bpe"));
    EXPECT_EQ(load_tokenizer(options.out_dir)->kind(), "gpt2");
}

TEST(Prepare, CliSubcommandRunsPrepare) {
    TempDir dir;
    test::write_text(dir.file("in.txt"), "to be, or not to be: that is the question.\n");
    CLI::App app("nanogpt");
    add_prepare_command(app);
    const std::string out = dir.file("out");
    const std::string input = dir.file("in.txt");
    std::vector<std::string> args = {"nanogpt", "prepare",  "--tokenizer",    "char",
                                     "--input", input,      "--out",          out,
                                     "--val-fraction",      "0.25"};
    std::vector<const char*> argv;
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    app.parse(static_cast<int>(argv.size()), argv.data());
    EXPECT_EQ(shard_token_count(out + "/train.bin"), 32u);  // int(43 * 0.75)
    EXPECT_EQ(shard_token_count(out + "/val.bin"), 11u);
}

TEST(Prepare, CliRejectsUnknownTokenizerAndMissingOut) {
    CLI::App app("nanogpt");
    add_prepare_command(app);
    const char* bad_tokenizer[] = {"nanogpt", "prepare", "--tokenizer", "bytes", "--out", "x"};
    EXPECT_THROW(app.parse(6, bad_tokenizer), CLI::ValidationError);
    CLI::App app2("nanogpt");
    add_prepare_command(app2);
    const char* no_out[] = {"nanogpt", "prepare"};
    EXPECT_THROW(app2.parse(2, no_out), CLI::RequiredError);
}

TEST(Prepare, MissingInputFileIsError) {
    TempDir dir;
    PrepareOptions options;
    options.input = dir.file("no_such_file.txt");
    options.out_dir = dir.file("out");
    expect_error([&] { run_prepare(options); }, {"no_such_file.txt", "does not exist"});
    EXPECT_FALSE(file_exists(options.out_dir)) << "a failed prepare should not create --out";
}

TEST(Prepare, EmptyInputIsError) {
    TempDir dir;
    test::write_text(dir.file("empty.txt"), "");
    PrepareOptions options;
    options.input = dir.file("empty.txt");
    options.out_dir = dir.file("out");
    expect_error([&] { run_prepare(options); }, {"empty.txt", "is empty"});
    options.tokenizer = "gpt2";
    options.gpt2_assets_dir = test::gpt2_assets_dir();
    expect_error([&] { run_prepare(options); }, {"is empty"});
}

TEST(Prepare, DefaultInputIsDownloadedWhenMissing) {
    // A file:// URL exercises the download path (curl, temp file, rename) without a network.
    TempDir dir;
    PrepareOptions options;
    options.out_dir = dir.file("out");
    options.download_url = "file://" + test::tiny_shakespeare_path();
    const PrepareResult result = run_prepare(options);
    EXPECT_EQ(result.vocab_size, 65);
    EXPECT_EQ(read_file(options.out_dir + "/input.txt"), test::read_tiny_shakespeare());
    EXPECT_FALSE(file_exists(options.out_dir + "/input.txt.download"));
}

TEST(Prepare, FailedDownloadIsClearErrorAndLeavesNoFile) {
    // What an offline machine sees: curl fails, and the error says how to go on.
    TempDir dir;
    PrepareOptions options;
    options.out_dir = dir.file("out");
    options.download_url = "file://" + dir.file("unreachable/input.txt");
    try {
        run_prepare(options);
        ADD_FAILURE() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("could not download"), std::string::npos) << e.what();
        EXPECT_NE(e.hint().find("--input"), std::string::npos) << e.hint();
    }
    EXPECT_FALSE(file_exists(options.out_dir + "/input.txt"));
    EXPECT_FALSE(file_exists(options.out_dir + "/input.txt.download"));
}

TEST(Prepare, BadOptionsAreErrors) {
    TempDir dir;
    test::write_text(dir.file("in.txt"), "a");
    PrepareOptions options;
    options.input = dir.file("in.txt");
    options.out_dir = dir.file("out");
    options.val_fraction = 1.0;
    expect_error([&] { run_prepare(options); }, {"--val-fraction"});
    options.val_fraction = 0.1;
    options.tokenizer = "bytes";
    expect_error([&] { run_prepare(options); }, {"unknown tokenizer 'bytes'"});
    options.tokenizer = "char";
    expect_error([&] { run_prepare(options); }, {"too short to split"});  // 1 token
    options.tokenizer = "gpt2";
    options.gpt2_assets_dir = dir.path();
    expect_error([&] { run_prepare(options); }, {"does not contain encoder.json"});
}

TEST(Prepare, LoadTokenizerWithoutPrepareIsError) {
    TempDir dir;
    expect_error([&] { load_tokenizer(dir.path()); }, {"no tokenizer.json"});
}

}  // namespace
}  // namespace nanogpt

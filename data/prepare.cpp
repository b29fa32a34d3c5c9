// prepare.cpp: input resolution, tokenizing, the train/val split and writing the outputs.
#include "data/prepare.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "common/error.h"
#include "common/file_io.h"
#include "data/char_tokenizer.h"
#include "data/download.h"
#include "data/gpt2_assets.h"
#include "data/gpt2_tokenizer.h"
#include "data/ngram_levels.h"
#include "data/shard.h"
#include "data/tokenizer_store.h"

namespace nanogpt {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxShardVocab = 65536;  // shard tokens are uint16

void check_options(const PrepareOptions& options) {
    if (options.out_dir.empty()) {
        throw Error("no output directory given", "pass --out DIR");
    }
    if (options.tokenizer != "char" && options.tokenizer != "gpt2") {
        throw Error("unknown tokenizer '" + options.tokenizer + "'", "use --tokenizer char or gpt2");
    }
    if (!(options.val_fraction > 0.0 && options.val_fraction < 1.0)) {
        throw Error("--val-fraction must be between 0 and 1 (exclusive), got " +
                        std::to_string(options.val_fraction),
                    "the default 0.1 keeps the last 10% of the tokens for validation");
    }
}

void create_out_dir(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
        throw Error("cannot create output directory '" + dir + "': " + ec.message(),
                    "check the path and its permissions");
    }
}

// The input file to read: the one given, or <out>/input.txt, downloaded when missing.
std::string resolve_input(const PrepareOptions& options) {
    if (!options.input.empty()) {
        if (!file_exists(options.input)) {
            throw Error("input file '" + options.input + "' does not exist",
                        "pass --input with the path of a text file");
        }
        return options.input;
    }
    create_out_dir(options.out_dir);
    const std::string path = (fs::path(options.out_dir) / "input.txt").string();
    if (!file_exists(path)) {
        std::printf("prepare: %s is missing, downloading %s\n", path.c_str(),
                    options.download_url.c_str());
        std::fflush(stdout);
        download_file(options.download_url, path,
                      "pass --input FILE with a local text file, or save the text as '" + path +
                          "' and run prepare again");
    }
    return path;
}

struct LoadedTokenizer {
    std::unique_ptr<Tokenizer> tokenizer;
    fs::path gpt2_assets;  // where encoder.json and vocab.bpe came from (gpt2 only)
};

LoadedTokenizer make_tokenizer(const PrepareOptions& options, const std::string& text) {
    if (options.tokenizer == "char") {
        return {std::make_unique<CharTokenizer>(CharTokenizer::from_text(text)), {}};
    }
    const fs::path assets = find_gpt2_assets_dir(options.gpt2_assets_dir);
    return {std::make_unique<Gpt2Tokenizer>(Gpt2Tokenizer::from_files(
                (assets / kGpt2EncoderJson).string(), (assets / kGpt2VocabBpe).string())),
            assets};
}

void save_tokenizer(const LoadedTokenizer& loaded, const std::string& out_dir) {
    if (const auto* chars = dynamic_cast<const CharTokenizer*>(loaded.tokenizer.get())) {
        save_char_tokenizer(out_dir, *chars);
    } else {
        save_gpt2_tokenizer(out_dir, (loaded.gpt2_assets / kGpt2EncoderJson).string(),
                            (loaded.gpt2_assets / kGpt2VocabBpe).string(),
                            loaded.tokenizer->vocab_size());
    }
}

// Token ids as stored in a shard (the vocabulary size was checked to fit uint16).
std::vector<uint16_t> narrow(const std::vector<int>& tokens, size_t begin, size_t end) {
    std::vector<uint16_t> out;
    out.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) out.push_back(static_cast<uint16_t>(tokens[i]));
    return out;
}

// The loss a uniform guess and unigram, bigram and trigram tables reach on val: the reference
// levels of the loss chart (data/ngram_levels.h), written beside the shards.
void write_levels(const std::string& out_dir, const std::vector<uint16_t>& train,
                  const std::vector<uint16_t>& val, int vocab) {
    if (train.size() < 3 || val.size() < 3) return;  // too short to say anything
    const NgramLevels l = compute_ngram_levels(train.data(), train.size(), val.data(), val.size(), vocab);
    write_ngram_levels(out_dir, l);
    std::printf("prepare: n-gram levels on val (nats/token): uniform %.3f, unigram %.3f, bigram %.3f, "
                "trigram %.3f -> %s\n",
                l.uniform, l.unigram, l.bigram, l.trigram,
                (std::filesystem::path(out_dir) / kNgramLevelsFile).string().c_str());
    if (l.train_tokens < train.size() || l.val_tokens < val.size())
        std::printf("prepare: (counted on the first %llu train tokens, scored on the first %llu val tokens)\n",
                    (unsigned long long)l.train_tokens, (unsigned long long)l.val_tokens);
}

}  // namespace

PrepareResult run_prepare(const PrepareOptions& options) {
    check_options(options);
    // Input first, so a mistyped --input fails before anything is created.
    const std::string input = resolve_input(options);
    create_out_dir(options.out_dir);

    const std::string text = read_file(input);
    std::printf("prepare: read %s (%zu bytes)\n", input.c_str(), text.size());
    if (text.empty()) {
        throw Error("input file '" + input + "' is empty", "give a text file with some text in it");
    }

    const LoadedTokenizer loaded = make_tokenizer(options, text);
    const Tokenizer& tokenizer = *loaded.tokenizer;
    std::printf("prepare: %s tokenizer, vocab size %d\n", tokenizer.kind().c_str(),
                tokenizer.vocab_size());
    if (tokenizer.vocab_size() > kMaxShardVocab) {
        throw Error("vocabulary of " + std::to_string(tokenizer.vocab_size()) +
                        " tokens does not fit the uint16 tokens of a shard (at most 65536)",
                    "use --tokenizer gpt2, or a text with fewer distinct characters");
    }

    const auto start = std::chrono::steady_clock::now();
    const std::vector<int> tokens = tokenizer.encode(text);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("prepare: tokenized %zu bytes into %zu tokens in %.2f s\n", text.size(),
                tokens.size(), seconds);

    // nanoGPT's split: the first (1 - val_fraction) of the sequence trains, the rest validates.
    const size_t train_count =
        static_cast<size_t>(static_cast<double>(tokens.size()) * (1.0 - options.val_fraction));
    if (train_count == 0 || train_count == tokens.size()) {
        throw Error("the text is too short to split: " + std::to_string(tokens.size()) +
                        " tokens with --val-fraction " + std::to_string(options.val_fraction) +
                        " leaves an empty train or val set",
                    "use a longer text");
    }
    const std::string train_path = (fs::path(options.out_dir) / "train.bin").string();
    const std::string val_path = (fs::path(options.out_dir) / "val.bin").string();
    // tokenizer.json is written only once the text has tokenized, beside the shards it decodes.
    save_tokenizer(loaded, options.out_dir);
    const std::vector<uint16_t> train = narrow(tokens, 0, train_count);
    const std::vector<uint16_t> val = narrow(tokens, train_count, tokens.size());
    write_shard(train_path, train);
    write_shard(val_path, val);
    const size_t val_count = tokens.size() - train_count;
    std::printf("prepare: wrote %s (%zu tokens) and %s (%zu tokens)\n", train_path.c_str(),
                train_count, val_path.c_str(), val_count);
    write_levels(options.out_dir, train, val, tokenizer.vocab_size());
    std::fflush(stdout);
    return {train_count, val_count, tokenizer.vocab_size()};
}

}  // namespace nanogpt

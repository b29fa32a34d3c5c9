// ngram_levels.h: the cross-entropy (nats per token) that simple n-gram tables reach on the
// validation split when counted on the training split: reference levels a loss curve can be
// read against ("the model is now as good as a bigram table"). Computed by `nanogpt prepare`
// and stored beside the shards as <data_dir>/ngram_levels.json; the trainer reads them into
// RunInfo.reference (run.json's reference_levels, the dashboard's reference lines).
//
// Smoothing: the unigram is add-one (Laplace), so every token of the vocabulary has a
// probability; bigram and trigram are interpolated absolute discounting (Ney, Essen & Kneser
// 1994): p(x | h) = max(c(h x) - D, 0) / c(h) + D * N1+(h .) / c(h) * p_lower(x), with one
// discount per order from the counts of counts, D = n1 / (n1 + 2 n2) (Ney's estimate; Chen &
// Goodman 1998; kept within [0.05, 0.95]), and an unseen context backing off to the lower
// order entirely. Why not add-alpha for all: the mass add-alpha hands to unseen events grows
// with the vocabulary, which is harmless for 65 characters but swamps the counts for GPT-2's
// 50257 tokens; absolute discounting takes a fixed amount from the seen events whatever the
// vocabulary. On tiny Shakespeare the two agree to 0.01 nats (docs/insights.md).
//
// Cost: one sort of the packed n-grams per order (tokens are uint16, so a trigram fits a
// uint64), then a binary search per validation token. At most max_train tokens are counted and
// max_val scored (the first ones of each split), so prepare stays fast on large data; the
// numbers say how many were used.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace nanogpt {

struct NgramLevels {
    double uniform = 0;   // ln V: a uniform guess over the vocabulary
    double unigram = 0, bigram = 0, trigram = 0;
    int vocab = 0;
    uint64_t train_tokens = 0;  // training tokens counted
    uint64_t val_tokens = 0;    // validation tokens scored
    double discount_bigram = 0, discount_trigram = 0;  // D of each order
};

// Defaults for the caps: 10 M training tokens count in about a second per order; 1 M
// validation tokens give the levels to well under 0.01 nats.
inline constexpr size_t kNgramMaxTrainTokens = 10'000'000;
inline constexpr size_t kNgramMaxValTokens = 1'000'000;

// Counts on train[0, min(n_train, max_train)), scores val[0, min(n_val, max_val)). Every token
// id must be < vocab. Needs at least 3 tokens in each split (throws Error otherwise).
NgramLevels compute_ngram_levels(const uint16_t* train, size_t n_train, const uint16_t* val, size_t n_val,
                                 int vocab, size_t max_train = kNgramMaxTrainTokens,
                                 size_t max_val = kNgramMaxValTokens);

inline constexpr const char* kNgramLevelsFile = "ngram_levels.json";

// <dir>/ngram_levels.json: {"uniform","unigram","bigram","trigram" (nats per token), "vocab",
// "train_tokens","val_tokens","smoothing","discount":{"bigram","trigram"}}.
void write_ngram_levels(const std::string& dir, const NgramLevels& levels);
// nullopt when the file is missing; throws Error when it exists but cannot be read.
std::optional<NgramLevels> read_ngram_levels(const std::string& dir);

}  // namespace nanogpt

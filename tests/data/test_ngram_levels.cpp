// test_ngram_levels.cpp: the n-gram reference levels (data/ngram_levels.h): the smoothing
// formulas on a sequence small enough to work out by hand, tiny Shakespeare against the
// research's figures, the caps, the JSON file, and that prepare writes it.
#include <gtest/gtest.h>

#include <cmath>

#include "data/ngram_levels.h"
#include "data/prepare.h"
#include "data/shard.h"
#include "test_support.h"

namespace nanogpt {
namespace {

using test::TempDir;

// train = 0 1 0 1, val = 0 1 1 0, V = 2, worked by hand:
//   unigram (add-one): p(0) = p(1) = (2 + 1) / (4 + 2) = 1/2
//   bigrams (0 1) x2, (1 0) x1: n1 = 1, n2 = 1, D = 1/3; context 0: c = 2, one type; 1: c = 1, one type
//     p(1|0) = (2 - 1/3)/2 + (1/3)(1/2)(1/2) = 11/12, p(1|1) = 0 + (1/3)(1/1)(1/2) = 1/6, p(0|1) = 5/6
//   trigrams (0 1 0), (1 0 1): n1 = 2, n2 = 0, D = 1 clamped to 0.95
//     p(1|0 1) = 0 + 0.95 * p(1|1) = 0.95/6; context (1 1) unseen: p(0|1 1) = p(0|1) = 5/6
TEST(NgramLevels, SmoothingWorkedByHand) {
    const uint16_t train[] = {0, 1, 0, 1}, val[] = {0, 1, 1, 0};
    const NgramLevels l = compute_ngram_levels(train, 4, val, 4, 2);
    EXPECT_DOUBLE_EQ(l.uniform, std::log(2.0));
    EXPECT_NEAR(l.unigram, std::log(2.0), 1e-12);
    EXPECT_NEAR(l.discount_bigram, 1.0 / 3.0, 1e-12);
    EXPECT_NEAR(l.discount_trigram, 0.95, 1e-12);
    EXPECT_NEAR(l.bigram, -(std::log(11.0 / 12) + std::log(1.0 / 6) + std::log(5.0 / 6)) / 3, 1e-12);
    EXPECT_NEAR(l.trigram, -(std::log(0.95 / 6) + std::log(5.0 / 6)) / 2, 1e-12);
    EXPECT_EQ(l.train_tokens, 4u);
    EXPECT_EQ(l.val_tokens, 4u);
}

// The caps count only the first tokens of each split and say so.
TEST(NgramLevels, CapsCountTheFirstTokens) {
    std::vector<uint16_t> train(1000), val(500);
    for (size_t i = 0; i < train.size(); i++) train[i] = (uint16_t)(i % 7);
    for (size_t i = 0; i < val.size(); i++) val[i] = (uint16_t)((i * 3) % 7);
    const NgramLevels all = compute_ngram_levels(train.data(), train.size(), val.data(), val.size(), 7);
    const NgramLevels capped = compute_ngram_levels(train.data(), train.size(), val.data(), val.size(), 7, 100, 50);
    EXPECT_EQ(all.train_tokens, 1000u);
    EXPECT_EQ(capped.train_tokens, 100u);
    EXPECT_EQ(capped.val_tokens, 50u);
    // A periodic text: given two tokens the next is certain, so the trigram level is near 0 on
    // text that continues the period, and far from it on val's other stride.
    const uint16_t same[] = {0, 1, 2, 3, 4, 5, 6, 0, 1, 2};
    EXPECT_LT(compute_ngram_levels(train.data(), train.size(), same, 10, 7).trigram, 0.01);
    EXPECT_GT(all.trigram, 1.0);
    test::expect_error([&] { compute_ngram_levels(train.data(), 2, val.data(), 10, 7); }, {"at least 3 tokens"});
}

// Tiny Shakespeare, split 90/10 as prepare does. The research (add-alpha smoothing, counted in
// Python) gives unigram 3.35, bigram 2.48, trigram 2.05 on val; absolute discounting lands within
// 0.01 of those (docs/insights.md: 3.347, 2.487, 2.060).
TEST(NgramLevels, TinyShakespeareMatchesTheResearch) {
    const std::string text = test::read_tiny_shakespeare();
    ASSERT_FALSE(text.empty());
    TempDir dir;
    PrepareOptions o;
    o.input = test::tiny_shakespeare_path();
    o.out_dir = dir.file("data");
    run_prepare(o);
    const std::optional<NgramLevels> l = read_ngram_levels(o.out_dir);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->vocab, 65);
    EXPECT_NEAR(l->uniform, std::log(65.0), 1e-12);
    EXPECT_NEAR(l->unigram, 3.35, 0.01);
    EXPECT_NEAR(l->bigram, 2.48, 0.01);
    EXPECT_NEAR(l->trigram, 2.05, 0.015);
    EXPECT_GT(l->unigram, l->bigram);
    EXPECT_GT(l->bigram, l->trigram);
    // The file holds what the shards give.
    const std::vector<uint16_t> train = read_shard(o.out_dir + "/train.bin"), val = read_shard(o.out_dir + "/val.bin");
    const NgramLevels again = compute_ngram_levels(train.data(), train.size(), val.data(), val.size(), 65);
    EXPECT_DOUBLE_EQ(again.trigram, l->trigram);
    EXPECT_EQ(l->train_tokens, train.size());
}

TEST(NgramLevels, FileRoundTripAndAbsence) {
    TempDir dir;
    EXPECT_FALSE(read_ngram_levels(dir.path()));  // no file: no levels
    NgramLevels l;
    l.uniform = 4.17;
    l.unigram = 3.3;
    l.bigram = 2.5;
    l.trigram = 2.1;
    l.vocab = 65;
    l.train_tokens = 10;
    l.val_tokens = 5;
    l.discount_bigram = 0.4;
    l.discount_trigram = 0.6;
    write_ngram_levels(dir.path(), l);
    const std::optional<NgramLevels> back = read_ngram_levels(dir.path());
    ASSERT_TRUE(back);
    EXPECT_DOUBLE_EQ(back->bigram, 2.5);
    EXPECT_DOUBLE_EQ(back->discount_trigram, 0.6);
    EXPECT_EQ(back->vocab, 65);
    test::write_text(dir.file(kNgramLevelsFile), "{\"uniform\": 1}");
    test::expect_error([&] { read_ngram_levels(dir.path()); }, {"unigram"});
}

}  // namespace
}  // namespace nanogpt

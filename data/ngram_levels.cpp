// ngram_levels.cpp: n-gram reference levels of a prepared data set (ngram_levels.h).
#include "data/ngram_levels.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "common/error.h"
#include "common/file_io.h"

namespace nanogpt {
namespace {

// The distinct n-grams of one order, sorted by their packed key (the first token in the
// highest bits, 16 bits a token), with how often each occurs.
struct Counts {
    std::vector<uint64_t> keys;
    std::vector<uint32_t> counts;

    uint32_t count(uint64_t key) const {
        auto it = std::lower_bound(keys.begin(), keys.end(), key);
        return it != keys.end() && *it == key ? counts[it - keys.begin()] : 0;
    }
    // Ney's discount from the counts of counts: D = n1 / (n1 + 2 n2), n_k = n-grams seen k times.
    double ney_discount() const {
        double n1 = 0, n2 = 0;
        for (uint32_t c : counts) {
            n1 += c == 1;
            n2 += c == 2;
        }
        // Kept inside [0.05, 0.95]: with no singletons (a tiny or degenerate text) the estimate
        // would be 0, leaving unseen continuations of a seen context with no probability at all.
        const double d = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0.5;
        return std::clamp(d, 0.05, 0.95);
    }
};

uint64_t pack(const uint16_t* t, int order) {
    uint64_t k = 0;
    for (int j = 0; j < order; j++) k = k << 16 | t[j];
    return k;
}

Counts count_ngrams(const uint16_t* t, size_t n, int order) {
    std::vector<uint64_t> all(n - order + 1);
    for (size_t i = 0; i + order <= n; i++) all[i] = pack(t + i, order);
    std::sort(all.begin(), all.end());
    Counts c;
    for (size_t i = 0; i < all.size();) {
        size_t j = i;
        while (j < all.size() && all[j] == all[i]) j++;
        c.keys.push_back(all[i]);
        c.counts.push_back((uint32_t)(j - i));
        i = j;
    }
    return c;
}

// Per context h (the n-gram's key without its last token): c(h) = occurrences of h followed
// by anything, and N1+(h .) = distinct tokens seen after it. Contexts come out sorted because
// the n-grams are.
Counts context_totals(const Counts& grams, std::vector<uint32_t>& types) {
    Counts ctx;
    types.clear();
    for (size_t i = 0; i < grams.keys.size(); i++) {
        const uint64_t h = grams.keys[i] >> 16;
        if (ctx.keys.empty() || ctx.keys.back() != h) {
            ctx.keys.push_back(h);
            ctx.counts.push_back(0);
            types.push_back(0);
        }
        ctx.counts.back() += grams.counts[i];
        types.back()++;
    }
    return ctx;
}

// One interpolated order: p(x | h) given the lower order's p_lower(x | shorter h).
struct Interpolated {
    Counts grams, ctx;
    std::vector<uint32_t> types;
    double D = 0.5;

    Interpolated(const uint16_t* t, size_t n, int order) : grams(count_ngrams(t, n, order)) {
        ctx = context_totals(grams, types);
        D = grams.ney_discount();
    }
    double p(uint64_t key, double p_lower) const {
        const uint64_t h = key >> 16;
        auto it = std::lower_bound(ctx.keys.begin(), ctx.keys.end(), h);
        if (it == ctx.keys.end() || *it != h) return p_lower;  // unseen context: back off
        const size_t k = it - ctx.keys.begin();
        const double c_h = ctx.counts[k];
        const double c_hx = grams.count(key);
        return std::max(c_hx - D, 0.0) / c_h + D * types[k] / c_h * p_lower;
    }
};

double member_number(const rapidjson::Value& v, const char* name, const std::string& path) {
    auto it = v.FindMember(name);
    if (it == v.MemberEnd() || !it->value.IsNumber())
        throw Error(path + ": \"" + std::string(name) + "\" is missing or not a number",
                    "run nanogpt prepare again to rewrite it");
    return it->value.GetDouble();
}

}  // namespace

NgramLevels compute_ngram_levels(const uint16_t* train, size_t n_train, const uint16_t* val, size_t n_val,
                                 int vocab, size_t max_train, size_t max_val) {
    n_train = std::min(n_train, max_train);
    n_val = std::min(n_val, max_val);
    if (n_train < 3 || n_val < 3 || vocab <= 0)
        throw Error("n-gram levels need at least 3 tokens in each split and a vocabulary");
    NgramLevels out;
    out.vocab = vocab;
    out.train_tokens = n_train;
    out.val_tokens = n_val;
    out.uniform = std::log((double)vocab);

    std::vector<double> unigram(vocab, 1.0);  // add-one
    for (size_t i = 0; i < n_train; i++) unigram[train[i]] += 1.0;
    for (double& u : unigram) u /= (double)n_train + vocab;
    const Interpolated bigram(train, n_train, 2), trigram(train, n_train, 3);
    out.discount_bigram = bigram.D;
    out.discount_trigram = trigram.D;

    double h1 = 0, h2 = 0, h3 = 0;
    for (size_t i = 0; i < n_val; i++) {
        const double p1 = unigram[val[i]];
        h1 -= std::log(p1);
        if (i < 1) continue;
        const double p2 = bigram.p(pack(val + i - 1, 2), p1);
        h2 -= std::log(p2);
        if (i < 2) continue;
        // The trigram's lower order is the bigram of its last two tokens.
        h3 -= std::log(trigram.p(pack(val + i - 2, 3), p2));
    }
    out.unigram = h1 / (double)n_val;
    out.bigram = h2 / (double)(n_val - 1);
    out.trigram = h3 / (double)(n_val - 2);
    return out;
}

void write_ngram_levels(const std::string& dir, const NgramLevels& l) {
    rapidjson::StringBuffer sb;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("uniform"); w.Double(l.uniform);
    w.Key("unigram"); w.Double(l.unigram);
    w.Key("bigram"); w.Double(l.bigram);
    w.Key("trigram"); w.Double(l.trigram);
    w.Key("vocab"); w.Int(l.vocab);
    w.Key("train_tokens"); w.Uint64(l.train_tokens);
    w.Key("val_tokens"); w.Uint64(l.val_tokens);
    w.Key("smoothing");
    w.String("unigram add-one; bigram and trigram interpolated absolute discounting, D = n1/(n1+2 n2)");
    w.Key("discount");
    w.StartObject();
    w.Key("bigram"); w.Double(l.discount_bigram);
    w.Key("trigram"); w.Double(l.discount_trigram);
    w.EndObject();
    w.EndObject();
    std::string text(sb.GetString(), sb.GetSize());
    text += '\n';
    write_file_atomic((std::filesystem::path(dir) / kNgramLevelsFile).string(), text.data(), text.size());
}

std::optional<NgramLevels> read_ngram_levels(const std::string& dir) {
    const std::string path = (std::filesystem::path(dir) / kNgramLevelsFile).string();
    if (!file_exists(path)) return std::nullopt;
    const std::string text = read_file(path);
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject())
        throw Error(path + " is not a JSON object", "run nanogpt prepare again to rewrite it");
    NgramLevels l;
    l.uniform = member_number(d, "uniform", path);
    l.unigram = member_number(d, "unigram", path);
    l.bigram = member_number(d, "bigram", path);
    l.trigram = member_number(d, "trigram", path);
    l.vocab = (int)member_number(d, "vocab", path);
    l.train_tokens = (uint64_t)member_number(d, "train_tokens", path);
    l.val_tokens = (uint64_t)member_number(d, "val_tokens", path);
    if (auto it = d.FindMember("discount"); it != d.MemberEnd() && it->value.IsObject()) {
        l.discount_bigram = member_number(it->value, "bigram", path);
        l.discount_trigram = member_number(it->value, "trigram", path);
    }
    return l;
}

}  // namespace nanogpt

// embedding_insights.cpp: embedding clusters and the frequency direction as insights
// (embedding_insights.h).
#include "viz/insights/embedding_insights.h"

#include <algorithm>
#include <cmath>

#include "viz/insights/param_rules.h"

namespace nanogpt::viz::insights {

namespace {

// Share of row pairs that are together in one partition and apart in the other.
double pair_disagreement(const std::vector<int>& a, const std::vector<int>& b) {
    const size_t n = std::min(a.size(), b.size());
    if (n < 2) return 0;
    size_t differ = 0, pairs = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++, pairs++) differ += (a[i] == a[j]) != (b[i] == b[j]);
    return (double)differ / pairs;
}

}  // namespace

EmbeddingInsights::EmbeddingInsights(const ModelDesc& model, Emitter& out, EmbeddingOptions opt)
    : analyzer_(model, opt), out_(out) {}

std::string EmbeddingInsights::display(int token) const {
    const std::string& t = analyzer_.text_of(token);
    if (t.empty()) return std::string("#").append(std::to_string(token));
    std::string s;
    for (char ch : t) {
        if (ch == '\n') s += "\\n";
        else if (ch == '\t') s += "\\t";
        else s += ch;
    }
    if (t == " ") return "' '";
    return analyzer_.characters() ? s : "'" + s + "'";
}

Insight EmbeddingInsights::describe(int step, const EmbeddingStructure& e, const std::vector<int>& token_ids) const {
    Insight in;
    in.kind = Kind::EmbeddingClusters;
    in.severity = Severity::Info;
    in.subject = "wte";
    in.step_start = open_step_;
    in.step_end = step;
    in.evidence = {{"k", (double)e.k}, {"silhouette", e.silhouette}, {"silhouette_first_frame", baseline_},
                   {"rows", (double)e.n}, {"dimensions", (double)e.C}};
    std::string groups, names;
    const size_t list = analyzer_.characters() ? 40 : 8;  // members shown per group
    for (size_t c = 0; c < e.clusters.size(); c++) {
        const EmbeddingCluster& cl = e.clusters[c];
        const std::string key = std::string("cluster").append(std::to_string(c));
        in.evidence.push_back({key + ".size", (double)cl.members.size()});
        if (analyzer_.characters()) in.evidence.push_back({key + ".share", cl.share});
        std::string members;
        for (size_t m = 0; m < cl.members.size() && m < list; m++)
            members.append(m ? " " : "").append(display(token_ids[cl.members[m]]));
        if (cl.members.size() > list) members += " ...";
        const std::string label = cl.label.empty() ? std::string("group ").append(std::to_string(c + 1)) : cl.label;
        groups += "; " + label + ": " + members;
        if (!cl.label.empty() && cl.label != "mixed" && names.find(cl.label) == std::string::npos)
            names += (names.empty() ? "" : ", ") + cl.label;
    }
    std::string nb;
    for (const EmbeddingStructure::Neighbours& n : e.neighbours) {
        if (n.rows.empty()) continue;
        nb += (nb.empty() ? "" : "; ") + display(token_ids[n.row]) + " ->";
        for (size_t j = 0; j < n.rows.size() && j < 4; j++) nb.append(" ").append(display(token_ids[n.rows[j]]));
        nb += " (cos " + num(n.cosine[0]) + ")";
    }
    const std::string what = analyzer_.characters() ? "characters" : "tokens";
    in.title = "Token embeddings form " + std::to_string(e.k) + " groups" + (names.empty() ? "" : ": " + names);
    in.explanation = "Measured in the full " + std::to_string(e.C) + " dimensions of wte (not the 3-D picture, which makes "
                     "groups look several times sharper than they are), the " + std::to_string(e.n) + " " + what +
                     " fall into " + std::to_string(e.k) + " groups with a silhouette of " + num(e.silhouette) +
                     " (it was " + num(baseline_) + " at the first snapshot, when the vectors were random)" + groups +
                     ". Nearest neighbours: " + nb + ". Nobody told the model what these groups are: " + what +
                     " used in similar contexts get similar vectors, because the model must treat them alike when "
                     "predicting what comes next.";
    in.causes = {"learning: the model is discovering which " + what + " play the same role"};
    in.tries = {"colour the embedding view by these groups", "compare with the frequency direction: common and rare " + what + " also separate"};
    return in;
}

void EmbeddingInsights::observe(int step, const float* rows, const std::vector<int>& token_ids, int C) {
    const EmbeddingStructure& e = analyzer_.analyse(rows, token_ids, C);
    if (e.k == 0) return;
    if (baseline_ < 0) baseline_ = e.silhouette;
    int named = 0;
    for (const EmbeddingCluster& c : e.clusters) named += !c.label.empty() && c.label != "mixed";
    const bool structured = e.silhouette >= std::max(kSilhouetteFloor, baseline_ + kSilhouetteMargin) &&
                            (!analyzer_.characters() || named >= 2);
    if (structured) {
        misses_ = 0;
        if (hits_++ == 0 && !open_) open_step_ = step;
        since_sent_++;
        if (!open_ && hits_ >= 2) {
            open_ = true;
            sent_ = describe(step, e, token_ids);
            sent_labels_ = e.labels;
            since_sent_ = 0;
            out_.update_span(sent_);
        } else if (open_ && since_sent_ >= kRegroupFrames && pair_disagreement(sent_labels_, e.labels) > kRegroupShare) {
            sent_ = describe(step, e, token_ids);
            sent_labels_ = e.labels;
            since_sent_ = 0;
            out_.update_span(sent_);
        }
    } else {
        hits_ = 0;
        if (open_ && ++misses_ >= 3) {
            open_ = false;
            sent_.step_end = step;
            out_.close_span(sent_);
        }
    }
    if (!frequency_sent_ && e.has_frequency && e.freq_r2_pc3 >= kFrequencyR2) {
        frequency_sent_ = true;
        Insight in;
        in.kind = Kind::FrequencyDirection;
        in.severity = Severity::Info;
        in.subject = "wte";
        in.step_start = in.step_end = step;
        in.title = "Token frequency is now the embedding's leading direction";
        in.evidence = {{"r2_pc1", e.freq_r2_pc1}, {"r2_pc1_3", e.freq_r2_pc3}, {"norm_frequency_rank_corr", e.norm_freq_rank_corr},
                       {"threshold", kFrequencyR2}};
        in.explanation = "How common a token is can now be read off the embedding: its frequency rank is predicted with "
                         "R^2 = " + num(e.freq_r2_pc3) + " by the first three principal directions of wte (" + num(e.freq_r2_pc1) +
                         " by the first alone), in the full dimension. It is the first thing a language model learns: "
                         "wte is also the output layer (weight tying), and predicting common tokens more often is the "
                         "cheapest big gain (the drop to the unigram level of the loss). Row norm vs frequency: rank "
                         "correlation " + num(e.norm_freq_rank_corr) + " (rare tokens, almost always wrong answers, are "
                         "pushed the same way every step and drift outwards).";
        in.causes = {"learning the unigram statistics of the data"};
        in.tries = {"colour the embedding view by frequency"};
        out_.emit(std::move(in));
    }
}

void EmbeddingInsights::finish(int last_step) {
    if (!open_) return;
    open_ = false;
    sent_.step_end = std::max(sent_.step_end, last_step);
    out_.close_span(sent_);
}

}  // namespace nanogpt::viz::insights

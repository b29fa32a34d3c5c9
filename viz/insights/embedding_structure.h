// embedding_structure.h: what the token embedding (wte) has organised, measured in its full
// dimension C. The 3-D picture the page draws exaggerates clusters (on the CPU demo the
// silhouette is 0.55 in the 3-D PCA but 0.10 in 128-D: docs/insights.md), so nothing here looks
// at the projection.
//
// Per frame, on the watched wte rows (all tokens for a character model; the most frequent ones
// first for BPE), at most max_rows of them (the first, i.e. the most frequent):
//   - clusters: rows centred and L2-normalised, spherical k-means (cosine), k-means++ seeding
//     with fixed seeds and several restarts per k, k in [k_min, k_max] chosen by the mean
//     silhouette on cosine distance (the largest k within 10 % of the best: cluster()).
//     Worked on the n x n cosine matrix (kernel form: a point's similarity to a cluster's
//     mean direction is sum_j S_ij / |sum_j y_j|), so each k-means pass costs n^2 whatever C
//     is; the n^2 C of the matrix itself is paid once per frame.
//     Each cluster is named by the class most of its members share: for characters vowels,
//     consonants, capitals, digits, punctuation (with whitespace), rare (the least frequent
//     fifth); for BPE by its most frequent members;
//   - nearest neighbours (cosine, full dimension) of the most frequent tokens;
//   - frequency as a direction: R^2 of the frequency rank regressed on the leading principal
//     components (PC1 alone and PC1-3), and the rank correlation of row norm with frequency.
//     ModelDesc carries the frequency order, not the counts, so ranks stand in for
//     log-frequency (on tiny Shakespeare R^2(log count ~ rank) = 0.83).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "trainer/observer.h"

namespace nanogpt::viz::insights {

enum class TokenClass { Vowel, Consonant, Capital, Digit, Punctuation, Rare, Other };
const char* token_class_name(TokenClass c);  // "vowels", "consonants", ... (plural, for labels)

struct EmbeddingCluster {
    std::vector<int> members;  // indices into the analysed rows, most frequent first
    std::string label;         // "vowels", "capitals", ..., "mixed"
    double share = 0;          // of the members in the labelling class
};

struct EmbeddingStructure {
    int n = 0, C = 0;          // rows analysed, their dimension
    int k = 0;                 // clusters chosen
    double silhouette = 0;     // mean silhouette (cosine distance) of the chosen k
    std::vector<int> labels;   // cluster of each analysed row
    std::vector<EmbeddingCluster> clusters;
    bool has_frequency = false;
    double freq_r2_pc1 = 0, freq_r2_pc3 = 0;  // R^2 of frequency rank on PC1, PC1-3
    double norm_freq_rank_corr = 0;           // Spearman: row norm vs frequency (rank 0 = most frequent)
    // For the most frequent analysed rows: their nearest neighbours (indices) and cosines.
    struct Neighbours {
        int row = 0;
        std::vector<int> rows;
        std::vector<double> cosine;
    };
    std::vector<Neighbours> neighbours;
};

struct EmbeddingOptions {
    int max_rows = 256;    // rows analysed (the first of the watched ones)
    int k_min = 2, k_max = 8;
    int restarts = 4;
    int max_iters = 25;
    int neighbours_of = 6, neighbours = 5;
};

class EmbeddingAnalyzer {
public:
    // k is the largest whose silhouette is within this share of the best k's.
    static constexpr double kSilhouetteTolerance = 0.1;

    EmbeddingAnalyzer(const ModelDesc& model, EmbeddingOptions opt = {});
    // rows: the watched wte rows (token_ids.size() rows of C floats). The result stays valid
    // until the next call; its buffers are reused (no allocation once they have grown).
    const EmbeddingStructure& analyse(const float* rows, const std::vector<int>& token_ids, int C);
    const EmbeddingStructure& result() const { return out_; }
    // The class of a token (characters only; Other for BPE or unknown text).
    TokenClass class_of(int token) const;
    bool characters() const { return characters_; }
    const std::string& text_of(int token) const;
    int rank_of(int token) const;  // frequency rank, -1 when unknown

private:
    void cluster(int n);
    double kmeans(int n, int k, uint64_t seed, std::vector<int>& labels);
    double silhouette(int n, int k, const std::vector<int>& labels);
    void frequency(int n, int C);
    void name_clusters(const std::vector<int>& token_ids);
    void nearest(int n);

    EmbeddingOptions opt_;
    bool characters_ = false;
    std::vector<int> rank_;              // by token id
    std::vector<std::string> text_;      // by token id
    std::vector<TokenClass> class_;      // by token id
    std::string empty_;
    EmbeddingStructure out_;
    // buffers
    std::vector<float> y_;       // n x C centred, normalised
    std::vector<double> xc_;     // n x C centred (PCA)
    std::vector<double> norm_;   // n: norms of the centred rows
    std::vector<double> pca_basis_;  // the leading directions of the last frame (warm start)
    std::vector<float> s_;       // n x n cosines
    std::vector<double> a_;      // n x k similarity sums
    std::vector<int> labels_, best_labels_, token_of_row_;
    std::vector<std::vector<int>> per_k_labels_;
    std::vector<double> per_k_silhouette_;
};

}  // namespace nanogpt::viz::insights

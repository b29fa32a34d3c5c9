// embedding_structure.cpp: clusters, neighbours and the frequency direction of the token
// embedding in full dimension (embedding_structure.h).
#include "viz/insights/embedding_structure.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/counter_rng.h"

namespace nanogpt::viz::insights {

const char* token_class_name(TokenClass c) {
    switch (c) {
        case TokenClass::Vowel: return "vowels";
        case TokenClass::Consonant: return "consonants";
        case TokenClass::Capital: return "capitals";
        case TokenClass::Digit: return "digits";
        case TokenClass::Punctuation: return "punctuation";
        case TokenClass::Rare: return "rare";
        case TokenClass::Other: return "other";
    }
    return "other";
}

namespace {

TokenClass class_of_char(unsigned char ch) {
    if (ch >= '0' && ch <= '9') return TokenClass::Digit;
    if (ch >= 'A' && ch <= 'Z') return TokenClass::Capital;
    if (ch >= 'a' && ch <= 'z')
        return (ch == 'a' || ch == 'e' || ch == 'i' || ch == 'o' || ch == 'u') ? TokenClass::Vowel : TokenClass::Consonant;
    if (ch < 128) return TokenClass::Punctuation;  // punctuation and whitespace
    return TokenClass::Other;
}

// Ranks 0..n-1 of v (ties by index), into r.
void ranks_of(const std::vector<double>& v, std::vector<double>& r) {
    std::vector<int> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return v[a] < v[b]; });
    r.assign(v.size(), 0.0);
    for (size_t i = 0; i < idx.size(); i++) r[idx[i]] = (double)i;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
    const size_t n = x.size();
    if (n < 3) return 0;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) mx += x[i], my += y[i];
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

}  // namespace

EmbeddingAnalyzer::EmbeddingAnalyzer(const ModelDesc& model, EmbeddingOptions opt) : opt_(opt) {
    const int V = model.V;
    rank_.assign(V, -1);
    for (size_t r = 0; r < model.tokens_by_frequency.size(); r++) {
        const int t = model.tokens_by_frequency[r];
        if (t >= 0 && t < V && rank_[t] < 0) rank_[t] = (int)r;
    }
    text_.assign(V, "");
    for (int t = 0; t < V && t < (int)model.token_text.size(); t++) text_[t] = model.token_text[t];
    // A character model: every token one byte of text (GPT-2's BPE has 50257 multi-byte ones).
    characters_ = V <= 256 && !model.token_text.empty();
    for (int t = 0; t < V && characters_; t++) characters_ = text_[t].size() == 1;
    class_.assign(V, TokenClass::Other);
    const int ranked = (int)model.tokens_by_frequency.size();
    for (int t = 0; t < V && characters_; t++) {
        class_[t] = class_of_char((unsigned char)text_[t][0]);
        // The least frequent fifth of the tokens that occur: on tiny Shakespeare
        // $ & 3 X Z Q J z x q j V P, almost always wrong answers (docs/insights.md).
        if (rank_[t] >= 0 && ranked >= 10 && rank_[t] >= ranked - ranked / 5) class_[t] = TokenClass::Rare;
    }
}

TokenClass EmbeddingAnalyzer::class_of(int token) const {
    return token >= 0 && token < (int)class_.size() ? class_[token] : TokenClass::Other;
}
const std::string& EmbeddingAnalyzer::text_of(int token) const {
    return token >= 0 && token < (int)text_.size() ? text_[token] : empty_;
}
int EmbeddingAnalyzer::rank_of(int token) const {
    return token >= 0 && token < (int)rank_.size() ? rank_[token] : -1;
}

const EmbeddingStructure& EmbeddingAnalyzer::analyse(const float* rows, const std::vector<int>& token_ids, int C) {
    const int n = std::min((int)token_ids.size(), opt_.max_rows);
    out_.n = n;
    out_.C = C;
    out_.k = 0;
    out_.silhouette = 0;
    out_.clusters.clear();
    out_.neighbours.clear();
    out_.has_frequency = false;
    if (n < 2 * opt_.k_min || C < 1) return out_;
    token_of_row_.assign(token_ids.begin(), token_ids.begin() + n);
    // Centre on the mean row, keep the centred rows for the PCA, normalise for the cosines.
    xc_.assign((size_t)n * C, 0.0);
    y_.assign((size_t)n * C, 0.0f);
    norm_.assign(n, 0.0);
    std::vector<double> mean(C, 0.0);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < C; c++) mean[c] += rows[(size_t)i * C + c];
    for (int c = 0; c < C; c++) mean[c] /= n;
    for (int i = 0; i < n; i++) {
        double norm = 0;
        for (int c = 0; c < C; c++) {
            const double x = rows[(size_t)i * C + c] - mean[c];
            xc_[(size_t)i * C + c] = x;
            norm += x * x;
        }
        norm_[i] = std::sqrt(norm);
        const double inv = norm > 0 ? 1.0 / norm_[i] : 0.0;
        for (int c = 0; c < C; c++) y_[(size_t)i * C + c] = (float)(xc_[(size_t)i * C + c] * inv);
    }
    // The cosine matrix: the one n^2 C product of the frame.
    s_.assign((size_t)n * n, 0.0f);
    for (int i = 0; i < n; i++) {
        const float* yi = y_.data() + (size_t)i * C;
        for (int j = 0; j <= i; j++) {
            const float* yj = y_.data() + (size_t)j * C;
            float dot = 0;
#pragma omp simd reduction(+ : dot)
            for (int c = 0; c < C; c++) dot += yi[c] * yj[c];
            s_[(size_t)i * n + j] = s_[(size_t)j * n + i] = dot;
        }
    }
    cluster(n);
    name_clusters(token_ids);
    nearest(n);
    frequency(n, C);
    // Row norms vs frequency (uncentred rows: what the page colours by).
    {
        std::vector<double> norm, freq;
        for (int i = 0; i < n; i++) {
            const int r = rank_of(token_of_row_[i]);
            if (r < 0) continue;
            double s = 0;
            for (int c = 0; c < C; c++) s += (double)rows[(size_t)i * C + c] * rows[(size_t)i * C + c];
            norm.push_back(std::sqrt(s));
            freq.push_back(-(double)r);  // higher = more frequent
        }
        if (norm.size() >= 10) {
            std::vector<double> rn, rf;
            ranks_of(norm, rn);
            ranks_of(freq, rf);
            out_.norm_freq_rank_corr = pearson(rn, rf);
        }
    }
    return out_;
}

// Spherical k-means on the cosine matrix, from k-means++ seeds; returns the objective
// sum_c |sum_{i in c} y_i| (the sum of each point's cosine to its cluster's mean direction).
double EmbeddingAnalyzer::kmeans(int n, int k, uint64_t seed, std::vector<int>& labels) {
    const float* S = s_.data();
    // k-means++: the first seed at random, then each with probability ~ D^2, D = 1 - cosine to
    // the nearest seed so far.
    std::vector<int> seeds;
    std::vector<double> d2(n, 0.0);
    seeds.push_back((int)(rng_at(seed, 0) % (uint64_t)n));
    for (int i = 0; i < n; i++) {
        const double d = 1.0 - S[(size_t)i * n + seeds[0]];
        d2[i] = d * d;
    }
    for (int c = 1; c < k; c++) {
        double total = 0;
        for (double v : d2) total += v;
        int pick = 0;
        if (total > 0) {
            double u = uniform_at(seed, (uint64_t)c) * total;
            for (pick = 0; pick < n - 1; pick++) {
                u -= d2[pick];
                if (u <= 0) break;
            }
        } else {
            pick = (int)(rng_at(seed, (uint64_t)c) % (uint64_t)n);
        }
        seeds.push_back(pick);
        for (int i = 0; i < n; i++) {
            const double d = 1.0 - S[(size_t)i * n + pick];
            d2[i] = std::min(d2[i], d * d);
        }
    }
    labels.assign(n, 0);
    for (int i = 0; i < n; i++) {
        int best = 0;
        for (int c = 1; c < k; c++)
            if (S[(size_t)i * n + seeds[c]] > S[(size_t)i * n + seeds[best]]) best = c;
        labels[i] = best;
    }
    a_.assign((size_t)n * k, 0.0);
    std::vector<double> len(k, 0.0);
    std::vector<int> size(k, 0);
    double objective = 0;
    for (int it = 0; it <= opt_.max_iters; it++) {
        // a[i][c] = sum_{j in c} S_ij; |sum_{j in c} y_j|^2 = sum_{i in c} a[i][c].
        std::fill(a_.begin(), a_.end(), 0.0);
        for (int i = 0; i < n; i++) {
            const float* si = S + (size_t)i * n;
            double* ai = a_.data() + (size_t)i * k;
            for (int j = 0; j < n; j++) ai[labels[j]] += si[j];
        }
        std::fill(len.begin(), len.end(), 0.0);
        std::fill(size.begin(), size.end(), 0);
        for (int i = 0; i < n; i++) {
            len[labels[i]] += a_[(size_t)i * k + labels[i]];
            size[labels[i]]++;
        }
        objective = 0;
        for (int c = 0; c < k; c++) {
            len[c] = std::sqrt(std::max(len[c], 0.0));
            objective += len[c];
        }
        if (it == opt_.max_iters) break;
        bool changed = false;
        for (int i = 0; i < n; i++) {
            int best = labels[i];
            double best_score = len[best] > 0 ? a_[(size_t)i * k + best] / len[best] : -1e30;
            for (int c = 0; c < k; c++) {
                if (len[c] <= 0) continue;
                const double score = a_[(size_t)i * k + c] / len[c];
                if (score > best_score + 1e-12) {
                    best_score = score;
                    best = c;
                }
            }
            if (best != labels[i] && size[labels[i]] > 1) {
                size[labels[i]]--;
                size[best]++;
                labels[i] = best;
                changed = true;
            }
        }
        if (!changed) break;
    }
    return objective;
}

// Mean silhouette on cosine distance: s(i) = (b - a) / max(a, b), a the mean distance to i's
// own cluster, b to the nearest other; 0 for a cluster of one.
double EmbeddingAnalyzer::silhouette(int n, int k, const std::vector<int>& labels) {
    std::vector<double> sum(k);
    std::vector<int> size(k, 0);
    for (int i = 0; i < n; i++) size[labels[i]]++;
    double total = 0;
    for (int i = 0; i < n; i++) {
        std::fill(sum.begin(), sum.end(), 0.0);
        const float* si = s_.data() + (size_t)i * n;
        for (int j = 0; j < n; j++)
            if (j != i) sum[labels[j]] += 1.0 - si[j];
        const int own = labels[i];
        if (size[own] <= 1) continue;
        const double a = sum[own] / (size[own] - 1);
        double b = 1e30;
        for (int c = 0; c < k; c++)
            if (c != own && size[c] > 0) b = std::min(b, sum[c] / size[c]);
        if (b >= 1e30) continue;
        const double m = std::max(a, b);
        if (m > 0) total += (b - a) / m;
    }
    return total / n;
}

// k by the silhouette: the largest k whose silhouette is within kSilhouetteTolerance of the
// best. Silhouettes favour coarse partitions, and near-ties are within what k-means restarts
// vary by; on the CPU demo at step 2000 k = 3 scores 0.191 and k = 5 0.174, and only k = 5
// separates vowels from consonants and punctuation from rare characters.
void EmbeddingAnalyzer::cluster(int n) {
    const int k_hi = std::min(opt_.k_max, n / 2);
    per_k_labels_.resize(std::max(k_hi - opt_.k_min + 1, 0));
    per_k_silhouette_.assign(per_k_labels_.size(), -2.0);
    double best_sil = -2;
    for (int k = opt_.k_min; k <= k_hi; k++) {
        double best_obj = -1;
        for (int r = 0; r < opt_.restarts; r++) {
            const double obj = kmeans(n, k, derive_seed(0xC1057E5, (uint64_t)k, (uint64_t)r), labels_);
            if (obj > best_obj) {
                best_obj = obj;
                std::swap(best_labels_, labels_);
            }
        }
        const double sil = silhouette(n, k, best_labels_);
        per_k_silhouette_[k - opt_.k_min] = sil;
        std::swap(per_k_labels_[k - opt_.k_min], best_labels_);
        best_sil = std::max(best_sil, sil);
    }
    out_.k = 0;
    out_.silhouette = 0;
    for (int k = k_hi; k >= opt_.k_min; k--) {
        const double sil = per_k_silhouette_[k - opt_.k_min];
        if (sil >= best_sil - kSilhouetteTolerance * std::fabs(best_sil)) {
            out_.k = k;
            out_.silhouette = sil;
            out_.labels = per_k_labels_[k - opt_.k_min];
            break;
        }
    }
}

void EmbeddingAnalyzer::name_clusters(const std::vector<int>& token_ids) {
    out_.clusters.assign(out_.k, {});
    for (int i = 0; i < out_.n; i++) out_.clusters[out_.labels[i]].members.push_back(i);
    for (EmbeddingCluster& c : out_.clusters) {
        auto rank_or_last = [&](int row) {
            const int r = rank_of(token_ids[row]);
            return r < 0 ? 1 << 30 : r;
        };
        std::stable_sort(c.members.begin(), c.members.end(),
                         [&](int a, int b) { return rank_or_last(a) < rank_or_last(b); });
        if (!characters_) {
            c.label = "";
            c.share = 0;
            continue;
        }
        int count[7] = {};
        for (int m : c.members) count[(int)class_of(token_ids[m])]++;
        const int best = (int)(std::max_element(count, count + 7) - count);
        c.share = c.members.empty() ? 0 : (double)count[best] / c.members.size();
        c.label = c.share >= 0.5 ? token_class_name((TokenClass)best) : "mixed";
    }
    // Largest clusters first, so the explanation reads in order of size.
    std::stable_sort(out_.clusters.begin(), out_.clusters.end(),
                     [](const EmbeddingCluster& a, const EmbeddingCluster& b) { return a.members.size() > b.members.size(); });
}

void EmbeddingAnalyzer::nearest(int n) {
    std::vector<int> by_rank(n);
    std::iota(by_rank.begin(), by_rank.end(), 0);
    std::stable_sort(by_rank.begin(), by_rank.end(), [&](int a, int b) {
        const int ra = rank_of(token_of_row_[a]), rb = rank_of(token_of_row_[b]);
        return (ra < 0 ? 1 << 30 : ra) < (rb < 0 ? 1 << 30 : rb);
    });
    const int count = std::min(opt_.neighbours_of, n);
    std::vector<int> order(n);
    for (int q = 0; q < count; q++) {
        const int i = by_rank[q];
        const float* si = s_.data() + (size_t)i * n;
        std::iota(order.begin(), order.end(), 0);
        const int keep = std::min(opt_.neighbours + 1, n);
        std::partial_sort(order.begin(), order.begin() + keep, order.end(),
                          [&](int a, int b) { return si[a] > si[b] || (si[a] == si[b] && a < b); });
        EmbeddingStructure::Neighbours nb;
        nb.row = i;
        for (int j = 0; j < keep && (int)nb.rows.size() < opt_.neighbours; j++) {
            if (order[j] == i) continue;
            nb.rows.push_back(order[j]);
            nb.cosine.push_back(si[order[j]]);
        }
        out_.neighbours.push_back(std::move(nb));
    }
}

// PCA of the centred rows with a known frequency rank, by subspace iteration on their n x n
// Gram matrix (whose top eigenvectors are the principal-component scores, up to scale, and are
// orthogonal to the constant vector because the rows are centred: so R^2 of a regression on
// them is the sum of squared projections of the centred target).
void EmbeddingAnalyzer::frequency(int n, int C) {
    std::vector<int> idx;
    for (int i = 0; i < n; i++)
        if (rank_of(token_of_row_[i]) >= 0) idx.push_back(i);
    const int m = (int)idx.size();
    if (m < 10) return;
    std::vector<double> g((size_t)m * m);
    if (m == n) {
        // Every row ranked: the Gram matrix of the centred rows is the cosine matrix scaled by
        // their norms, no second n^2 C product.
        for (int a = 0; a < m; a++)
            for (int b = 0; b < m; b++) g[(size_t)a * m + b] = norm_[a] * norm_[b] * s_[(size_t)a * n + b];
    } else {
        // Re-centre on the ranked rows only.
        std::vector<double> x((size_t)m * C), mean(C, 0.0);
        for (int a = 0; a < m; a++)
            for (int c = 0; c < C; c++) mean[c] += xc_[(size_t)idx[a] * C + c];
        for (int c = 0; c < C; c++) mean[c] /= m;
        for (int a = 0; a < m; a++)
            for (int c = 0; c < C; c++) x[(size_t)a * C + c] = xc_[(size_t)idx[a] * C + c] - mean[c];
        for (int a = 0; a < m; a++)
            for (int b = 0; b <= a; b++) {
                double dot = 0;
                const double* xa = x.data() + (size_t)a * C;
                const double* xb = x.data() + (size_t)b * C;
#pragma omp simd reduction(+ : dot)
                for (int c = 0; c < C; c++) dot += xa[c] * xb[c];
                g[(size_t)a * m + b] = g[(size_t)b * m + a] = dot;
            }
    }
    const int p = std::min(4, m);  // three wanted, one spare to speed the third's convergence
    // Warm-started from the last frame's directions (the rows keep their identity across
    // frames): a few iterations follow them; a fresh start takes more.
    std::vector<double>& q = pca_basis_;
    int iters = 8;
    if (q.size() != (size_t)p * m) {
        q.resize((size_t)p * m);
        for (int v = 0; v < p; v++)
            for (int a = 0; a < m; a++) q[(size_t)v * m + a] = uniform_at(0xF2E9, (uint64_t)(v * m + a)) - 0.5;
        iters = 60;
    }
    std::vector<double> z((size_t)p * m);
    for (int it = 0; it < iters; it++) {
        for (int v = 0; v < p; v++)
            for (int a = 0; a < m; a++) {
                double s = 0;
                for (int b = 0; b < m; b++) s += g[(size_t)a * m + b] * q[(size_t)v * m + b];
                z[(size_t)v * m + a] = s;
            }
        // Gram-Schmidt, in order: the columns converge to the top eigenvectors.
        for (int v = 0; v < p; v++) {
            double* zv = z.data() + (size_t)v * m;
            for (int w = 0; w < v; w++) {
                const double* zw = z.data() + (size_t)w * m;
                double d = 0;
                for (int a = 0; a < m; a++) d += zv[a] * zw[a];
                for (int a = 0; a < m; a++) zv[a] -= d * zw[a];
            }
            double nn = 0;
            for (int a = 0; a < m; a++) nn += zv[a] * zv[a];
            nn = nn > 0 ? 1.0 / std::sqrt(nn) : 0.0;
            for (int a = 0; a < m; a++) zv[a] *= nn;
        }
        std::swap(q, z);
    }
    // The target: frequency rank among these rows, centred.
    std::vector<double> r(m), y;
    for (int a = 0; a < m; a++) r[a] = rank_of(token_of_row_[idx[a]]);
    ranks_of(r, y);
    double my = 0, yy = 0;
    for (double v : y) my += v;
    my /= m;
    for (double& v : y) {
        v -= my;
        yy += v * v;
    }
    if (yy <= 0) return;
    double proj[4] = {};
    for (int v = 0; v < std::min(p, 3); v++) {
        double d = 0;
        for (int a = 0; a < m; a++) d += q[(size_t)v * m + a] * y[a];
        proj[v] = d * d / yy;
    }
    out_.has_frequency = true;
    out_.freq_r2_pc1 = proj[0];
    out_.freq_r2_pc3 = proj[0] + proj[1] + proj[2];
}

}  // namespace nanogpt::viz::insights

// embedding_insights.h: when the token embedding's structure (embedding_structure.h) becomes
// an insight. Clusters are a span on "wte": opened when the full-dimensional silhouette rises
// clearly above the one the run started with, re-sent when the grouping changes, closed if the
// structure dissolves; the members of each group are in the explanation. The frequency
// direction is a point event, once, when the frequency rank becomes readable from the leading
// principal components. Thresholds and why: docs/insights.md ("Parameters").
#pragma once
#include <string>
#include <vector>

#include "viz/insights/embedding_structure.h"
#include "viz/insights/emitter.h"

namespace nanogpt::viz::insights {

class EmbeddingInsights {
public:
    // Thresholds (calibrated on the CPU demo: docs/insights.md).
    static constexpr double kSilhouetteFloor = 0.05;   // absolute, full dimension
    static constexpr double kSilhouetteMargin = 0.03;  // above the first frame's
    static constexpr double kRegroupShare = 0.10;      // share of token pairs whose togetherness changed
    static constexpr int kRegroupFrames = 5;           // at most one regrouping note per this many frames
    static constexpr double kFrequencyR2 = 0.6;        // frequency rank on PC1-3

    EmbeddingInsights(const ModelDesc& model, Emitter& out, EmbeddingOptions opt = {});
    void observe(int step, const float* rows, const std::vector<int>& token_ids, int C);
    void finish(int last_step);
    // The last analysis (tests, and the page's highlight of a cluster).
    const EmbeddingStructure& last() const { return analyzer_.result(); }

private:
    Insight describe(int step, const EmbeddingStructure& e, const std::vector<int>& token_ids) const;
    std::string display(int token) const;

    EmbeddingAnalyzer analyzer_;
    Emitter& out_;
    double baseline_ = -1;  // silhouette at the first frame
    int hits_ = 0, misses_ = 0, since_sent_ = 0;
    bool open_ = false, frequency_sent_ = false;
    int open_step_ = 0;
    std::vector<int> sent_labels_;
    Insight sent_;
};

}  // namespace nanogpt::viz::insights

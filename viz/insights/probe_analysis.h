// probe_analysis.h: what the probe's activations say: per layer and head attention entropy
// (collapse), previous-token and induction scores, dead or saturated MLP units, the in-context
// gain of the loss. Also builds the probe request (which sequences). Formulas and thresholds:
// docs/insights.md, section Probe; the scores on the wire: docs/protocol.md, section Probe.
#pragma once
#include <memory>
#include <vector>

#include "trainer/observer.h"
#include "viz/insights/engine.h"

namespace nanogpt::viz::insights {

class Emitter;

// The probe's rows: up to kProbeMaxValRows rows of validation text (as many as fit in one
// training batch beside the last row, so the probe never grows the model's activation
// buffers), then one random sequence of T/2 tokens repeated twice (the induction test of
// Olsson et al. 2022). The record shows two of them: the first text row and the repeat row.
inline constexpr int kProbeMaxValRows = 8;
inline constexpr int kProbeShownRows = 2;
// The attention patterns of every head on the two shown rows must fit in this (int8, causal
// triangles packed), leaving room in a 1 MiB message for the header and the MLP unit shares.
inline constexpr size_t kProbeAttentionBudget = 768 * 1024;

// The probe's length for a model of `heads` = L*NH heads and this block size: the largest of
// 128, 64, 32, 16 at most block_size whose patterns fit kProbeAttentionBudget (block_size
// itself, made even, below 16); 0 when no probe fits (block_size < 4).
int probe_length(int heads, int block_size);

// Validation rows for a probe of length T: batch_size * block_size / T - 1 (the probe's B*T
// stays within a training batch), between 1 and kProbeMaxValRows; 2 when the batch is unknown.
int probe_val_rows(int batch_size, int block_size, int T);

// Fills `request` with the probe to run at `step` (an evaluation): B, T, the token rows the
// watcher chooses (the repeated random sequence) and how many rows the trainer fills from the
// validation split. The same rows at every step of a run. False: no probe for this model.
bool make_probe_request(const ModelDesc& model, const RunInfo& run, int step, ProbeRequest& request);

// ---- the scores of one pattern: att is one head's (T, T) probabilities of one row, row-major
// (query, key), zeros above the diagonal.
// Mean over queries t >= 1 of -sum_k p log p / ln(t + 1): 1 uniform over the past, 0 one key.
float attention_entropy(const float* att, int T);
// Mean over t >= 1 of p[t][t-1].
float previous_token_score(const float* att, int T);
// Mean over t >= 1 of p[t][0] (an "attention sink" parks its attention on the first token).
float first_token_score(const float* att, int T);
// On a row whose tokens repeat with period R: mean over t in [R, T) of p[t][t-R+1], the
// attention on the token after the previous occurrence of the current one. NaN when R < 1 or
// R >= T.
float induction_score(const float* att, int T, int R);
// The smallest period R in [1, T/2] with tokens[t] == tokens[t-R] for every t >= R; 0 if none.
int repeat_period(const int* tokens, int T);

// Everything one probe measured (the `probe` message and the record carry it).
struct ProbeScores {
    int step = 0, B = 0, T = 0, L = 0, NH = 0, units = 0;  // units: MLP units per layer (4C)
    int val_rows = 0;       // rows 0..val_rows-1 are validation text
    int repeat_row = -1;    // the first row that repeats with period R (-1: none)
    int R = 0;
    double ms = 0;          // the probe's cost on the training thread
    // Per head, index l*NH + h: over the validation rows (induction: over the repeating rows).
    std::vector<float> entropy, prev_token, first_token, induction;
    // Per layer: units positive before GELU on < 1 % / > 99 % of the validation tokens.
    std::vector<int> dead, saturated;
    // (L, units): share of the validation tokens on which each unit is positive.
    std::vector<float> active_share;
    // Mean next-token losses (nats), NaN when a range is empty: the validation rows (last
    // column excluded); the same tokens read with a short context (positions [T/8, T/2-1) of the
    // second row of each overlapping pair) and a long one (T/2 later in the first row), and
    // short - long: the in-context gain; the repeat row's first copy (positions 0..R-2) and
    // second (R..2R-2).
    float loss_text = 0, loss_early = 0, loss_late = 0, in_context_gain = 0;
    float repeat_first = 0, repeat_second = 0;
};
// Throws nanogpt::Error when the result's arrays do not match its shape.
ProbeScores score_probe(const ProbeResult& p);

// The thresholds (docs/insights.md, Probe; calibrated on the demo run).
struct ProbeThresholds {
    float collapse_entropy = 0.1f;     // a head below this normalised entropy has collapsed
    float prev_token_on = 0.4f, prev_token_off = 0.3f;  // hysteresis: open above on, close below off
    float induction_on = 0.3f, induction_off = 0.2f;
    float dead_share = 0.01f, saturated_share = 0.99f;  // of the validation tokens, over the window
    int unit_window = 3;               // probes a unit must stay dead (or saturated) for
    float dead_layer_fraction = 0.05f; // of a layer's units, to raise DeadUnits
};

class ProbeAnalysis {
public:
    ProbeAnalysis(const ModelDesc& model, const RunInfo& run, Emitter& out,
                  ProbeThresholds thresholds = ProbeThresholds{});
    ~ProbeAnalysis();
    void observe(const ProbeResult& p);
    void finish(int last_step);

private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace nanogpt::viz::insights

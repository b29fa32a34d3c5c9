// probe_analysis.cpp: the probe's request, its scores and the insights drawn from them
// (contract in probe_analysis.h; rules and why in docs/insights.md, section Probe).
#include "viz/insights/probe_analysis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <string>
#include <utility>

#include "common/counter_rng.h"
#include "common/error.h"
#include "viz/insights/emitter.h"

namespace nanogpt::viz::insights {

namespace {

constexpr float kNaN = NAN;
constexpr uint64_t kRepeatSeed = 0x70726F6265ull;  // "probe": the repeated row is fixed for all runs
constexpr int kRepeatPool = 2048;                  // drawn from the most frequent tokens

size_t att_bytes(int heads, int T) { return (size_t)heads * kProbeShownRows * T * (T + 1) / 2; }

// Mean of f over [lo, hi) of values[row*T + t]; NaN when the range is empty.
template <typename F>
float mean_over(int lo, int hi, F&& f) {
    double sum = 0;
    int n = 0;
    for (int i = lo; i < hi; i++, n++) sum += f(i);
    return n > 0 ? (float)(sum / n) : kNaN;
}

}  // namespace

int probe_length(int heads, int block_size) {
    if (heads <= 0 || block_size < 4) return 0;
    if (block_size < 16) return block_size / 2 * 2;
    for (int T : {128, 64, 32})
        if (T <= block_size && att_bytes(heads, T) <= kProbeAttentionBudget) return T;
    return 16;  // the record then shows a subset of the layers (probe_record.h)
}

int probe_val_rows(int batch_size, int block_size, int T) {
    if (batch_size <= 0 || block_size <= 0 || T <= 0) return 2;
    const long long fit = (long long)batch_size * block_size / T - 1;
    return (int)std::clamp<long long>(fit, 1, kProbeMaxValRows);
}

bool make_probe_request(const ModelDesc& model, const RunInfo& run, int step, ProbeRequest& request) {
    const int block = run.block_size > 0 ? std::min(run.block_size, model.maxT) : model.maxT;
    const int T = probe_length(model.L * model.NH, block);
    if (T == 0 || model.V < 2) return false;
    request.step = step;
    const int val_rows = probe_val_rows(run.batch_size, block, T);
    request.B = val_rows + 1;
    request.T = T;
    request.val_sequences = val_rows;
    request.tokens.assign((size_t)request.B * T, 0);
    // The repeated row: R distinct tokens (a partial Fisher-Yates shuffle of the pool with
    // counter-based draws), then the same R again.
    std::vector<int> pool;
    for (int id : model.tokens_by_frequency)
        if (id >= 0 && id < model.V && (int)pool.size() < kRepeatPool) pool.push_back(id);
    if ((int)pool.size() < T / 2) {
        pool.resize(std::min(model.V, kRepeatPool));
        std::iota(pool.begin(), pool.end(), 0);
    }
    const int R = T / 2;
    int* row = request.tokens.data() + (size_t)val_rows * T;
    for (int i = 0; i < R; i++) {
        const size_t pick = i + rng_at(kRepeatSeed, (uint64_t)i) % (uint64_t)(pool.size() - i);
        std::swap(pool[i], pool[pick]);
        row[i] = row[i + R] = pool[i];
    }
    return true;
}

// ---- scores of one pattern

float attention_entropy(const float* att, int T) {
    return mean_over(1, T, [&](int t) {
        const float* p = att + (size_t)t * T;
        double h = 0;
        for (int k = 0; k <= t; k++)
            if (p[k] > 0) h -= p[k] * std::log((double)p[k]);
        return h / std::log((double)t + 1);
    });
}

float previous_token_score(const float* att, int T) {
    return mean_over(1, T, [&](int t) { return att[(size_t)t * T + t - 1]; });
}

float first_token_score(const float* att, int T) {
    return mean_over(1, T, [&](int t) { return att[(size_t)t * T]; });
}

float induction_score(const float* att, int T, int R) {
    if (R < 1 || R >= T) return kNaN;
    return mean_over(R, T, [&](int t) { return att[(size_t)t * T + t - R + 1]; });
}

int repeat_period(const int* tokens, int T) {
    for (int R = 1; R <= T / 2; R++) {
        bool periodic = true;
        for (int t = R; t < T && periodic; t++) periodic = tokens[t] == tokens[t - R];
        if (periodic) return R;
    }
    return 0;
}

ProbeScores score_probe(const ProbeResult& p) {
    const size_t B = p.B, T = p.T, L = p.L, NH = p.NH, U = 4 * (size_t)p.C;
    if (p.tokens.size() != B * T || p.att.size() != L * B * NH * T * T || p.fc_pre.size() != L * B * T * U ||
        p.losses.size() != B * T || T < 2)
        throw Error("probe result of step " + std::to_string(p.step) + " does not match its shape B=" +
                    std::to_string(B) + " T=" + std::to_string(T) + " L=" + std::to_string(L));
    ProbeScores s;
    s.step = p.step;
    s.B = p.B;
    s.T = p.T;
    s.L = p.L;
    s.NH = p.NH;
    s.units = (int)U;
    s.ms = p.ms;
    s.val_rows = std::clamp(p.val_sequences, 0, p.B);
    for (int b = s.val_rows; b < p.B && s.repeat_row < 0; b++)
        if (int R = repeat_period(p.tokens.data() + b * T, p.T)) {
            s.repeat_row = b;
            s.R = R;
        }
    auto pattern = [&](size_t l, size_t b, size_t h) { return p.att.data() + ((l * B + b) * NH + h) * T * T; };
    s.entropy.resize(L * NH);
    s.prev_token.resize(L * NH);
    s.first_token.resize(L * NH);
    s.induction.assign(L * NH, kNaN);
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < NH; h++) {
            const size_t i = l * NH + h;
            s.entropy[i] = mean_over(0, s.val_rows, [&](int b) { return attention_entropy(pattern(l, b, h), p.T); });
            s.prev_token[i] = mean_over(0, s.val_rows, [&](int b) { return previous_token_score(pattern(l, b, h), p.T); });
            s.first_token[i] = mean_over(0, s.val_rows, [&](int b) { return first_token_score(pattern(l, b, h), p.T); });
            if (s.repeat_row >= 0) s.induction[i] = induction_score(pattern(l, s.repeat_row, h), p.T, s.R);
        }
    // MLP units over the validation tokens.
    s.active_share.assign(L * U, 0.0f);
    s.dead.assign(L, 0);
    s.saturated.assign(L, 0);
    const size_t tokens = (size_t)s.val_rows * T;
    for (size_t l = 0; l < L && tokens > 0; l++) {
        float* share = s.active_share.data() + l * U;
        for (size_t bt = 0; bt < tokens; bt++) {
            const float* x = p.fc_pre.data() + (l * B * T + bt) * U;
            for (size_t u = 0; u < U; u++) share[u] += x[u] > 0.0f ? 1.0f : 0.0f;
        }
        for (size_t u = 0; u < U; u++) {
            share[u] /= (float)tokens;
            s.dead[l] += share[u] < 0.01f;
            s.saturated[l] += share[u] > 0.99f;
        }
    }
    // Losses. Position t's loss is of token t+1; the last column has none.
    auto val_loss_at = [&](int lo, int hi) {
        return mean_over(0, s.val_rows, [&](int b) {
            return mean_over(lo, hi, [&](int t) { return p.losses[b * T + t]; });
        });
    };
    s.loss_text = val_loss_at(0, p.T - 1);
    // In-context gain on the same tokens: in a pair of rows whose second starts T/2 later
    // (trainer/probe.h; checked on the tokens), positions j in [T/8, T/2 - 1) of the second row
    // hold the tokens of positions T/2 + j of the first: read with a short and a long context
    // (T/2 tokens more; the last column has no loss).
    const int half = p.T / 2, lo = p.T / 8, hi = half - 1;
    double early = 0, late = 0;
    int n = 0;
    for (int b = 0; b + 1 < s.val_rows; b += 2) {
        const int* first = p.tokens.data() + b * T;
        const int* second = first + T;
        if (!std::equal(second, second + (p.T - half), first + half)) continue;
        for (int j = lo; j < hi; j++, n++) {
            early += p.losses[(b + 1) * T + j];
            late += p.losses[b * T + half + j];
        }
    }
    s.loss_early = n ? (float)(early / n) : kNaN;
    s.loss_late = n ? (float)(late / n) : kNaN;
    s.in_context_gain = s.loss_early - s.loss_late;
    s.repeat_first = s.repeat_second = kNaN;
    if (s.repeat_row >= 0) {
        const float* row = p.losses.data() + s.repeat_row * T;
        s.repeat_first = mean_over(0, s.R - 1, [&](int t) { return row[t]; });
        s.repeat_second = mean_over(s.R, std::min(2 * s.R - 1, p.T - 1), [&](int t) { return row[t]; });
    }
    return s;
}

// ---- the insights

namespace {

std::string percent(double share) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f %%", 100.0 * share);
    return text;
}

std::string fixed(double v, int digits = 2) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", digits, v);
    return text;
}

// What a head attending evenly to the past puts on any one key, averaged over queries t >= 1.
double uniform_share(int T) {
    return mean_over(1, T, [](int t) { return 1.0 / (t + 1); });
}

std::string head_name(int l, int h) { return std::to_string(l) + "." + std::to_string(h); }

}  // namespace

struct ProbeAnalysis::State {
    ModelDesc model;
    Emitter& out;
    ProbeThresholds th;
    // Open spans by (kind, subject), with the content last sent (closing sends it once more).
    std::map<std::pair<Kind, std::string>, Insight> open;
    // The MLP units' positive counts over the last unit_window probes (a ring), and the tokens
    // each counted.
    std::vector<std::vector<int>> positives;
    std::vector<int> counted;
    int probes = 0;

    State(const ModelDesc& m, Emitter& o, ProbeThresholds t) : model(m), out(o), th(t) {}

    // Opens or extends the span of `in` (its step_start is kept from the first probe it held).
    void hold(Insight in) {
        const auto key = std::make_pair(in.kind, in.subject);
        auto it = open.find(key);
        if (it != open.end()) in.step_start = it->second.step_start;
        out.update_span(in);
        open[key] = std::move(in);
    }
    void release(Kind kind, const std::string& subject) {
        auto it = open.find(std::make_pair(kind, subject));
        if (it == open.end()) return;
        out.close_span(it->second);
        open.erase(it);
    }
    // Hysteresis: a closed span of (kind, subject) opens when `start` holds, an open one stays
    // while `stay` holds; otherwise it is closed. True while the span holds.
    bool holds(Kind kind, const std::string& subject, bool start, bool stay) {
        const bool on = open.count(std::make_pair(kind, subject)) ? stay : start;
        if (!on) release(kind, subject);
        return on;
    }

    Insight base(Kind kind, const ProbeScores& s, std::string subject, Severity severity) const {
        Insight in;
        in.kind = kind;
        in.step_start = in.step_end = s.step;
        in.severity = severity;
        in.subject = std::move(subject);
        return in;
    }

    void previous_token(const ProbeScores& s, int l, int h) {
        const int i = l * s.NH + h;
        const std::string subject = "head:" + head_name(l, h);
        const float x = s.prev_token[i];
        if (!holds(Kind::PreviousTokenHead, subject, x > th.prev_token_on, x >= th.prev_token_off)) return;
        Insight in = base(Kind::PreviousTokenHead, s, subject, Severity::Info);
        in.title = "Head " + head_name(l, h) + " reads the previous token";
        in.evidence = {{"layer", l}, {"head", h}, {"prev_token", x}, {"entropy", s.entropy[i]},
                       {"threshold", th.prev_token_on}};
        in.explanation = "On the probe's validation text, head " + std::to_string(h) + " of layer " +
                         std::to_string(l) + " puts " + percent(x) +
                         " of its attention on the token just before the current one (a head that spreads its "
                         "attention evenly over the past would put " + percent(uniform_share(s.T)) +
                         " there on this text). It is a previous-token head: it copies what came one step earlier into the "
                         "current position, so the layers above can use two tokens at once (like a bigram "
                         "table), and it is the first half of an induction circuit.";
        in.causes = {"Learned, not a fault: the position embeddings make \"one step back\" easy to find, and the "
                     "previous token is the most useful single clue for the next one."};
        in.tries = {"Compare with the induction scores of heads in later layers: an induction head needs a "
                    "previous-token head below it (Olsson et al. 2022)."};
        hold(std::move(in));
    }

    void induction(const ProbeScores& s, int l, int h) {
        const int i = l * s.NH + h;
        const std::string subject = "head:" + head_name(l, h);
        const float x = s.induction[i];  // NaN without a repeat row: neither holds
        if (!holds(Kind::InductionHead, subject, x > th.induction_on, x >= th.induction_off)) return;
        Insight in = base(Kind::InductionHead, s, subject, Severity::Notice);
        in.title = "Head " + head_name(l, h) + " is an induction head";
        in.evidence = {{"layer", l}, {"head", h}, {"induction", x}, {"threshold", th.induction_on},
                       {"repeat_first", s.repeat_first}, {"repeat_second", s.repeat_second},
                       {"in_context_gain", s.in_context_gain}};
        in.explanation = "The probe shows the model " + std::to_string(s.R) +
                         " random tokens, then the same tokens again. On the second copy, head " +
                         std::to_string(h) + " of layer " + std::to_string(l) + " puts " + percent(x) +
                         " of its attention on the token that came right after the earlier occurrence of the "
                         "current token: it looks up what followed last time, so the model can predict it will "
                         "follow again. The model's loss is " + fixed(s.repeat_second) +
                         " nats per token on the second copy against " + fixed(s.repeat_first) +
                         " on the first, which no model can predict. Induction heads tend to appear suddenly, "
                         "and most of a model's in-context learning is attributed to them (Olsson et al. 2022).";
        in.causes = {"Learned: a previous-token head in an earlier layer marks each position with the token "
                     "before it, and this head matches the current token against those marks (it needs at "
                     "least two layers)."};
        in.tries = {"Watch the in-context gain (loss early in the text minus late) around the same steps: it "
                    "usually jumps when induction heads form.",
                    "Open the attention view on the repeat row: the head's pattern is a stripe one step right "
                    "of the diagonal R tokens back."};
        hold(std::move(in));
    }

    void collapse(const ProbeScores& s, int l, int h) {
        const int i = l * s.NH + h;
        const std::string subject = "head:" + head_name(l, h);
        const float e = s.entropy[i];
        if (!holds(Kind::AttentionCollapse, subject, e < th.collapse_entropy, e <= 1.5f * th.collapse_entropy))
            return;
        const float prev = s.prev_token[i], first = s.first_token[i];
        const bool positional = prev > 0.8f || first > 0.8f;
        Insight in = base(Kind::AttentionCollapse, s, subject, positional ? Severity::Notice : Severity::Warning);
        in.title = "Head " + head_name(l, h) + "'s attention has collapsed";
        in.evidence = {{"layer", l}, {"head", h}, {"entropy", e}, {"threshold", th.collapse_entropy},
                       {"prev_token", prev}, {"first_token", first}};
        std::string where = prev > 0.8f    ? "almost all of it on the previous token"
                            : first > 0.8f ? "almost all of it on the first token"
                                           : "on one position that changes from token to token";
        in.explanation = "Head " + std::to_string(h) + " of layer " + std::to_string(l) +
                         " has a normalised attention entropy of " + fixed(e) +
                         " (1 = spread evenly over the past, 0 = a single position): it looks at one token only, " +
                         where + ". A collapsed head passes almost no gradient to the positions it ignores. " +
                         (positional ? "A sharp head that always picks the same relative position is often a "
                                       "useful positional head; it matters when many heads collapse together."
                                     : "When many heads collapse while the loss rises, training is often close "
                                       "to becoming unstable (Zhai et al. 2023).");
        in.causes = {"Attention logits grew large (query and key weights growing), often with a learning rate "
                     "that is too high",
                     "A legitimate sharp head: the previous token, or the first token used as an attention sink"};
        in.tries = {"Check that the loss still falls: one sharp head alone is not a problem",
                    "Lower the learning rate or lengthen the warm-up",
                    "Normalise queries and keys (QK-LayerNorm) or reparametrise the weights (sigma-Reparam, "
                    "Zhai et al. 2023)"};
        hold(std::move(in));
    }

    // Units dead or saturated over the last unit_window probes, per layer.
    void units(const ProbeScores& s) {
        const size_t W = (size_t)std::max(1, th.unit_window), LU = (size_t)s.L * s.units;
        const int tokens = s.val_rows * s.T;
        if (tokens == 0) return;
        if (positives.size() != W || positives[0].size() != LU) {
            positives.assign(W, std::vector<int>(LU, 0));
            counted.assign(W, 0);
            probes = 0;
        }
        std::vector<int>& slot = positives[(size_t)probes % W];
        for (size_t i = 0; i < LU; i++) slot[i] = (int)std::lround(s.active_share[i] * tokens);
        counted[(size_t)probes % W] = tokens;
        probes++;
        if ((size_t)probes < W) return;
        const double total = std::accumulate(counted.begin(), counted.end(), 0.0);
        for (int l = 0; l < s.L; l++) {
            int dead = 0, saturated = 0;
            for (int u = 0; u < s.units; u++) {
                double on = 0;
                for (const std::vector<int>& c : positives) on += c[(size_t)l * s.units + u];
                dead += on / total < th.dead_share;
                saturated += on / total > th.saturated_share;
            }
            dead_units(s, l, dead, saturated);
        }
    }

    void dead_units(const ProbeScores& s, int l, int dead, int saturated) {
        const std::string subject = "fcw:" + std::to_string(l);
        const double fraction = (double)(dead + saturated) / s.units;
        if (!holds(Kind::DeadUnits, subject, fraction >= th.dead_layer_fraction, fraction >= th.dead_layer_fraction))
            return;
        Insight in = base(Kind::DeadUnits, s, subject, dead > saturated ? Severity::Warning : Severity::Notice);
        in.title = "Layer " + std::to_string(l) + ": " + std::to_string(dead) + " dead and " +
                   std::to_string(saturated) + " always-on MLP units";
        in.evidence = {{"layer", l}, {"dead_units", dead}, {"saturated_units", saturated}, {"units", s.units},
                       {"fraction", fraction}, {"threshold", th.dead_layer_fraction},
                       {"window_probes", th.unit_window}};
        in.explanation = "In layer " + std::to_string(l) + ", " + std::to_string(dead) + " of the " +
                         std::to_string(s.units) + " MLP units were positive before GELU on under " +
                         percent(th.dead_share) + " of the probe's validation tokens over the last " +
                         std::to_string(th.unit_window) +
                         " probes: they barely fire, so they pass almost no signal on and receive almost no "
                         "gradient. " + std::to_string(saturated) + " were positive on over " +
                         percent(th.saturated_share) +
                         " of them: GELU is then almost the identity, and the unit adds nothing a linear layer "
                         "could not. Together that is " + percent(fraction) + " of the layer's units.";
        in.causes = {"A learning rate too high for this layer: one large update can push a unit's bias far "
                     "negative",
                     "Large negative (or positive) fcb biases",
                     "GELU lets a dead unit recover slowly (ReLU would not); a few dead units are normal"};
        in.tries = {"Look at fcb and fcw of this layer in the Parameters view (histogram, update ratio)",
                    "Lower the learning rate or lengthen the warm-up"};
        hold(std::move(in));
    }
};

ProbeAnalysis::ProbeAnalysis(const ModelDesc& model, const RunInfo&, Emitter& out, ProbeThresholds thresholds)
    : s_(std::make_unique<State>(model, out, thresholds)) {}
ProbeAnalysis::~ProbeAnalysis() = default;

void ProbeAnalysis::observe(const ProbeResult& p) {
    if (p.B == 0) return;  // the trainer refused the request
    const ProbeScores s = score_probe(p);
    for (int l = 0; l < s.L; l++)
        for (int h = 0; h < s.NH; h++) {
            s_->previous_token(s, l, h);
            s_->induction(s, l, h);
            s_->collapse(s, l, h);
        }
    s_->units(s);
}

void ProbeAnalysis::finish(int last_step) {
    std::vector<std::pair<Kind, std::string>> keys;
    for (const auto& [key, in] : s_->open) keys.push_back(key);
    for (const auto& [kind, subject] : keys) s_->release(kind, subject);
}

}  // namespace nanogpt::viz::insights

// test_insights_probe.cpp: the probe, end to end but for the network.
//   - Scores on a HAND-BUILT model whose attention weights implement, head by head, a
//     previous-token head, a uniform head, a current-token head and a first-token head: each
//     score must single out the right head (a score reading the wrong key fails).
//   - The induction score and the repeat period on constructed patterns; dead and saturated
//     MLP units counted over a window of probes.
//   - The request: fixed rows, the repeated random sequence, T by model shape.
//   - The trainer: a run with probes trains to the same bits as one without (dropout and
//     gradient accumulation on, so every random stream is exercised), with the dashboard too.
//   - The wire: the record encoded and decoded (packed triangles, tokens, text, within the
//     1 MiB budget at GPT-2's shape), the probe message, the run store and REST.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "common/file_io.h"
#include "data/shard.h"
#include "kernels/registry.h"
#include "tests/trainer/train_fixture.h"
#include "tests/viz/hub_fake_history.h"
#include "trainer/gpt2.h"
#include "trainer/probe.h"
#include "trainer/train_run.h"
#include "viz/dashboard.h"
#include "viz/frame.h"
#include "viz/hub/rest.h"
#include "viz/insights/emitter.h"
#include "viz/insights/probe_analysis.h"
#include "viz/insights/probe_record.h"
#include "viz/protocol.h"
#include "viz/store/reader.h"
#include "viz/store/run_store.h"

using namespace nanogpt;
using namespace nanogpt::viz;
using namespace nanogpt::viz::insights;
using nanogpt::testing::tiny_config;
using nanogpt::testing::write_toy_data;
namespace fs = std::filesystem;

namespace {

rapidjson::Document parse(const std::string& s) {
    rapidjson::Document d;
    d.Parse(s.c_str());
    return d;
}

// What a head that spreads its attention evenly puts on one key, averaged over t >= 1.
double uniform_share(int T) {
    double s = 0;
    for (int t = 1; t < T; t++) s += 1.0 / (t + 1);
    return s / (T - 1);
}

// ---- the hand-built model
//
// T = 16 positions, C = 64 channels, 4 heads of 16 dimensions, 1 layer, token embeddings 0, so
// the block sees only the position embeddings: wpe[t] = e_t (one-hot), which LayerNorm turns
// into u_t = (e_t - 1/C) / sigma. Head by head (q rows h*16.., k rows C + h*16..):
//   head 0 (previous token): q[d] = beta * u[d + 1], k[d] = beta * u[d]: q_t . k_j peaks at j = t-1
//   head 1 (uniform): q = k = 0, every logit 0
//   head 2 (current token): q[d] = beta * u[d], k[d] = beta * u[d]: peaks at j = t
//   head 3 (first token): q[0] = gamma (a bias), k[0] = beta * u[0]: peaks at j = 0
// Everything after attention is zero (value, projections, MLP), so the loss is ln V everywhere.
constexpr int kT = 16, kC = 64, kNH = 4, kHS = kC / kNH, kV = 8;
const ModelConfig kHandCfg{kT, kV, 128, 1, kNH, kC};

std::vector<float> hand_built_weights() {
    const ParamLayout layout = ParamLayout::make(kHandCfg);
    std::vector<float> w(layout.total, 0.0f);
    auto at = [&](ParamIndex k) { return w.data() + layout.tensors[k].offset; };
    for (ParamIndex k : {P_LN1W, P_LN2W, P_LNFW})
        for (size_t i = 0; i < layout.tensors[k].size; i++) at(k)[i] = 1.0f;
    for (int t = 0; t < kT; t++) at(P_WPE)[(size_t)t * kC + t] = 1.0f;
    const float beta = 3.0f, gamma = 20.0f;
    float* qkvw = at(P_QKVW);  // (3C, C): row o, column c
    auto W = [&](int o, int c) -> float& { return qkvw[(size_t)o * kC + c]; };
    for (int d = 0; d + 1 < kHS; d++) W(0 * kHS + d, d + 1) = beta;  // head 0: q reads one ahead
    for (int d = 0; d < kHS; d++) W(kC + 0 * kHS + d, d) = beta;
    for (int d = 0; d < kHS; d++) W(2 * kHS + d, d) = beta;  // head 2: q = k
    for (int d = 0; d < kHS; d++) W(kC + 2 * kHS + d, d) = beta;
    at(P_QKVB)[3 * kHS] = gamma;  // head 3: a constant query, keys mark position 0
    W(kC + 3 * kHS, 0) = beta;
    return w;
}

ModelDesc hand_desc() {
    ModelDesc d;
    d.L = 1;
    d.NH = kNH;
    d.C = kC;
    d.V = kV;
    d.Vp = 128;
    d.maxT = kT;
    for (int i = 0; i < kV; i++) d.token_text.push_back(std::string(1, (char)('a' + i)));
    return d;
}

RunInfo run_with_block(int block, int batch = 4) {
    RunInfo r;
    r.block_size = block;
    r.batch_size = batch;
    return r;
}

// A validation split of n tokens below kV: token i = i % kV.
std::string write_val(const std::string& dir, size_t n) {
    fs::create_directories(dir);
    std::vector<uint16_t> tokens(n);
    for (size_t i = 0; i < n; i++) tokens[i] = (uint16_t)(i % kV);
    write_shard(dir + "/val.bin", tokens);
    return dir + "/val.bin";
}

struct HandProbe {
    test::TempDir dir{"probe-hand"};
    std::unique_ptr<Backend> be = make_backend("cpu");
    GPT2 model{*be, kHandCfg};
    ProbeRequest request;
    ProbeResult result;
    ProbeScores scores;
    HandProbe() {
        model.load_params(hand_built_weights());
        TokenDataset val(write_val(dir / "data", 200));
        EXPECT_TRUE(make_probe_request(hand_desc(), run_with_block(kT), 40, request));
        result = run_probe(model, val, kT, request);
        scores = score_probe(result);
    }
};

// Collects what detectors emit.
struct Collected {
    std::vector<Insight> all;
    Emitter out{[this](const Insight& in) { all.push_back(in); }};
    std::vector<Insight> of(Kind k) const {
        std::vector<Insight> v;
        for (const Insight& in : all)
            if (in.kind == k) v.push_back(in);
        return v;
    }
    double evidence(const Insight& in, const std::string& name) const {
        for (const auto& [n, v] : in.evidence)
            if (n == name) return v;
        ADD_FAILURE() << "no evidence " << name;
        return NAN;
    }
};

}  // namespace

// ---- scores on the hand-built model

TEST(ProbeScores, HandBuiltPreviousTokenHeadIsFoundAndTheOthersAreNot) {
    HandProbe p;
    const ProbeScores& s = p.scores;
    ASSERT_EQ(s.L, 1);
    ASSERT_EQ(s.NH, kNH);
    EXPECT_GT(s.prev_token[0], 0.95f) << "head 0 attends to t-1 by construction";
    EXPECT_NEAR(s.prev_token[1], uniform_share(kT), 1e-4) << "uniform head: 1/(t+1) on t-1";
    EXPECT_LT(s.prev_token[2], 0.05f) << "head 2 attends to the current token, not the previous one";
    EXPECT_LT(s.prev_token[3], 0.1f) << "head 3 attends to the first token";
    // The other scores tell the heads apart the same way.
    EXPECT_GT(s.first_token[3], 0.95f);
    EXPECT_LT(s.first_token[0], 0.1f);
    EXPECT_NEAR(s.entropy[1], 1.0f, 1e-4) << "uniform attention has normalised entropy 1";
    for (int h : {0, 2, 3}) EXPECT_LT(s.entropy[h], 0.1f) << "head " << h << " looks at one position";
    // The repeated row: none of these heads is an induction head (they look at t-1, t, 0, not
    // at t-R+1); the uniform one puts 1/(t+1) there.
    ASSERT_EQ(s.repeat_row, 3) << "batch 4 x block 16: 3 validation rows, then the repeat row";
    ASSERT_EQ(s.R, kT / 2);
    for (int h : {0, 2, 3}) EXPECT_LT(s.induction[h], 0.05f) << "head " << h;
    double uniform_induction = 0;
    for (int t = s.R; t < kT; t++) uniform_induction += 1.0 / (t + 1);
    EXPECT_NEAR(s.induction[1], uniform_induction / (kT - s.R), 1e-4);
    // Everything after attention is zero: logits 0, every loss ln V (the last column 0).
    EXPECT_NEAR(s.loss_text, std::log((float)kV), 1e-4);
    EXPECT_NEAR(s.in_context_gain, 0.0f, 1e-4);
}

TEST(ProbeAnalysisTest, HandBuiltModelRaisesPreviousTokenHeadForHeadZeroOnly) {
    HandProbe p;
    Collected c;
    ProbeAnalysis analysis(hand_desc(), run_with_block(kT), c.out);
    analysis.observe(p.result);
    const auto prev = c.of(Kind::PreviousTokenHead);
    ASSERT_EQ(prev.size(), 1u);
    EXPECT_EQ(prev[0].subject, "head:0.0");
    EXPECT_TRUE(prev[0].open);
    EXPECT_GT(c.evidence(prev[0], "prev_token"), 0.95);
    EXPECT_FALSE(prev[0].explanation.empty());
    EXPECT_FALSE(prev[0].causes.empty());
    EXPECT_FALSE(prev[0].tries.empty());
    EXPECT_TRUE(c.of(Kind::InductionHead).empty());
    // Heads 0, 2, 3 look at one position each: collapse, as a notice (positional) for 0 and 3.
    std::vector<std::string> collapsed;
    for (const Insight& in : c.of(Kind::AttentionCollapse)) collapsed.push_back(in.subject);
    EXPECT_EQ(collapsed, (std::vector<std::string>{"head:0.0", "head:0.2", "head:0.3"}));
    EXPECT_EQ(c.of(Kind::AttentionCollapse)[0].severity, Severity::Notice);
    // The same probe again extends the same span (same id); finish closes it.
    analysis.observe(p.result);
    analysis.finish(100);
    const auto again = c.of(Kind::PreviousTokenHead);
    ASSERT_EQ(again.size(), 3u);
    EXPECT_EQ(again[1].id, again[0].id);
    EXPECT_FALSE(again[2].open);
}

TEST(ProbeTrainer, ValidationRowsAreFixedWindowsAndTheWatchersRowsAreKept) {
    HandProbe p;
    const ProbeResult& r = p.result;
    ASSERT_EQ(r.B, 4);
    ASSERT_EQ(r.T, kT);
    EXPECT_EQ(r.val_sequences, 3);
    // 200 tokens (token i = i % 8): two pairs, stride (200 - 1 - 16 - 8) / 2 = 87; rows 0 and 1
    // at 0 and 8 (T/2 later), row 2 at 87.
    for (int t = 0; t < kT; t++) {
        EXPECT_EQ(r.tokens[t], t % kV);
        EXPECT_EQ(r.tokens[kT + t], (8 + t) % kV);
        EXPECT_EQ(r.tokens[2 * kT + t], (87 + t) % kV);
        EXPECT_EQ(r.tokens[3 * kT + t], p.request.tokens[3 * kT + t]);
    }
    EXPECT_EQ(r.att.size(), (size_t)1 * 4 * kNH * kT * kT);
    EXPECT_EQ(r.fc_pre.size(), (size_t)1 * 4 * kT * 4 * kC);
    for (int b = 0; b < 4; b++) EXPECT_EQ(r.losses[(size_t)b * kT + kT - 1], 0.0f);
    EXPECT_GT(r.ms, 0.0);
}

// ---- constructed patterns

namespace {

// One (T, T) pattern: each query t puts weight 1 on key(t) (clamped to the past).
template <typename F>
std::vector<float> pattern(int T, F&& key) {
    std::vector<float> a((size_t)T * T, 0.0f);
    for (int t = 0; t < T; t++) a[(size_t)t * T + std::clamp(key(t), 0, t)] = 1.0f;
    return a;
}

}  // namespace

TEST(ProbeScores, InductionScoreOnConstructedPatterns) {
    const int T = 32, R = 16;
    const auto induction = pattern(T, [&](int t) { return t >= R ? t - R + 1 : t - 1; });
    const auto previous = pattern(T, [](int t) { return t - 1; });
    const auto current = pattern(T, [](int t) { return t; });
    EXPECT_FLOAT_EQ(induction_score(induction.data(), T, R), 1.0f);
    EXPECT_FLOAT_EQ(induction_score(previous.data(), T, R), 0.0f);
    EXPECT_FLOAT_EQ(induction_score(current.data(), T, R), 0.0f);
    // Half of each query's weight on the induction target.
    std::vector<float> half(induction.size());
    for (size_t i = 0; i < half.size(); i++) half[i] = 0.5f * (induction[i] + current[i]);
    EXPECT_FLOAT_EQ(induction_score(half.data(), T, R), 0.5f);
    EXPECT_TRUE(std::isnan(induction_score(induction.data(), T, 0)));
    EXPECT_FLOAT_EQ(previous_token_score(previous.data(), T), 1.0f);
    EXPECT_FLOAT_EQ(previous_token_score(induction.data(), T), (float)(R - 1) / (T - 1));
}

TEST(ProbeScores, RepeatPeriod) {
    const std::vector<int> a = {3, 1, 4, 1, 5, 3, 1, 4, 1, 5};
    EXPECT_EQ(repeat_period(a.data(), 10), 5);
    const std::vector<int> b = {1, 2, 1, 2, 1, 2};
    EXPECT_EQ(repeat_period(b.data(), 6), 2);
    const std::vector<int> c = {1, 2, 3, 4, 5, 6};
    EXPECT_EQ(repeat_period(c.data(), 6), 0);
}

namespace {

// A probe result of L=1, NH=2, C=2 (8 units), B=3, T: att all uniform but head 0 on the repeat
// row (an induction pattern); fc_pre from `unit(u, token)` over the validation tokens.
template <typename F>
ProbeResult constructed_result(int step, int T, F&& unit) {
    ProbeResult r;
    r.step = step;
    r.B = 3;
    r.T = T;
    r.L = 1;
    r.NH = 2;
    r.C = 2;
    r.val_sequences = 2;
    r.tokens.assign((size_t)3 * T, 0);
    for (int t = 0; t < 2 * T; t++) r.tokens[t] = t % 5;
    const int R = T / 2;
    for (int t = 0; t < T; t++) r.tokens[2 * T + t] = 10 + t % R;
    const auto uniform = [&] {
        std::vector<float> a((size_t)T * T, 0.0f);
        for (int t = 0; t < T; t++)
            for (int k = 0; k <= t; k++) a[(size_t)t * T + k] = 1.0f / (t + 1);
        return a;
    }();
    const auto induction = pattern(T, [&](int t) { return t >= R ? t - R + 1 : t - 1; });
    for (int b = 0; b < 3; b++)
        for (int h = 0; h < 2; h++) {
            const auto& a = b == 2 && h == 0 ? induction : uniform;
            r.att.insert(r.att.end(), a.begin(), a.end());
        }
    r.fc_pre.assign((size_t)3 * T * 8, 1.0f);
    for (int bt = 0; bt < 2 * T; bt++)
        for (int u = 0; u < 8; u++) r.fc_pre[(size_t)bt * 8 + u] = unit(u, bt);
    r.losses.assign((size_t)3 * T, 1.0f);
    for (int t = R; t < T; t++) r.losses[2 * T + t] = 0.25f;  // the second copy is predicted
    return r;
}

}  // namespace

TEST(ProbeScores, InductionHeadOnAConstructedRepeatRow) {
    const ProbeResult r = constructed_result(10, 32, [](int u, int bt) { return (u + bt) % 2 ? 1.0f : -1.0f; });
    const ProbeScores s = score_probe(r);
    EXPECT_EQ(s.repeat_row, 2);
    EXPECT_EQ(s.R, 16);
    EXPECT_FLOAT_EQ(s.induction[0], 1.0f);
    EXPECT_LT(s.induction[1], 0.2f);
    EXPECT_FLOAT_EQ(s.repeat_first, 1.0f);
    EXPECT_FLOAT_EQ(s.repeat_second, 0.25f);
    Collected c;
    ProbeAnalysis analysis(ModelDesc{}, RunInfo{}, c.out);
    analysis.observe(r);
    const auto ind = c.of(Kind::InductionHead);
    ASSERT_EQ(ind.size(), 1u);
    EXPECT_EQ(ind[0].subject, "head:0.0");
    EXPECT_EQ(ind[0].severity, Severity::Notice);
    EXPECT_DOUBLE_EQ(c.evidence(ind[0], "repeat_second"), 0.25);
}

TEST(ProbeScores, InContextGainComparesTheSameTokensWithShortAndLongContext) {
    // Two validation rows, the second starting T/2 = 16 tokens after the first; the tokens at
    // positions [4, 15) of row 1 are those at [20, 31) of row 0.
    const int T = 32;
    ProbeResult r = constructed_result(0, T, [](int, int) { return 1.0f; });
    for (int t = 0; t < T; t++) {
        r.tokens[t] = t;
        r.tokens[T + t] = t + 16;
    }
    for (int j = 4; j < 15; j++) {
        r.losses[T + j] = 2.0f;     // short context
        r.losses[16 + j] = 1.5f;    // the same tokens, 16 more tokens of context
    }
    ProbeScores s = score_probe(r);
    EXPECT_FLOAT_EQ(s.loss_early, 2.0f);
    EXPECT_FLOAT_EQ(s.loss_late, 1.5f);
    EXPECT_FLOAT_EQ(s.in_context_gain, 0.5f);
    // Rows that do not overlap as the trainer's pairs do: no gain is claimed.
    r.tokens[T + 3] = 99;
    s = score_probe(r);
    EXPECT_TRUE(std::isnan(s.in_context_gain));
}

TEST(ProbeAnalysisTest, DeadAndSaturatedUnitsAreCountedOverAWindowOfProbes) {
    // 128 validation tokens per probe. Unit 0 never fires (dead), unit 1 always (saturated);
    // unit 2 fires on 1 token in the first probe only (1/384 over the window: dead); unit 3
    // on 4 tokens in the first probe only (4/384 > 1 %: alive, though dead in two of the three
    // probes alone); the rest on half the tokens.
    const int T = 64;
    auto probe = [&](int step, bool first, bool unit0_wakes) {
        return constructed_result(step, T, [=](int u, int bt) {
            if (u == 0) return unit0_wakes ? 1.0f : -1.0f;
            if (u == 1) return 1.0f;
            if (u == 2) return first && bt == 7 ? 1.0f : -1.0f;
            if (u == 3) return first && bt < 4 ? 1.0f : -1.0f;
            return bt % 2 ? 1.0f : -1.0f;
        });
    };
    const ProbeScores one = score_probe(probe(0, true, false));
    EXPECT_EQ(one.dead[0], 2) << "this probe alone: units 0 and 2 (1/128 < 1 %)";
    EXPECT_EQ(one.saturated[0], 1);
    EXPECT_FLOAT_EQ(one.active_share[3], 4.0f / 128);

    Collected c;
    ProbeAnalysis analysis(ModelDesc{}, RunInfo{}, c.out);
    analysis.observe(probe(0, true, false));
    analysis.observe(probe(100, false, false));
    EXPECT_TRUE(c.of(Kind::DeadUnits).empty()) << "no verdict before a full window of 3 probes";
    analysis.observe(probe(200, false, false));
    auto dead = c.of(Kind::DeadUnits);
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].subject, "fcw:0");
    EXPECT_EQ(dead[0].step_start, 200);
    EXPECT_DOUBLE_EQ(c.evidence(dead[0], "dead_units"), 2);
    EXPECT_DOUBLE_EQ(c.evidence(dead[0], "saturated_units"), 1);
    EXPECT_DOUBLE_EQ(c.evidence(dead[0], "units"), 8);
    // Unit 0 wakes up for one probe: the window (probes 2-4) no longer counts it as dead; unit
    // 2's one token has left the window, so it still is.
    analysis.observe(probe(300, false, true));
    dead = c.of(Kind::DeadUnits);
    ASSERT_EQ(dead.size(), 2u);
    EXPECT_EQ(dead[1].id, dead[0].id);
    EXPECT_EQ(dead[1].step_start, 200);
    EXPECT_EQ(dead[1].step_end, 300);
    EXPECT_DOUBLE_EQ(c.evidence(dead[1], "dead_units"), 2) << "units 2 and 3 (both silent in probes 2-4)";
}

// ---- the request

TEST(ProbeRequestTest, RowsAndLengthFollowTheModel) {
    EXPECT_EQ(probe_length(4 * 4, 64), 64);      // the CPU demo char model
    EXPECT_EQ(probe_length(6 * 6, 256), 128);    // shakespeare_char
    EXPECT_EQ(probe_length(12 * 12, 1024), 64);  // GPT-2 124M: 128 would not fit the budget
    EXPECT_EQ(probe_length(2 * 2, 16), 16);
    EXPECT_EQ(probe_length(2 * 2, 9), 8);
    EXPECT_EQ(probe_length(2 * 2, 3), 0);

    ModelDesc m = hand_desc();
    m.V = 65;
    m.maxT = 64;
    for (int i = 64; i >= 0; i--) m.tokens_by_frequency.push_back(i);
    EXPECT_EQ(probe_val_rows(12, 64, 64), 8);  // the demo run: 8 of the 11 that would fit
    EXPECT_EQ(probe_val_rows(4, 16, 16), 3);
    EXPECT_EQ(probe_val_rows(1, 64, 64), 1);    // B*T then exceeds a batch by one row
    EXPECT_EQ(probe_val_rows(0, 0, 64), 2);

    ProbeRequest a, b;
    ASSERT_TRUE(make_probe_request(m, run_with_block(64, 12), 100, a));
    ASSERT_TRUE(make_probe_request(m, run_with_block(64, 12), 2000, b));
    EXPECT_EQ(a.B, 9);
    EXPECT_EQ(a.T, 64);
    EXPECT_EQ(a.val_sequences, 8);
    EXPECT_EQ(a.step, 100);
    EXPECT_EQ(a.tokens, b.tokens) << "the same rows at every probe";
    const int* row = a.tokens.data() + 8 * 64;
    EXPECT_EQ(repeat_period(row, 64), 32);
    std::vector<int> half(row, row + 32);
    std::sort(half.begin(), half.end());
    EXPECT_EQ(std::unique(half.begin(), half.end()), half.end()) << "the random half has no repeats";
    for (int t : half) EXPECT_TRUE(t >= 0 && t < 65);
    ProbeRequest none;
    m.maxT = 2;
    EXPECT_FALSE(make_probe_request(m, run_with_block(2), 0, none));
}

// ---- the trainer: probes change nothing

namespace {

// A watcher that asks for a probe at every evaluation and keeps what comes back.
class ProbeAsker : public TrainingObserver {
public:
    explicit ProbeAsker(int bad_T = 0) : bad_T_(bad_T) {}
    std::vector<ProbeResult> results;
    void run_started(const ModelDesc& model, const RunInfo& run) override {
        model_ = model;
        run_ = run;
    }
    void step_finished(const StepMetrics&) override {}
    void event(int, EventKind, const std::string&) override {}
    SnapshotRequest* snapshot_due(int, bool) override { return nullptr; }
    void snapshot_ready(SnapshotRequest*, ParamReader&) override {}
    ProbeRequest* probe_due(int step) override {
        if (!make_probe_request(model_, run_, step, request_)) return nullptr;
        if (bad_T_) request_.T = bad_T_;
        return &request_;
    }
    void probe_ready(ProbeResult&& r) override { results.push_back(std::move(r)); }
    void run_finished(RunEnd) override {}
    std::string banner() const override { return ""; }

private:
    int bad_T_;
    ModelDesc model_;
    RunInfo run_;
    ProbeRequest request_;
};

std::string metrics_without_timing(const std::string& path) {
    std::string out, line;
    for (char ch : read_file(path)) {
        if (ch != '\n') {
            line += ch;
            continue;
        }
        int commas = 0;
        size_t i = 0;
        while (i < line.size() && !(line[i] == ',' && ++commas == 5)) i++;
        out += line.substr(0, i) + "\n";
        line.clear();
    }
    return out;
}

TrainConfig probing_config(const std::string& data, const std::string& out) {
    TrainConfig c = tiny_config(data, out);
    c.dropout = 0.1f;
    c.gradient_accumulation_steps = 2;
    c.eval_interval = 2;
    return c;
}

void expect_same_training(const std::string& a, const std::string& b) {
    EXPECT_EQ(read_file(a + "/model.bin"), read_file(b + "/model.bin"));
    EXPECT_EQ(read_file(a + "/state.bin"), read_file(b + "/state.bin"));
    EXPECT_EQ(metrics_without_timing(a + "/metrics.csv"), metrics_without_timing(b + "/metrics.csv"));
}

}  // namespace

TEST(ProbeTrainer, TrainingWithProbesEqualsTrainingWithoutToTheBit) {
    test::TempDir dir("probe-same");
    write_toy_data(dir / "data", 40, 4000);
    run_train(probing_config(dir / "data", dir / "off"), "");
    ProbeAsker asker;
    run_train(probing_config(dir / "data", dir / "on"), "", &asker);
    expect_same_training(dir / "off", dir / "on");
    ASSERT_EQ(asker.results.size(), 5u) << "evaluations at 0, 2, 4, 6, 8";
    for (const ProbeResult& r : asker.results) {
        EXPECT_EQ(r.B, 4);
        EXPECT_EQ(r.T, 16);
        EXPECT_EQ(r.att.size(), (size_t)2 * 4 * 2 * 16 * 16);
    }
    EXPECT_EQ(asker.results[0].tokens, asker.results[4].tokens);
    EXPECT_NE(asker.results[0].att, asker.results[4].att) << "the model changed between the probes";
}

TEST(ProbeTrainer, ARequestTheModelCannotRunIsHandedBackEmptyAndTrainingGoesOn) {
    test::TempDir dir("probe-bad");
    write_toy_data(dir / "data", 40, 4000);
    run_train(probing_config(dir / "data", dir / "off"), "");
    ProbeAsker asker(/*bad_T=*/64);  // beyond block_size 16
    run_train(probing_config(dir / "data", dir / "on"), "", &asker);
    expect_same_training(dir / "off", dir / "on");
    ASSERT_EQ(asker.results.size(), 5u);
    for (const ProbeResult& r : asker.results) EXPECT_EQ(r.B, 0);
}

TEST(ProbeTrainer, DashboardWithProbesTrainsTheSameAndRecordsEveryProbe) {
    test::TempDir dir("probe-dash");
    write_toy_data(dir / "data", 40, 4000);
    run_train(probing_config(dir / "data", dir / "off"), "");
    VizOptions o;
    o.interval = 1;
    o.port = 0;
    o.serve = false;
    o.runs_dir = dir / "runs";
    o.session = "probed";
    {
        Dashboard dashboard(o);
        run_train(probing_config(dir / "data", dir / "on"), "", &dashboard);
        EXPECT_EQ(dashboard.counters().errors, 0u);
    }
    expect_same_training(dir / "off", dir / "on");
    store::RunStoreReader reader(dir / "runs", "");
    auto index = parse(*reader.probe_index_json("probed"));
    ASSERT_TRUE(index["probes"].IsArray());
    ASSERT_EQ(index["probes"].Size(), 5u);
    int step = 0;
    for (const auto& p : index["probes"].GetArray()) {
        EXPECT_STREQ(p["type"].GetString(), "probe");
        EXPECT_EQ(p["step"].GetInt(), step);
        std::optional<std::string> bytes = reader.probe("probed", step);
        ASSERT_TRUE(bytes);
        EXPECT_EQ(p["bytes"].GetUint64(), bytes->size());
        Frame f = decode_frame(*bytes);
        EXPECT_EQ(f.step, step);
        EXPECT_NE(f.meta_json.find("\"probe\""), std::string::npos);
        step += 2;
    }
}

// ---- the wire

namespace {

// A probe of the given shape with random-looking patterns (rows normalised, causal).
ProbeResult synthetic_result(int L, int NH, int C, int T) {
    ProbeResult r;
    r.step = 250;
    r.B = 3;
    r.T = T;
    r.L = L;
    r.NH = NH;
    r.C = C;
    r.val_sequences = 2;
    r.tokens.resize((size_t)3 * T);
    for (int i = 0; i < 2 * T; i++) r.tokens[i] = (i * 7) % 50;
    for (int t = 0; t < T; t++) r.tokens[2 * T + t] = 100 + t % (T / 2);
    r.att.assign((size_t)L * 3 * NH * T * T, 0.0f);
    uint32_t x = 12345;
    for (size_t row = 0; row < (size_t)L * 3 * NH * T; row++) {
        const int t = (int)(row % T);
        float* a = r.att.data() + row * T;
        float sum = 0;
        for (int k = 0; k <= t; k++) {
            x = x * 1664525u + 1013904223u;
            a[k] = (float)((x >> 8) % 1000) + 1.0f;
            sum += a[k];
        }
        for (int k = 0; k <= t; k++) a[k] /= sum;
    }
    r.fc_pre.assign((size_t)L * 3 * T * 4 * C, 0.0f);
    for (size_t i = 0; i < r.fc_pre.size(); i++) r.fc_pre[i] = (i % 3) ? 0.5f : -0.5f;
    r.losses.assign((size_t)3 * T, 2.0f);
    r.ms = 12.5;
    return r;
}

}  // namespace

TEST(ProbeWire, RecordRoundTripsWithPackedTrianglesTokensAndText) {
    ModelDesc m = hand_desc();
    m.L = 2;
    m.NH = 3;
    m.C = 12;
    m.V = 200;
    m.token_text.clear();
    for (int i = 0; i < 200; i++) m.token_text.push_back("t" + std::to_string(i));
    const ProbeResult r = synthetic_result(2, 3, 12, 16);
    const ProbeScores s = score_probe(r);
    const Frame f = decode_frame(encode_frame(probe_record("sess", m, r, s)));
    EXPECT_EQ(f.session, "sess");
    EXPECT_EQ(f.step, 250);
    int att = 0;
    for (const FrameTensor& t : f.tensors) {
        if (t.name != "att") continue;
        att++;
        EXPECT_EQ(t.kind, "attention");
        ASSERT_EQ(t.shape, (std::vector<int>{3, 16 * 17 / 2}));
        const int row = t.field == "text" ? 0 : 2;
        ASSERT_TRUE(t.field == "text" || t.field == "repeat") << t.field;
        for (int h = 0; h < 3; h++)
            for (int q = 0; q < 16; q++)
                for (int k = 0; k <= q; k++) {
                    const float want = r.att[((((size_t)t.layer * 3 + row) * 3 + h) * 16 + q) * 16 + k];
                    ASSERT_NEAR(t.data[(size_t)h * 136 + q * (q + 1) / 2 + k], want, 0.0045)
                        << t.layer << " " << t.field << " h" << h << " q" << q << " k" << k;
                }
    }
    EXPECT_EQ(att, 2 * 2);
    auto meta = parse(f.meta_json);
    ASSERT_TRUE(meta.IsObject()) << f.meta_json;
    const auto& probe = meta["probe"];
    EXPECT_EQ(probe["T"].GetInt(), 16);
    EXPECT_EQ(probe["R"].GetInt(), 8);
    EXPECT_STREQ(probe["packing"].GetString(), "lower");
    EXPECT_EQ(probe["layers"].Size(), 2u);
    ASSERT_EQ(probe["rows"].Size(), 2u);
    EXPECT_STREQ(probe["rows"][1]["role"].GetString(), "repeat");
    EXPECT_EQ(probe["rows"][1]["tokens"][3].GetInt(), r.tokens[2 * 16 + 3]);
    EXPECT_STREQ(probe["rows"][0]["text"][1].GetString(), ("t" + std::to_string(r.tokens[1])).c_str());
    EXPECT_EQ(probe["scores"]["heads"]["entropy"].Size(), 6u);
    EXPECT_EQ(meta["model"]["L"].GetInt(), 2);
}

TEST(ProbeWire, Gpt2ShapedRecordFitsTheFrameBudget) {
    const int T = probe_length(12 * 12, 1024);
    const ProbeResult r = synthetic_result(12, 12, 768, T);
    ModelDesc m;
    m.L = m.NH = 12;
    m.C = 768;
    m.V = 50257;
    const std::string bytes = encode_frame(probe_record("s", m, r, score_probe(r)));
    EXPECT_LE(bytes.size(), 1u << 20) << "one probe record within viz.max_frame_bytes' default";
    EXPECT_GT(bytes.size(), 500000u) << "every head of every layer: 144 x 2 rows x 2080";
    EXPECT_EQ(probe_record_layers(12, 12, T).size(), 12u);
    // A model too big for the budget at T = 16 shows evenly spaced layers, first and last.
    const std::vector<int> few = probe_record_layers(400, 64, 16);
    ASSERT_GE(few.size(), 2u);
    EXPECT_EQ(few.front(), 0);
    EXPECT_EQ(few.back(), 399);
}

TEST(ProbeWire, ProbeMessageCarriesTheScores) {
    ProbeResult r = synthetic_result(2, 3, 12, 16);
    ProbeScores s = score_probe(r);
    auto d = parse(protocol::probe("sess", s, 4321));
    ASSERT_TRUE(d.IsObject());
    EXPECT_STREQ(d["type"].GetString(), "probe");
    EXPECT_STREQ(d["session"].GetString(), "sess");
    EXPECT_EQ(d["step"].GetInt(), 250);
    EXPECT_EQ(d["bytes"].GetInt(), 4321);
    EXPECT_EQ(d["units"].GetInt(), 48);
    EXPECT_DOUBLE_EQ(d["ms"].GetDouble(), 12.5);
    for (const char* k : {"entropy", "prev_token", "first_token", "induction"})
        EXPECT_EQ(d["heads"][k].Size(), 6u) << k;
    EXPECT_NEAR(d["heads"]["prev_token"][4].GetDouble(), s.prev_token[4], 1e-4);
    EXPECT_EQ(d["mlp"]["dead"].Size(), 2u);
    EXPECT_DOUBLE_EQ(d["loss"]["text"].GetDouble(), 2.0);
    // Without a repeating row the induction scores are not defined: null.
    r.tokens[2 * 16 + 15] = 999;
    s = score_probe(r);
    d = parse(protocol::probe("sess", s, 1));
    EXPECT_TRUE(d["heads"]["induction"][0].IsNull());
    EXPECT_TRUE(d["loss"]["repeat_first"].IsNull());
}

TEST(ProbeWire, RunStoreKeepsRecordsAndTheIndexInStepOrder) {
    test::TempDir dir("probe-store");
    {
        store::RunStore s(dir.path(), "run1", R"({"model":{}})", 1 << 20);
        s.write_probe(0, R"({"type":"probe","step":0})", std::string("first\0record", 12));
        s.write_probe(250, "{\"type\":\"probe\",\n\"step\":250}", "second");
    }
    store::RunStore other(dir.path(), "run2", "{}", 1 << 20);
    store::RunStoreReader reader(dir.path(), "run1");
    auto index = parse(*reader.probe_index_json("run1"));
    ASSERT_EQ(index["probes"].Size(), 2u);
    EXPECT_EQ(index["probes"][1]["step"].GetInt(), 250);
    EXPECT_EQ(*reader.probe("run1", 0), std::string("first\0record", 12));
    EXPECT_EQ(*reader.probe("run1", 250), "second");
    EXPECT_TRUE(fs::exists(dir / "run1/probes/000000250.bin"));
    EXPECT_FALSE(reader.probe("run1", 1));
    EXPECT_FALSE(reader.probe("nope", 0));
    EXPECT_FALSE(reader.probe_index_json("nope"));
    EXPECT_EQ(parse(*reader.probe_index_json("run2"))["probes"].Size(), 0u) << "a run without probes";
    // The frames' listing does not see probe records.
    EXPECT_EQ(parse(*reader.frame_index_json("run1"))["frames"].Size(), 0u);
}

TEST(ProbeWire, RestServesTheIndexAndTheRecords) {
    hubtest::FakeHistory history;
    hub::HubReply index = hub::serve_api(history, "/api/sessions/s1/probes");
    EXPECT_EQ(index.status, 200);
    EXPECT_EQ(index.content_type, "application/json");
    EXPECT_EQ(index.body, hubtest::FakeHistory::kProbes);
    hub::HubReply record = hub::serve_api(history, "/api/sessions/s1/probes/10");
    EXPECT_EQ(record.status, 200);
    EXPECT_EQ(record.content_type, "application/octet-stream");
    EXPECT_EQ(record.body, hubtest::FakeHistory::probe_bytes());
    EXPECT_TRUE(record.no_store);
    EXPECT_EQ(hub::serve_api(history, "/api/sessions/s1/probes/11").status, 404);
    EXPECT_EQ(hub::serve_api(history, "/api/sessions/s1/probes/5").status, 404) << "a frame step is not a probe";
    EXPECT_EQ(hub::serve_api(history, "/api/sessions/s1/frames/10").status, 404) << "nor the reverse";
    EXPECT_EQ(hub::serve_api(history, "/api/sessions/s1/probes/ten").status, 400);
    EXPECT_EQ(hub::serve_api(history, "/api/sessions/zz/probes").status, 404);
}

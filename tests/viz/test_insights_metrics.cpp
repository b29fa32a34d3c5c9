// test_insights_metrics.cpp: the metric-stream detectors (viz/insights/metric_detectors.h) on
// synthetic curves with known phases (a spike, a NaN, a plateau, a shoulder, overfitting, ...),
// asserting the kinds and step ranges they find; on real recorded runs (tests/viz/fixtures/);
// the building blocks (robust z, the log-log slope, PELT); reading recorded runs; and that the
// same metrics fed live through the dashboard and offline give the same insights.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include <rapidjson/document.h>

#include "common/file_io.h"
#include "tests/support/temp_dir.h"
#include "viz/dashboard.h"
#include "viz/insights/engine.h"
#include "viz/insights/offline.h"
#include "viz/insights/online_stats.h"
#include "viz/insights/pelt.h"
#include "viz/protocol.h"
#include "viz/store/files.h"

using namespace nanogpt;
using namespace nanogpt::viz;
using namespace nanogpt::viz::insights;
using nanogpt::test::TempDir;

namespace {

const std::string kFixtures = std::string(NANOGPT_SOURCE_DIR) + "/tests/viz/fixtures/";

// ---- synthetic runs ------------------------------------------------------------------------

// nanoGPT's schedule: linear warm-up, cosine to min_lr at lr_decay_iters.
double nanogpt_lr(const RunInfo& r, int t) {
    if (t < r.warmup_iters) return r.learning_rate * (t + 1) / (r.warmup_iters + 1);
    if (t > r.lr_decay_iters) return r.min_lr;
    const double ratio = (double)(t - r.warmup_iters) / (r.lr_decay_iters - r.warmup_iters);
    return r.min_lr + 0.5 * (1 + std::cos(M_PI * ratio)) * (r.learning_rate - r.min_lr);
}

double law(double t) { return 4.3 * std::pow(t + 1.0, -0.13); }

struct Curve {
    ModelDesc model;
    RunInfo info;
    std::vector<StepMetrics> rows;
};

// A healthy run of `steps` steps: the CPU demo's schedule, a power-law loss 4.3 (t+1)^-0.13
// (4.3 at step 0, 1.6 at 2000, like the CPU demo without its shoulder) with 2 % multiplicative
// Gaussian noise, gradient norms log-normal around 0.8 (below the clip), an evaluation every 100
// steps (val 1 % above the clean curve, eval train on it), a fixed seed. `shape(t, clean)` may
// bend the clean curve.
template <typename Shape>
Curve synthetic(int steps, Shape shape, double noise = 0.02, uint32_t seed = 7) {
    Curve r;
    r.model.V = 65;
    RunInfo& i = r.info;
    i.max_iters = i.lr_decay_iters = steps;
    i.learning_rate = 2e-3;
    i.min_lr = 2e-4;
    i.warmup_iters = 100;
    i.grad_clip = 1.0;
    i.eval_interval = 100;
    std::mt19937 rng(seed);
    std::normal_distribution<double> n01(0, 1);
    for (int t = 0; t <= steps; t++) {
        StepMetrics m;
        m.step = t;
        const double clean = shape(t, law(t));
        if (t < steps) {
            m.train_loss = (float)(clean * std::exp(noise * n01(rng)));
            m.lr = (float)nanogpt_lr(i, t);
            m.grad_norm = (float)std::exp(std::log(0.8) + 0.08 * n01(rng));
        }
        if (t % 100 == 0 || t == steps) {
            m.val_loss = (float)(clean * 1.01);
            m.eval_train_loss = (float)clean;
        }
        r.rows.push_back(m);
    }
    return r;
}
Curve healthy(int steps = 2000) {
    return synthetic(steps, [](int, double clean) { return clean; });
}

// Every insight the engine sends, and the latest version of each (spans are re-sent).
struct Found {
    std::vector<Insight> sent, latest;
    std::vector<Insight> of(Kind k, const std::string& subject = "*") const {
        std::vector<Insight> out;
        for (const Insight& in : latest)
            if (in.kind == k && (subject == "*" || in.subject == subject)) out.push_back(in);
        return out;
    }
    size_t count(Kind k) const { return of(k).size(); }
    std::string list() const {
        std::string s;
        for (const Insight& in : latest)
            s += std::string(protocol::insight_kind_name(in.kind)) + "[" + in.subject + "] " +
                 std::to_string(in.step_start) + "-" + std::to_string(in.step_end) + "\n";
        return s;
    }
};
double evidence(const Insight& in, const std::string& name) {
    for (const auto& [k, v] : in.evidence)
        if (k == name) return v;
    return NAN;
}

Found run_engine(const Curve& r, bool offline = true) {
    Found f;
    Engine e(r.model, r.info, [&](const Insight& in) { f.sent.push_back(in); });
    int last = 0;
    for (const StepMetrics& m : r.rows) {
        e.observe_metrics(m);
        last = m.step;
    }
    e.finish(last, offline);
    f.latest = latest_per_id(f.sent);
    return f;
}

// What a healthy run must not raise.
void expect_no_alarms(const Found& f) {
    for (Kind k : {Kind::LossSpike, Kind::GradSpike, Kind::Instability, Kind::Divergence, Kind::Overfitting})
        EXPECT_EQ(f.count(k), 0u) << protocol::insight_kind_name(k) << " in:\n" << f.list();
}

// ---- the building blocks -------------------------------------------------------------------

TEST(InsightStats, RobustZIgnoresOutliersInItsWindow) {
    Ring<8> r;
    EXPECT_TRUE(std::isnan(r.robust_z(1.0)));  // not full yet
    for (double v : {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 1000.0}) r.add(v);
    double med = 0, scale = 0;
    // median 4.5; |x - 4.5| = 3.5 2.5 1.5 .5 .5 1.5 2.5 995.5 -> MAD 2; scale 1.4826 * 2
    const double z = r.robust_z(10.5, &med, &scale);
    EXPECT_DOUBLE_EQ(med, 4.5);
    EXPECT_DOUBLE_EQ(scale, 1.4826 * 2.0);
    EXPECT_DOUBLE_EQ(z, 6.0 / (1.4826 * 2.0));
    EXPECT_DOUBLE_EQ(r.back(0), 1000.0);
    EXPECT_DOUBLE_EQ(r.back(7), 1.0);
}

TEST(InsightStats, FlagWindowCountsTheLastN) {
    FlagWindow<4> w;
    for (bool f : {true, true, false, true, false, false}) w.add(f);
    EXPECT_TRUE(w.full());
    EXPECT_EQ(w.count(), 1u);  // true false false ... of the last 4: t, f, f -> {f,t,f,f}
    EXPECT_DOUBLE_EQ(w.fraction(), 0.25);
}

TEST(InsightStats, LogSlopeOfAPowerLawIsItsExponent) {
    LogSlope s(1.25, 1.02);
    double k = NAN;
    for (int t = 1; t <= 5000; t++)
        if (s.add(t, 3.0 * std::pow(t, -0.3))) k = s.slope();
    EXPECT_NEAR(k, -0.3, 1e-9);
    Ema e(0.9);
    e.add(2.0);
    EXPECT_DOUBLE_EQ(e.value(), 2.0);  // bias-corrected: no pull towards 0
}

TEST(InsightStats, PeltFindsTheBreaksOfAPiecewiseLine) {
    std::vector<double> x, y;
    for (int i = 0; i < 90; i++) {
        x.push_back(i);
        const double noise = 0.01 * std::sin(1.7 * i);
        y.push_back((i < 30 ? 2 - 0.1 * i : i < 60 ? -1 + 0.0 * i : -1 - 0.05 * (i - 60)) + noise);
    }
    const std::vector<LineSegment> segs = pelt_lines(x, y, 10 * std::pow(difference_sigma(y), 2) * std::log(90.0), 3);
    ASSERT_EQ(segs.size(), 3u);
    EXPECT_NEAR((double)segs[1].begin, 30, 1);
    EXPECT_NEAR((double)segs[2].begin, 60, 1);
    EXPECT_NEAR(segs[0].slope, -0.1, 0.01);
    EXPECT_NEAR(segs[2].slope, -0.05, 0.01);
    // One line: no break pays its penalty.
    std::vector<double> line(50);
    for (int i = 0; i < 50; i++) line[i] = 0.3 * i + 0.01 * std::sin(2.3 * i);
    std::vector<double> xs(x.begin(), x.begin() + 50);
    EXPECT_EQ(pelt_lines(xs, line, 10 * std::pow(difference_sigma(line), 2) * std::log(50.0), 3).size(), 1u);
}

// ---- synthetic curves with known phases ----------------------------------------------------

TEST(MetricDetectors, HealthyRunHasItsPhasesAndNoAlarms) {
    const Curve r = healthy();
    const Found f = run_engine(r);
    expect_no_alarms(f);
    ASSERT_EQ(f.count(Kind::WarmUp), 1u) << f.list();
    EXPECT_EQ(f.of(Kind::WarmUp)[0].step_start, 0);
    EXPECT_EQ(f.of(Kind::WarmUp)[0].step_end, 100);  // the lr's peak
    // Annealing: from the first step whose lr is below 20 % of the peak.
    int expect_anneal = 0;
    while (nanogpt_lr(r.info, expect_anneal) >= 0.2 * r.info.learning_rate || expect_anneal <= 100) expect_anneal++;
    ASSERT_EQ(f.count(Kind::Annealing), 1u);
    EXPECT_EQ(f.of(Kind::Annealing)[0].step_start, expect_anneal);
    EXPECT_EQ(f.of(Kind::Annealing)[0].step_end, 2000);
    ASSERT_GE(f.count(Kind::RapidDescent), 1u);
    EXPECT_EQ(f.of(Kind::RapidDescent)[0].step_start, 0);
    // A pure power law: a steady descent, no slowdown, and every span closed at the end.
    ASSERT_GE(f.count(Kind::PowerLaw), 1u) << f.list();
    EXPECT_NEAR(evidence(f.of(Kind::PowerLaw).back(), "slope"), -0.2, 0.1);
    EXPECT_EQ(f.count(Kind::Slowdown), 0u) << f.list();
    EXPECT_EQ(f.count(Kind::Shoulder), 0u) << f.list();
    for (const Insight& in : f.latest) EXPECT_FALSE(in.open) << f.list();
    // Every insight explains itself with numbers.
    for (const Insight& in : f.latest) {
        EXPECT_FALSE(in.title.empty());
        EXPECT_FALSE(in.explanation.empty());
        EXPECT_FALSE(in.evidence.empty());
    }
}

TEST(MetricDetectors, LossSpikeFoundAtItsStepAndRecovers) {
    Curve r = healthy();
    *r.rows[500].train_loss *= 1.3f;
    const Found f = run_engine(r);
    ASSERT_EQ(f.count(Kind::LossSpike), 1u) << f.list();
    const Insight s = f.of(Kind::LossSpike)[0];
    EXPECT_EQ(s.step_start, 500);
    EXPECT_FALSE(s.open);
    EXPECT_GT(evidence(s, "z"), 4.0);
    EXPECT_GT(evidence(s, "recovery_steps"), 0);
    EXPECT_LT(evidence(s, "recovery_steps"), 100);
    EXPECT_EQ(s.severity, Severity::Warning);
    EXPECT_EQ(f.count(Kind::Instability), 0u);
    EXPECT_EQ(f.count(Kind::Divergence), 0u);
    // Sent as soon as it happened (the live chart shows it at once), then closed.
    ASSERT_FALSE(f.sent.empty());
    auto first = std::find_if(f.sent.begin(), f.sent.end(), [](const Insight& in) { return in.kind == Kind::LossSpike; });
    EXPECT_TRUE(first->open);
}

// The magnitude floor: on a nearly noiseless curve a 1.5 % bump is a huge z but no spike; 3 % is.
TEST(MetricDetectors, LossSpikeNeedsItsMagnitudeFloor) {
    Curve small = synthetic(1000, [](int, double c) { return c; }, 0.001);
    *small.rows[600].train_loss *= 1.015f;
    EXPECT_EQ(run_engine(small).count(Kind::LossSpike), 0u);
    Curve big = synthetic(1000, [](int, double c) { return c; }, 0.001);
    *big.rows[600].train_loss *= 1.03f;
    const Found f = run_engine(big);
    ASSERT_EQ(f.count(Kind::LossSpike), 1u) << f.list();
    EXPECT_EQ(f.of(Kind::LossSpike)[0].step_start, 600);
}

TEST(MetricDetectors, GradSpikeOnTheLogNormWithAFloor) {
    Curve r = healthy();
    *r.rows[700].grad_norm *= 5.0f;
    const Found f = run_engine(r);
    ASSERT_EQ(f.count(Kind::GradSpike), 1u) << f.list();
    const Insight g = f.of(Kind::GradSpike)[0];
    EXPECT_EQ(g.step_start, 700);
    EXPECT_GT(evidence(g, "z_log"), 6.0);
    EXPECT_NEAR(evidence(g, "ratio"), 5.0, 1.0);
    EXPECT_EQ(evidence(g, "grad_clip"), 1.0);
    EXPECT_EQ(f.count(Kind::LossSpike), 0u);
    // 1.8x the median on a calm series: z far above 6, but under the 2x floor.
    Curve calm = healthy();
    for (StepMetrics& m : calm.rows)
        if (m.grad_norm) m.grad_norm = 0.8f + 0.001f * (float)(m.step % 7);
    *calm.rows[700].grad_norm = 0.8f * 1.8f;
    EXPECT_EQ(run_engine(calm).count(Kind::GradSpike), 0u);
}

TEST(MetricDetectors, NaNIsDivergenceAtOnceAndOnce) {
    Curve r = healthy();
    for (int t = 900; t < 2000; t++) r.rows[t].train_loss = NAN;
    const Found f = run_engine(r);
    const auto d = f.of(Kind::Divergence, "non_finite");
    ASSERT_EQ(d.size(), 1u) << f.list();
    EXPECT_EQ(d[0].step_start, 900);
    EXPECT_EQ(d[0].severity, Severity::Critical);
    EXPECT_EQ(evidence(d[0], "last_finite_step"), 899);
    EXPECT_EQ(f.count(Kind::Divergence), 1u);
    // A gradient norm that overflows, with a finite loss.
    Curve g = healthy();
    g.rows[1500].grad_norm = INFINITY;
    const auto dg = run_engine(g).of(Kind::Divergence, "non_finite");
    ASSERT_EQ(dg.size(), 1u);
    EXPECT_EQ(dg[0].step_start, 1500);
}

TEST(MetricDetectors, SustainedRiseIsDivergence) {
    const Curve r = synthetic(2000, [](int t, double c) { return t < 1000 ? c : c * std::pow(1.003, t - 1000); });
    const Found f = run_engine(r);
    const auto d = f.of(Kind::Divergence, "rising");
    ASSERT_EQ(d.size(), 1u) << f.list();
    EXPECT_GE(d[0].step_start, 1000);
    EXPECT_LE(d[0].step_start, 1150);
    EXPECT_GE(d[0].step_end - d[0].step_start, 100);  // 5 % of the run
    // A spike that recovers is not a divergence.
    Curve s = healthy();
    for (int t = 800; t < 820; t++) *s.rows[t].train_loss *= 1.3f;
    EXPECT_EQ(run_engine(s).of(Kind::Divergence).size(), 0u);
}

TEST(MetricDetectors, WorseThanUniformAfterWarmup) {
    const Curve r = synthetic(2000, [](int t, double c) { return t < 1200 ? c : 5.0; });
    const auto d = run_engine(r).of(Kind::Divergence, "worse_than_uniform");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_GE(d[0].step_start, 1200);
    EXPECT_LE(d[0].step_start, 1260);  // the smoothed loss (20-step EMA) needs ~46 steps to pass 4.67
    EXPECT_NEAR(evidence(d[0], "uniform"), std::log(65.0), 1e-9);
    // During warm-up a loss above ln V (the very first steps, 4.2 > 4.17) is not.
    EXPECT_EQ(run_engine(healthy()).of(Kind::Divergence).size(), 0u);
}

// A plateau: the power law pauses (flat) from 300 to 600, then resumes. Online: a slowdown
// whose range is the plateau's within the detector's lag; offline: a shoulder and three phases.
TEST(MetricDetectors, PlateauIsASlowdownOnlineAndAShoulderOffline) {
    // Straight pieces on log-log axes: t^-0.13 to step 300, nearly flat (t^-0.01) to 600, then
    // faster (t^-0.25) as the model catches up.
    auto shape = [](int t, double) {
        const double at300 = law(300), at600 = at300 * std::pow(601.0 / 301.0, -0.01);
        if (t < 300) return law(t);
        if (t < 600) return at300 * std::pow((t + 1.0) / 301.0, -0.01);
        return at600 * std::pow((t + 1.0) / 601.0, -0.25);
    };
    const Curve r = synthetic(2000, [&](int t, double) { return shape(t, 0); }, 0.01);
    const Found f = run_engine(r);
    expect_no_alarms(f);
    const auto slow = f.of(Kind::Slowdown);
    ASSERT_EQ(slow.size(), 1u) << f.list();
    EXPECT_GE(slow[0].step_start, 300);
    EXPECT_LE(slow[0].step_start, 360);
    EXPECT_GE(slow[0].step_end, 600);
    EXPECT_LE(slow[0].step_end, 700);
    const auto sh = f.of(Kind::Shoulder);
    ASSERT_EQ(sh.size(), 1u) << f.list();
    EXPECT_NEAR(sh[0].step_start, 300, 30);
    EXPECT_NEAR(sh[0].step_end, 600, 30);
    const auto phases = f.of(Kind::Phase);
    ASSERT_EQ(phases.size(), 3u) << f.list();
    EXPECT_EQ(phases[0].step_start, 0);
    EXPECT_EQ(phases[2].step_end, 1999);
    for (size_t i = 1; i < phases.size(); i++) EXPECT_EQ(phases[i].step_start, phases[i - 1].step_end + 1);
    // Online, no phase map.
    EXPECT_EQ(run_engine(r, false).count(Kind::Phase), 0u);
    EXPECT_EQ(run_engine(r, false).count(Kind::Shoulder), 0u);
}

TEST(MetricDetectors, OverfittingNamesTheBestStep) {
    Curve r = healthy();
    for (StepMetrics& m : r.rows)
        if (m.val_loss && m.step > 1500) m.val_loss = *r.rows[1500].val_loss + 0.02f * (m.step - 1500) / 100;
    const Found f = run_engine(r);
    const auto o = f.of(Kind::Overfitting);
    ASSERT_EQ(o.size(), 1u) << f.list();
    EXPECT_EQ(o[0].step_start, 1600);  // the first rising evaluation
    EXPECT_EQ(o[0].step_end, 2000);
    EXPECT_EQ(evidence(o[0], "best_step"), 1500);
    EXPECT_NE(o[0].title.find("1500"), std::string::npos);
    // One noisy evaluation 0.3 % up is not overfitting, nor is a single one far up.
    Curve noisy = healthy();
    *noisy.rows[1200].val_loss *= 1.003f;
    *noisy.rows[1600].val_loss *= 1.05f;
    EXPECT_EQ(run_engine(noisy).count(Kind::Overfitting), 0u);
}

TEST(MetricDetectors, GrowingGapWhileValStillFalls) {
    Curve r = healthy();
    for (StepMetrics& m : r.rows)
        if (m.eval_train_loss && m.step >= 300) *m.eval_train_loss -= 0.0002f * (m.step - 300);
    const Found f = run_engine(r);
    const auto g = f.of(Kind::GapGrowing);
    ASSERT_EQ(g.size(), 1u) << f.list();
    EXPECT_GE(g[0].step_start, 200);
    EXPECT_LE(g[0].step_start, 500);
    EXPECT_GT(evidence(g[0], "excess"), 0.2);
    EXPECT_EQ(f.count(Kind::Overfitting), 0u);
    EXPECT_EQ(run_engine(healthy()).count(Kind::GapGrowing), 0u);  // the gap shrinks there
}

TEST(MetricDetectors, SpikesThatClusterAreInstability) {
    Curve r = healthy();
    for (int t : {500, 560, 620}) *r.rows[t].train_loss *= 1.4f;
    const Found f = run_engine(r);
    const auto u = f.of(Kind::Instability);
    ASSERT_EQ(u.size(), 1u) << f.list();
    EXPECT_EQ(u[0].step_start, 500);
    EXPECT_EQ(u[0].step_end, 620);
    EXPECT_FALSE(u[0].open);  // closed after 200 quiet steps
    EXPECT_EQ(evidence(u[0], "loss_spikes"), 3);
    // A gradient spike followed 5 steps later by a loss spike: instability at once.
    Curve p = healthy();
    *p.rows[800].grad_norm *= 6.0f;
    *p.rows[805].train_loss *= 1.4f;
    const auto pu = run_engine(p).of(Kind::Instability);
    ASSERT_EQ(pu.size(), 1u);
    EXPECT_EQ(pu[0].step_start, 800);
    EXPECT_EQ(evidence(pu[0], "loss_spike_step"), 805);
}

TEST(MetricDetectors, ClippingOnMostStepsNeedsTheClip) {
    Curve r = healthy();
    for (StepMetrics& m : r.rows)
        if (m.grad_norm) *m.grad_norm *= 2.0f;  // around 1.6, above the clip of 1
    const auto c = run_engine(r).of(Kind::ClippingActive);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].step_start, 0);
    EXPECT_EQ(c[0].step_end, 1999);
    EXPECT_GT(evidence(c[0], "fraction_clipped"), 0.99);
    r.info.grad_clip = 0;  // unknown (a bare metrics.csv): the detector does not run
    EXPECT_EQ(run_engine(r).count(Kind::ClippingActive), 0u);
    EXPECT_EQ(run_engine(healthy()).count(Kind::ClippingActive), 0u);
}

TEST(MetricDetectors, LevelCrossingsWhereTheSmoothedLossCrossesThem) {
    Curve r = healthy();
    r.info.reference.uniform = std::log(65.0);
    r.info.reference.unigram = 3.3;
    r.info.reference.bigram = 2.5;
    r.info.reference.trigram = 2.0;
    const Found f = run_engine(r);
    auto crossing = [](double level) {  // where the clean curve crosses
        int t = 0;
        while (law(t) > level) t++;
        return t;
    };
    for (const auto& [name, level] : std::vector<std::pair<std::string, double>>{
             {"uniform", std::log(65.0)}, {"unigram", 3.3}, {"bigram", 2.5}, {"trigram", 2.0}}) {
        const auto c = f.of(Kind::LevelCrossed, name);
        ASSERT_EQ(c.size(), 1u) << name << "\n" << f.list();
        EXPECT_GE(c[0].step_start, crossing(level) - 3) << name;  // noise
        EXPECT_LE(c[0].step_start, crossing(level) + 25) << name;  // the smoothed loss lags ~20 steps
        EXPECT_EQ(evidence(c[0], "level"), level);
    }
    // Without levels only the uniform guess (ln V of the model) is a level.
    const Found none = run_engine(healthy());
    EXPECT_EQ(none.count(Kind::LevelCrossed), 1u);
    EXPECT_EQ(none.of(Kind::LevelCrossed)[0].subject, "uniform");
}

// Growing spans are re-sent at most every 1 % of the run or when their evidence moves, never
// unchanged: a 2000-step healthy run sends a few hundred messages, not one per step per span.
TEST(MetricDetectors, SpansAreResentSparingly) {
    const Found f = run_engine(healthy());
    std::map<int, int> per_id;
    for (const Insight& in : f.sent) per_id[in.id]++;
    for (const auto& [id, n] : per_id) EXPECT_LE(n, 2000 / 20 + 2) << id << "\n" << f.list();
    for (size_t i = 1; i < f.sent.size(); i++) {
        const Insight &a = f.sent[i - 1], &b = f.sent[i];
        if (a.id != b.id) continue;
        EXPECT_FALSE(a.step_end == b.step_end && a.evidence == b.evidence && a.open == b.open)
            << "sent unchanged: " << protocol::insight_kind_name(a.kind);
    }
}

// ---- real recorded runs --------------------------------------------------------------------

// The CPU demo (configs/shakespeare_char_cpu.toml, 2000 steps, eval every 100): healthy.
TEST(MetricDetectorsRecorded, CpuDemoIsHealthyWithTheResearchsPhases) {
    const RecordedRun run = read_recorded_run(kFixtures + "shakespeare_char_cpu");
    ASSERT_EQ(run.metrics.size(), 2001u);
    EXPECT_EQ(run.run.max_iters, 2000);
    EXPECT_EQ(run.run.grad_clip, 1.0);
    ASSERT_TRUE(run.run.reference.bigram);
    Found f;
    replay(run, [&](const Insight& in) { f.sent.push_back(in); });
    f.latest = latest_per_id(f.sent);
    expect_no_alarms(f);
    ASSERT_EQ(f.count(Kind::WarmUp), 1u);
    EXPECT_EQ(f.of(Kind::WarmUp)[0].step_end, 100);
    ASSERT_EQ(f.count(Kind::Annealing), 1u);
    EXPECT_NEAR(f.of(Kind::Annealing)[0].step_start, 1589, 5);  // lr < 0.2 x 2e-3
    // The levels in order: uniform, unigram (the research's unigram drop ends at 44), bigram, trigram.
    const auto uni = f.of(Kind::LevelCrossed, "unigram"), bi = f.of(Kind::LevelCrossed, "bigram");
    const auto tri = f.of(Kind::LevelCrossed, "trigram");
    ASSERT_EQ(uni.size(), 1u);
    ASSERT_EQ(bi.size(), 1u);
    ASSERT_EQ(tri.size(), 1u);
    EXPECT_LT(uni[0].step_start, 50);
    EXPECT_LT(uni[0].step_start, bi[0].step_start);
    EXPECT_LT(bi[0].step_start, tri[0].step_start);
    // PELT with c = 10: breakpoints near the research's 44 and 354 (+-30).
    const auto phases = f.of(Kind::Phase);
    ASSERT_EQ(phases.size(), 3u) << f.list();
    EXPECT_NEAR(phases[1].step_start, 44, 30);
    EXPECT_NEAR(phases[2].step_start, 354, 30);
    ASSERT_EQ(f.count(Kind::Shoulder), 1u);
    EXPECT_NEAR(f.of(Kind::Shoulder)[0].step_start, 44, 30);
    EXPECT_NEAR(f.of(Kind::Shoulder)[0].step_end, 354, 30);
    // Online, the same shoulder is a slowdown that ends where the offline one does.
    ASSERT_EQ(f.count(Kind::Slowdown), 1u);
    EXPECT_NEAR(f.of(Kind::Slowdown)[0].step_end, 354, 30);
    // The steady descent after it, at the research's k of about -0.2 ... -0.25.
    ASSERT_GE(f.count(Kind::PowerLaw), 1u);
    EXPECT_NEAR(evidence(f.of(Kind::PowerLaw).back(), "slope"), -0.225, 0.05);
    // Val still falls at 2000 (the research: no overfitting by 2000), the gap grows to 0.22.
    ASSERT_EQ(f.count(Kind::GapGrowing), 1u);
    EXPECT_NEAR(evidence(f.of(Kind::GapGrowing)[0], "gap"), 0.22, 0.01);
    // Clipping: the research measured 88 % of all steps, 98 % after step 500.
    ASSERT_GE(f.count(Kind::ClippingActive), 1u);
    EXPECT_GT(evidence(f.of(Kind::ClippingActive).back(), "fraction_clipped"), 0.9);
}

// The same config with NANOGPT_TEST_LR_SPIKE=200:30: the one injected disturbance is found at
// the step it shows in the loss (201: the loss is measured before that step's update), and
// is one spike, not an instability.
TEST(MetricDetectorsRecorded, InjectedLrSpikeIsALossSpike) {
    const RecordedRun run = read_recorded_run(kFixtures + "lr_spike_200x30");
    Found f;
    replay(run, [&](const Insight& in) { f.sent.push_back(in); });
    f.latest = latest_per_id(f.sent);
    const auto s = f.of(Kind::LossSpike);
    ASSERT_EQ(s.size(), 1u) << f.list();
    EXPECT_EQ(s[0].step_start, 201);
    EXPECT_GT(evidence(s[0], "jump"), 0.5);
    EXPECT_GT(evidence(s[0], "recovery_steps"), 0);
    ASSERT_EQ(f.count(Kind::GradSpike), 1u);
    EXPECT_EQ(f.of(Kind::GradSpike)[0].step_start, 201);
    EXPECT_EQ(f.count(Kind::Instability), 0u) << f.list();
    EXPECT_EQ(f.count(Kind::Divergence), 0u);
    // The phase map marks the jump.
    bool jump = false;
    for (const Insight& p : f.of(Kind::Phase))
        jump |= p.step_start == 200 && p.title.find("jump") != std::string::npos;
    EXPECT_TRUE(jump) << f.list();
}

// ---- online = offline ----------------------------------------------------------------------

// The insights the dashboard recorded in events.jsonl, as comparable JSON (latest per id).
std::vector<std::string> recorded_insights(const std::string& events_path) {
    std::map<int, std::string> by_id;
    std::vector<int> order;
    store::for_each_json_line(events_path, [&](const rapidjson::Value& v, std::string_view line) {
        if (std::string(v["type"].GetString()) != "insight") return;
        const int id = v["id"].GetInt();
        if (!by_id.count(id)) order.push_back(id);
        by_id[id] = std::string(line);
    });
    std::vector<std::string> out;
    for (int id : order) out.push_back(by_id[id]);
    return out;
}

// A GPT-2 layout for the dashboard's snapshot plan (the metric detectors only read V).
ModelDesc gpt2_desc(const ModelDesc& shape) {
    ModelDesc d = shape;
    const int L = d.L, C = d.C;
    size_t off = 0;
    auto add = [&](const char* name, int layers, int rows, int cols) {
        d.tensors.push_back({name, off, layers, rows, cols});
        off += (size_t)layers * rows * cols;
    };
    add("wte", 1, d.Vp, C); add("wpe", 1, d.maxT, C); add("ln1w", L, C, 1); add("ln1b", L, C, 1);
    add("qkvw", L, 3 * C, C); add("qkvb", L, 3 * C, 1); add("attprojw", L, C, C); add("attprojb", L, C, 1);
    add("ln2w", L, C, 1); add("ln2b", L, C, 1); add("fcw", L, 4 * C, C); add("fcb", L, 4 * C, 1);
    add("fcprojw", L, C, 4 * C); add("fcprojb", L, C, 1); add("lnfw", 1, C, 1); add("lnfb", 1, C, 1);
    return d;
}

TEST(MetricDetectorsRecorded, OnlineThroughTheDashboardEqualsOffline) {
    for (const char* fixture : {"shakespeare_char_cpu", "lr_spike_200x30"}) {
        const RecordedRun run = read_recorded_run(kFixtures + fixture);
        TempDir dir;
        {
            VizOptions o;
            o.serve = false;
            o.runs_dir = dir.path();
            o.session = "online";
            o.probe = false;
            Dashboard d(o);
            d.run_started(gpt2_desc(run.model), run.run);
            for (const StepMetrics& m : run.metrics) d.step_finished(m);
            d.run_finished(RunEnd::Finished);
        }
        const std::vector<std::string> online = recorded_insights(dir.file("online/events.jsonl"));
        std::vector<Insight> sent;
        replay(run, [&](const Insight& in) { sent.push_back(in); });
        std::vector<std::string> offline;
        for (const Insight& in : latest_per_id(sent))
            if (in.kind != Kind::Phase && in.kind != Kind::Shoulder) offline.push_back(protocol::insight("online", in));
        ASSERT_GT(online.size(), 5u) << fixture;
        EXPECT_EQ(online, offline) << fixture;
    }
}

// ---- reading recorded runs -----------------------------------------------------------------

// A bare metrics.csv (the trainer's columns, %.6f): the same detectors, minus what needs what
// the file lacks, said in the notes; config.toml beside it brings the schedule back.
TEST(OfflineRun, MetricsCsvAloneAndWithItsConfig) {
    const RecordedRun jsonl = read_recorded_run(kFixtures + "shakespeare_char_cpu");
    TempDir dir;
    std::string csv = "step,train_loss,val_loss,lr,grad_norm,ms,tokens_per_s,mfu\n";
    for (const StepMetrics& m : jsonl.metrics) {
        char line[256];
        auto c = [](const std::optional<float>& v, const char* fmt) {
            char b[64] = "";
            if (v) std::snprintf(b, sizeof b, fmt, *v);
            return std::string(b);
        };
        std::snprintf(line, sizeof line, "%d,%s,%s,%s,%s,1.0,1000.0,\n", m.step, c(m.train_loss, "%.6f").c_str(),
                      c(m.val_loss, "%.6f").c_str(), c(m.lr, "%.6e").c_str(), c(m.grad_norm, "%.6f").c_str());
        csv += line;
    }
    write_file_atomic(dir.file("metrics.csv"), csv.data(), csv.size());
    const RecordedRun bare = read_recorded_run(dir.file("metrics.csv"));
    EXPECT_EQ(bare.metrics.size(), 2001u);
    EXPECT_EQ(bare.run.max_iters, 2000);  // inferred: the last step
    std::string notes;
    for (const std::string& n : bare.notes) notes += n + "\n";
    EXPECT_NE(notes.find("clipping_active did not run"), std::string::npos) << notes;
    EXPECT_NE(notes.find("gap_growing did not run"), std::string::npos) << notes;
    EXPECT_NE(notes.find("divergence 'worse than a uniform guess' did not run"), std::string::npos) << notes;
    Found f;
    replay(bare, [&](const Insight& in) { f.sent.push_back(in); });
    f.latest = latest_per_id(f.sent);
    expect_no_alarms(f);
    EXPECT_EQ(f.count(Kind::ClippingActive), 0u);
    EXPECT_EQ(f.count(Kind::GapGrowing), 0u);
    EXPECT_EQ(f.count(Kind::WarmUp), 1u);      // from the lr column
    EXPECT_EQ(f.count(Kind::Annealing), 1u);   // against the largest lr seen
    EXPECT_EQ(f.count(Kind::Phase), 3u);
    // With the trainer's config.toml and its data's levels beside it.
    const std::string data = dir.file("data");
    std::filesystem::create_directories(data);
    const std::string levels = "{\"uniform\": 4.1744, \"unigram\": 3.347, \"bigram\": 2.487, \"trigram\": 2.06}\n";
    write_file_atomic(data + "/ngram_levels.json", levels.data(), levels.size());
    const std::string toml = "learning_rate = 2e-3\nmin_lr = 2e-4\nwarmup_iters = 100\nmax_iters = 2000\n"
                             "lr_decay_iters = 2000\ngrad_clip = 1\ndata_dir = \"" + data + "\"\n";
    write_file_atomic(dir.file("config.toml"), toml.data(), toml.size());
    const RecordedRun withcfg = read_recorded_run(dir.path());  // a directory holding metrics.csv
    EXPECT_EQ(withcfg.run.grad_clip, 1.0);
    ASSERT_TRUE(withcfg.run.reference.bigram);
    EXPECT_EQ(*withcfg.run.reference.bigram, 2.487);
    Found g;
    replay(withcfg, [&](const Insight& in) { g.sent.push_back(in); });
    g.latest = latest_per_id(g.sent);
    EXPECT_GE(g.count(Kind::ClippingActive), 1u);
    EXPECT_EQ(g.count(Kind::LevelCrossed), 4u);
    expect_no_alarms(g);
}

TEST(OfflineRun, FrameStatsBecomeTensorStats) {
    ModelDesc m;
    m.V = 65;
    m.Vp = 128;
    m.C = 4;
    m.tensors = {{"wte", 0, 1, 128, 4}, {"ln1w", 512, 2, 4, 1}};
    Frame f;
    auto stats = [&](const char* name, int layer, std::vector<float> v) {
        FrameTensor t;
        t.name = "stats"; t.kind = "stats"; t.field = name; t.layer = layer; t.shape = {(int)v.size()}; t.data = std::move(v);
        f.tensors.push_back(t);
        FrameTensor h;
        h.name = "hist"; h.kind = "hist"; h.field = name; h.layer = layer; h.shape = {64}; h.data.assign(64, 0);
        h.data[3] = 7;
        f.tensors.push_back(h);
    };
    stats("wte", -1, {0.5f, 1, -2, 2, 2.0f, 0.1f, 0.01f, -3, 3, 10});
    stats("ln1w", 0, {1, 0, 1, 1, 1.0f, 0.2f, 0.0f, 0, 2, 10});
    stats("ln1w", 1, {1, 0, 1, 1, 3.0f, 0.2f, 0.0f, 0, 2, 10, 5.5f, 1.2f});  // a frame with sigma_max, stable_rank
    const std::vector<TensorStats> s = stats_from_frame(f, m);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].count, 65u * 4);  // wte's statistics cover the V real rows
    EXPECT_DOUBLE_EQ(s[0].sum, 0.5 * 260);
    EXPECT_DOUBLE_EQ(s[0].sumsq, 4.0 * 260);
    EXPECT_NEAR(std::sqrt(s[0].grad_sumsq / s[0].count), 0.1, 1e-7);
    EXPECT_NEAR(std::sqrt(s[0].update_sumsq / s[0].sumsq), 0.01, 1e-7);
    EXPECT_EQ(s[0].hist[3], 7u);
    EXPECT_EQ(s[2].count, 4u);
    EXPECT_DOUBLE_EQ(s[2].sumsq, 9.0 * 4);
    EXPECT_FLOAT_EQ(s[2].sigma_max, 5.5f);
    EXPECT_FLOAT_EQ(s[1].sigma_max, 0.0f) << "a 10-field row (an older frame) has none";
}

}  // namespace

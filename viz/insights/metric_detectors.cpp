// metric_detectors.cpp: the metric-stream family (metric_detectors.h): computes the shared
// signals of each step once (smoothed losses, the peak lr, the end of warm-up, the log-log
// slope) and hands them to the curve phases, the curve events, the evaluation detectors and
// the phase map. Constant work per step, no allocation per step: only a firing insight
// allocates (and, offline with an unknown run length, the phase map's block means).
#include "viz/insights/metric_detectors.h"

#include <algorithm>

#include "viz/insights/curve_events.h"
#include "viz/insights/curve_phases.h"
#include "viz/insights/emitter.h"
#include "viz/insights/eval_detectors.h"
#include "viz/insights/online_stats.h"
#include "viz/insights/phase_map.h"

namespace nanogpt::viz::insights {

MetricContext::MetricContext(Emitter& e, const ModelDesc& model, const RunInfo& run) : out(e) {
    lr_peak = run.learning_rate;
    ln_vocab = run.reference.uniform ? *run.reference.uniform : (model.V > 0 ? std::log((double)model.V) : NAN);
    grad_clip = run.grad_clip;
    run_steps = run.max_iters;
    warmup_iters = run.max_iters > 0 ? run.warmup_iters : -1;
    resend_every = run_steps > 0 ? std::max(1, run_steps / 100) : 20;
    if (std::isfinite(ln_vocab)) levels.push_back({"uniform", ln_vocab});
    if (run.reference.unigram) levels.push_back({"unigram", *run.reference.unigram});
    if (run.reference.bigram) levels.push_back({"bigram", *run.reference.bigram});
    if (run.reference.trigram) levels.push_back({"trigram", *run.reference.trigram});
}

const char* level_phrase(const char* level) {
    const std::string l = level;
    if (l == "uniform") return "the uniform guess";
    if (l == "unigram") return "the unigram level";
    if (l == "bigram") return "the bigram level";
    if (l == "trigram") return "the trigram level";
    return "a reference level";
}

struct MetricDetectors::State {
    MetricContext ctx;
    Ema fast{0.95}, slow{0.98};
    LogSlope slope{CurvePhases::kSlopeSpan, 1.02};
    double lr_max = 0, lr_prev = NAN, last_slope = NAN;
    bool warmup_over = false;
    int lr_steps = 0;
    CurvePhases phases;
    CurveEvents events;
    EvalDetectors evals;
    PhaseMap map;

    State(Emitter& out, const ModelDesc& model, const RunInfo& run)
        : ctx(out, model, run), phases(ctx), events(ctx), evals(ctx), map(ctx) {}

    // Warm-up is over at the first step that does not raise the lr (or at once without one).
    void track_lr(double lr) {
        if (!std::isfinite(lr)) return;
        lr_max = std::max(lr_max, lr);
        if (lr_steps++ > 0 && !(lr > lr_prev)) warmup_over = true;
        lr_prev = lr;
    }

    void step(const StepMetrics& m) {
        const double loss = *m.train_loss;
        const double grad = m.grad_norm ? *m.grad_norm : NAN;
        if (!std::isfinite(loss)) {
            events.non_finite(m.step, "training loss", loss);
            return;
        }
        if (m.grad_norm && !std::isfinite(grad)) {
            events.non_finite(m.step, "gradient norm", grad);
            return;
        }
        StepSignals s;
        s.step = m.step;
        s.loss = loss;
        s.lr = m.lr ? *m.lr : NAN;
        s.grad_norm = grad;
        track_lr(s.lr);
        s.fast_before = fast.value();
        fast.add(loss);
        slow.add(loss);
        s.fast = fast.value();
        s.slow = slow.value();
        s.lr_peak = ctx.lr_peak > 0 ? ctx.lr_peak : lr_max;
        s.warmup_over = warmup_over || !m.lr;
        if (s.fast > 0 && slope.add(m.step + 1.0, s.fast)) last_slope = slope.slope();
        s.slope = last_slope;
        phases.observe(s);
        events.observe(s);
        map.add(m.step, loss, s.lr);
    }
};

MetricDetectors::MetricDetectors(const ModelDesc& model, const RunInfo& run, Emitter& out)
    : s_(std::make_unique<State>(out, model, run)) {}
MetricDetectors::~MetricDetectors() = default;

void MetricDetectors::observe(const StepMetrics& m) {
    State& s = *s_;
    if (m.train_loss) s.step(m);
    if (m.val_loss) {
        const double val = *m.val_loss;
        if (!std::isfinite(val)) s.events.non_finite(m.step, "validation loss", val);
        else s.evals.observe(m.step, val, m.eval_train_loss ? *m.eval_train_loss : NAN, s.fast.value(),
                             s.warmup_over);
    }
}

void MetricDetectors::finish(int last_step, bool offline) {
    s_->phases.finish(last_step);
    s_->events.finish(last_step);
    s_->evals.finish(last_step);
    s_->map.finish(offline);
}

}  // namespace nanogpt::viz::insights

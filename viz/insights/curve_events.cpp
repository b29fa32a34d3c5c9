// curve_events.cpp: spikes, instability, clipping and divergence on the per-step curves
// (curve_events.h). Texts are written for a student: what happened, in this run's numbers.
#include "viz/insights/curve_events.h"

#include <algorithm>

namespace nanogpt::viz::insights {

void CurveEvents::observe(const StepSignals& s) {
    last_finite_step_ = s.step;
    const bool g = grad_spike(s);
    loss_spike(s, g);
    clipping(s);
    divergence(s);
    instability_tick(s.step);
}

// ---- loss spikes ---------------------------------------------------------------------------

// Scored on the residual against the smoothed loss before this step: during a fast descent a
// plain window mean lags the curve, which inflates the spread (masking spikes) and biases z.
void CurveEvents::loss_spike(const StepSignals& s, bool grad_spike_now) {
    if (!std::isfinite(s.fast_before)) return;
    const double r = s.loss - s.fast_before;
    double med = 0, scale = 0;
    const double z = residuals_.robust_z(r, &med, &scale);
    residuals_.add(r);
    const bool spiking = z > kLossZ && s.loss > kLossFloor * s.fast_before;
    if (!spike_.open) {
        if (!spiking) return;
        // A new spike; steps that spike again before it has recovered belong to it.
        spike_happened(s.step, true);
        spike_.begin(s.step);
        spike_end_ = s.step;
        spike_steps_ = 1;
        spike_base_ = s.fast_before;
        spike_peak_ = s.loss;
        spike_z_ = z;
        spike_median_ = med;
        spike_scale_ = scale;
        spike_with_grad_ = grad_spike_now || s.step - last_grad_spike_ <= kGradThenLoss;
        spike_after_warmup_ = ctx_.warmup_iters > 0 && s.step >= ctx_.warmup_iters &&
                              s.step - ctx_.warmup_iters <= 100;
        spike_clipped_ = ctx_.grad_clip > 0 && s.grad_norm > ctx_.grad_clip;
        send_loss_spike(s.step, false, false);
        return;
    }
    if (spiking) {
        spike_end_ = s.step;
        spike_steps_++;
        if (s.loss > spike_peak_) spike_peak_ = s.loss;
        spike_z_ = std::max(spike_z_, z);
    }
    // Recovered: the smoothed loss is back within 1 % of where it was before the spike.
    if (s.fast <= 1.01 * spike_base_) send_loss_spike(s.step, true, true);
    else if (s.step - spike_end_ >= kClusterSteps) send_loss_spike(s.step, true, false);
    else if (spike_.due(s.step, spike_end_, spike_peak_, ctx_.resend_every)) send_loss_spike(s.step, false, false);
}

void CurveEvents::send_loss_spike(int step, bool close, bool recovered) {
    Insight in = make_insight(Kind::LossSpike, Severity::Warning, spike_.start, close ? step : spike_end_);
    const double jump = spike_peak_ / spike_base_ - 1;
    in.title = strf("Loss spike at step %d (+%.0f%%)", spike_.start, 100 * jump);
    in.evidence = {{"loss", spike_peak_},
                   {"smoothed_before", spike_base_},
                   {"jump", jump},
                   {"z", spike_z_},
                   {"z_threshold", kLossZ},
                   {"floor", kLossFloor},
                   {"window", (double)kLossWindow},
                   {"spike_steps", (double)spike_steps_}};
    if (close && recovered) in.evidence.push_back({"recovery_steps", (double)(step - spike_.start)});
    std::string after = close ? (recovered ? strf("The smoothed loss was back within 1 %% of its value before the "
                                                  "spike %d steps later.",
                                                  step - spike_.start)
                                           : strf("It had not come back within %d steps.", step - spike_.start))
                              : std::string("Watching for the recovery.");
    in.explanation = strf("The training loss jumped to %.3f at step %d, %.0f %% above its smoothed value %.3f "
                          "just before. Compared with the last %d steps' ups and downs around the trend, "
                          "that is z = %.1f (a spike needs z > %.0f and a jump of at least 2 %%). ",
                          spike_peak_, spike_.start, 100 * jump, spike_base_, kLossWindow, spike_z_, kLossZ) +
                     after;
    if (spike_with_grad_)
        in.causes.push_back("an unusual batch meeting the current weights: the gradient spiked at (or just "
                            "before) the same step; PaLM traced its spikes to particular batches with particular "
                            "weights");
    if (spike_after_warmup_)
        in.causes.push_back("the peak learning rate was reached just before, while Adam's moment estimates were "
                            "still adapting");
    in.causes.push_back("a learning rate too high for this model and batch size");
    in.causes.push_back("a batch unlike the rest (long repeats, odd characters)");
    in.tries = {"nothing, if it recovers within a few dozen steps",
                "skip the update when the loss is an outlier (llm.c's -sl z threshold)",
                "a lower peak learning rate or a longer warm-up",
                "if spikes recur: restart from a checkpoint ~100 steps earlier and skip the batches (PaLM)"};
    spike_.send(ctx_.out, std::move(in), close, step, spike_peak_);
}

// ---- gradient spikes -----------------------------------------------------------------------

// Gradient norms are heavy-tailed: on ln(norm) the tail is near Gaussian, so z > 6 is rare in a
// healthy run (1 step of 1936 in the CPU demo) where llm.c's plain z > 4 fires 9 times.
bool CurveEvents::grad_spike(const StepSignals& s) {
    if (!(s.grad_norm > 0) || !std::isfinite(s.grad_norm)) return false;
    const double x = std::log(s.grad_norm);
    double med = 0, scale = 0;
    const double z = log_norms_.robust_z(x, &med, &scale);
    log_norms_.add(x);
    const bool spiking = z > kGradZ && x - med > std::log(kGradFloor);
    const bool first = spiking && !grad_spiking_;
    grad_spiking_ = spiking;
    if (!first) return spiking;
    last_grad_spike_ = s.step;
    spike_happened(s.step, false);
    const double typical = std::exp(med);
    Insight in = make_insight(Kind::GradSpike, Severity::Notice, s.step, s.step);
    in.title = strf("Gradient spike at step %d (%.1fx the usual norm)", s.step, s.grad_norm / typical);
    in.evidence = {{"grad_norm", s.grad_norm},
                   {"median_norm", typical},
                   {"ratio", s.grad_norm / typical},
                   {"z_log", z},
                   {"z_threshold", kGradZ},
                   {"ratio_threshold", kGradFloor},
                   {"window", (double)kGradWindow}};
    const bool clipped = ctx_.grad_clip > 0 && s.grad_norm > ctx_.grad_clip;
    if (ctx_.grad_clip > 0) in.evidence.push_back({"grad_clip", ctx_.grad_clip});
    in.explanation =
        strf("One batch produced a gradient of norm %.3g, %.1f times the median %.3g of the last %d steps "
             "(z = %.1f on the logarithm of the norm; gradient norms have a heavy tail, so the rule is z > %.0f "
             "there, and at least %.0f times the median). ",
             s.grad_norm, s.grad_norm / typical, typical, kGradWindow, z, kGradZ, kGradFloor) +
        (clipped ? strf("Clipping scaled the update down to norm %g, so the step it caused was no larger than "
                        "usual and it may leave no trace in the loss.",
                        ctx_.grad_clip)
                 : std::string("It was not clipped: watch the loss over the next steps."));
    in.causes = {"one unusual batch", "the optimiser near the edge of stability for this learning rate",
                 "a layer whose gradients were near zero for a while (Adam's tiny second moment then makes a "
                 "normal gradient a huge step)"};
    in.tries = {"nothing, if it stays isolated", "gradient clipping (grad_clip = 1.0 is nanoGPT's default)",
                "skip the update on outlier gradients (llm.c's -sg z threshold)"};
    ctx_.out.emit(std::move(in));
    return true;
}

// ---- instability: spikes that cluster ------------------------------------------------------

void CurveEvents::spike_happened(int step, bool is_loss) {
    spikes_[spikes_head_] = {step, is_loss};
    spikes_head_ = (spikes_head_ + 1) % spikes_.size();
    n_spikes_ = std::min(n_spikes_ + 1, spikes_.size());
    int recent = 0, losses = 0, grads = 0, first = step;
    bool pair = false;
    int pair_grad = 0;
    for (size_t i = 0; i < n_spikes_; i++) {
        const Spike& k = spikes_[(spikes_head_ + spikes_.size() - 1 - i) % spikes_.size()];
        if (step - k.step >= kClusterSteps) break;
        recent++;
        (k.is_loss ? losses : grads)++;
        first = std::min(first, k.step);
        if (is_loss && !k.is_loss && step - k.step >= 1 && step - k.step <= kGradThenLoss) {
            pair = true;
            pair_grad = k.step;
        }
    }
    if (recent < kClusterCount && !pair && !unstable_.open) return;
    if (!unstable_.open) {
        unstable_.begin(pair && recent < kClusterCount ? pair_grad : first);
        unstable_loss_ = losses;
        unstable_grad_ = grads;
    } else {
        (is_loss ? unstable_loss_ : unstable_grad_)++;
    }
    if (pair && !unstable_pair_) {
        unstable_pair_ = true;
        pair_grad_step_ = pair_grad;
        pair_loss_step_ = step;
    }
    unstable_end_ = step;
    send_instability(false);
}

void CurveEvents::instability_tick(int step) {
    if (unstable_.open && step - unstable_end_ >= kClusterSteps) send_instability(true);
}

void CurveEvents::send_instability(bool close) {
    Insight in = make_insight(Kind::Instability, Severity::Warning, unstable_.start, unstable_end_);
    const int n = unstable_loss_ + unstable_grad_;
    in.title = strf("Unstable training: %d spikes, steps %d-%d", n, unstable_.start, unstable_end_);
    in.evidence = {{"spikes", (double)n},
                   {"loss_spikes", (double)unstable_loss_},
                   {"grad_spikes", (double)unstable_grad_},
                   {"cluster_steps", (double)kClusterSteps},
                   {"cluster_count", (double)kClusterCount}};
    std::string what = strf("%d spikes (%d in the loss, %d in the gradient norm) between steps %d and %d. ", n,
                            unstable_loss_, unstable_grad_, unstable_.start, unstable_end_);
    if (unstable_pair_) {
        in.evidence.push_back({"grad_spike_step", (double)pair_grad_step_});
        in.evidence.push_back({"loss_spike_step", (double)pair_loss_step_});
        what += strf("The gradient spiked at step %d and the loss followed at step %d: the large update "
                     "itself pushed the weights somewhere worse. ",
                     pair_grad_step_, pair_loss_step_);
    }
    in.explanation = what + "Isolated spikes are common; spikes that come in groups mean the optimiser is near "
                            "the edge of what this learning rate allows.";
    in.causes = {"a learning rate too high for this model (or a warm-up too short)",
                 "attention logits growing until softmax saturates (attention entropy collapse)",
                 "beta2 too high for few tokens per step (nanoGPT uses 0.99 for the character model)"};
    in.tries = {"halve the peak learning rate", "a longer warm-up", "tighter gradient clipping",
                "QK-LayerNorm, if attention entropy is collapsing"};
    unstable_.send(ctx_.out, std::move(in), close, unstable_end_, n);
}

// ---- clipping ------------------------------------------------------------------------------

void CurveEvents::clipping(const StepSignals& s) {
    if (!(ctx_.grad_clip > 0) || !std::isfinite(s.grad_norm)) return;
    const bool clipped = s.grad_norm > ctx_.grad_clip;
    clipped_.add(clipped);
    if (!clipped_.full()) return;
    const double f = clipped_.fraction();
    if (!clip_.open) {
        if (f <= kClipOn) return;
        // The span starts with the window that tipped it, or after the previous span.
        clip_.begin(std::max(s.step - kClipWindow + 1, clip_closed_ + 1));
        clip_steps_ = s.step - clip_.start + 1;
        clip_count_ = std::min<long>(clipped_.count(), clip_steps_);
        clip_max_norm_ = s.grad_norm;
    } else {
        clip_steps_++;
        clip_count_ += clipped;
    }
    clip_end_ = s.step;
    clip_fraction_ = (double)clip_count_ / (double)clip_steps_;
    clip_max_norm_ = std::max(clip_max_norm_, s.grad_norm);
    if (f < kClipOff) send_clipping(true);
    else if (clip_.due(s.step, clip_end_, clip_fraction_, ctx_.resend_every)) send_clipping(false);
}

void CurveEvents::send_clipping(bool close) {
    Insight in = make_insight(Kind::ClippingActive, Severity::Info, clip_.start, clip_end_);
    in.title = strf("Gradient clipping on %.0f%% of steps", 100 * clip_fraction_);
    in.evidence = {{"fraction_clipped", clip_fraction_},
                   {"window_fraction", clipped_.fraction()},
                   {"grad_clip", ctx_.grad_clip},
                   {"window", (double)kClipWindow},
                   {"threshold", kClipOn},
                   {"max_norm", clip_max_norm_}};
    in.explanation = strf(
        "The gradient norm was above grad_clip = %g on %.0f %% of the steps %d-%d (the rule: more than half "
        "of the last %d steps), so most updates were rescaled to norm %g: how far each step goes is set by "
        "the clip and the learning rate, not by the size of the gradient. That is common and usually harmless in small models (the healthy CPU demo run "
        "clips 88 %% of its steps); it does mean that the learning rate, not the gradient, decides the step.",
        ctx_.grad_clip, 100 * clip_fraction_, clip_.start, clip_end_, kClipWindow, ctx_.grad_clip);
    in.causes = {"grad_clip small for this model's typical gradient norm (nanoGPT's 1.0 was set for GPT-2)",
                 "noisy gradients from a small batch"};
    in.tries = {"nothing, if the loss falls well", "a larger batch (less gradient noise)",
                "a larger grad_clip, if you want the gradient's size to matter"};
    if (close) clip_closed_ = clip_end_;
    clip_.send(ctx_.out, std::move(in), close, clip_end_, clip_fraction_);
}

// ---- divergence ----------------------------------------------------------------------------

void CurveEvents::non_finite(int step, const char* what, double value) {
    if (fired_non_finite_) return;
    fired_non_finite_ = true;
    Insight in = make_insight(Kind::Divergence, Severity::Critical, step, step, "non_finite");
    const char* v = std::isnan(value) ? "NaN" : (value > 0 ? "+infinity" : "-infinity");
    in.title = strf("Diverged: %s is %s at step %d", what, v, step);
    in.evidence = {{"value", value}, {"last_finite_step", (double)last_finite_step_}};
    in.explanation = strf("The %s became %s at step %d. A NaN or infinity that reaches the weights makes every "
                          "later step NaN too: this run cannot recover from here.",
                          what, v, step);
    in.causes = {"a learning rate too high, or no (or too loose) gradient clipping",
                 "overflow in low precision (fp16 overflows at 65504; bf16 keeps fp32's range)",
                 "a division by a zero variance, or a corrupted batch"};
    in.tries = {"restart from the last checkpoint with a lower learning rate",
                "compare with an fp32 run (--precision fp32)", "turn on gradient clipping (grad_clip = 1.0)"};
    ctx_.out.emit(std::move(in));
}

void CurveEvents::divergence(const StepSignals& s) {
    if (s.slow < slow_min_) {
        slow_min_ = s.slow;
        slow_min_step_ = s.step;
    }
    // A sustained rise: the slow EMA 10 % above its best for max(50 steps, 5 % of the run), and
    // still not coming down.
    const int need = std::max(kRiseSteps, ctx_.run_steps / 20);
    if (s.slow > kRise * slow_min_) {
        if (rise_since_ < 0) {
            rise_since_ = s.step;
            rise_from_ = s.slow;
        }
        if (!fired_rise_ && s.step - rise_since_ >= need && s.slow >= rise_from_) {
            fired_rise_ = true;
            Insight in = make_insight(Kind::Divergence, Severity::Critical, rise_since_, s.step, "rising");
            in.title = strf("Diverging: the loss has risen for %d steps", s.step - rise_since_);
            in.evidence = {{"smoothed_loss", s.slow},   {"best_smoothed", slow_min_},
                           {"best_step", (double)slow_min_step_}, {"rise", s.slow / slow_min_ - 1},
                           {"threshold", kRise},        {"steps", (double)(s.step - rise_since_)}};
            in.explanation = strf("The smoothed training loss is %.3f, %.0f %% above its best %.3f at step %d, and "
                                  "has stayed more than 10 %% above it for %d steps. Training is running away "
                                  "rather than having a bad moment.",
                                  s.slow, 100 * (s.slow / slow_min_ - 1), slow_min_, slow_min_step_,
                                  s.step - rise_since_);
            in.causes = {"a learning rate too high", "no or too loose gradient clipping",
                         "numerical trouble in low precision", "a run of bad batches"};
            in.tries = {"restart from a checkpoint before step " + std::to_string(rise_since_) +
                            " with half the learning rate",
                        "a longer warm-up", "gradient clipping"};
            ctx_.out.emit(std::move(in));
        }
    } else {
        rise_since_ = -1;
    }
    // Worse than a uniform guess once warm-up is over: the model knows less than nothing.
    if (!fired_uniform_ && s.warmup_over && std::isfinite(ctx_.ln_vocab) && s.fast > ctx_.ln_vocab + kAboveUniform) {
        fired_uniform_ = true;
        Insight in = make_insight(Kind::Divergence, Severity::Critical, s.step, s.step, "worse_than_uniform");
        in.title = strf("Diverged: loss %.2f is worse than guessing (%.2f)", s.fast, ctx_.ln_vocab);
        in.evidence = {{"smoothed_loss", s.fast}, {"uniform", ctx_.ln_vocab}, {"margin", kAboveUniform}};
        in.explanation = strf("After warm-up the smoothed training loss is %.3f nats, more than %.1f above ln V = "
                              "%.3f, the loss of guessing every token with equal probability. The model's "
                              "predictions are now worse than knowing nothing.",
                              s.fast, kAboveUniform, ctx_.ln_vocab);
        in.causes = {"a learning rate far too high", "weights blown up by one huge update (no clipping)",
                     "a bug in the data (targets not aligned with inputs)"};
        in.tries = {"restart with a tenth of the learning rate", "turn on gradient clipping",
                    "check a batch by hand: inputs and targets shifted by one token"};
        ctx_.out.emit(std::move(in));
    }
}

void CurveEvents::finish(int last_step) {
    if (spike_.open) send_loss_spike(std::max(last_step, spike_end_), true, false);
    if (unstable_.open) send_instability(true);
    if (clip_.open) send_clipping(true);
}

}  // namespace nanogpt::viz::insights

// curve_phases.cpp: warm-up, annealing, rapid descent and level crossings, slowdown and
// power-law descent, online (curve_phases.h).
#include "viz/insights/curve_phases.h"

#include <algorithm>

namespace nanogpt::viz::insights {

void CurvePhases::observe(const StepSignals& s) {
    if (std::isfinite(s.lr)) {
        warmup(s);
        annealing(s);
        lr_prev_ = s.lr;
        lr_seen_ = true;
    }
    step_prev_ = s.step;
    rapid_descent(s);
    levels(s);
    slope_phases(s);
}

// ---- warm-up and annealing: read from the lr series itself ---------------------------------

// The span covers the steps that raised the lr; s.warmup_over (the first step that did not)
// closes it at the step before: the lr's peak.
void CurvePhases::warmup(const StepSignals& s) {
    if (!lr_seen_) {
        lr_first_ = s.lr;
        warm_.start = s.step;
        return;
    }
    if (s.warmup_over) {
        if (warm_.open) send_warmup(true);
        return;
    }
    if (!warm_.open) {
        warm_.begin(warm_.start);
    }
    warm_end_ = s.step;
    warm_peak_ = s.lr;
    if (warm_.due(s.step, warm_end_, 0, ctx_.resend_every)) send_warmup(false);
}

void CurvePhases::send_warmup(bool close) {
    Insight in = make_insight(Kind::WarmUp, Severity::Info, warm_.start, warm_end_);
    in.title = close ? strf("Warm-up: steps %d-%d", warm_.start, warm_end_)
                     : strf("Warm-up: learning rate rising from %.3g", lr_first_);
    in.evidence = {{"lr_start", lr_first_}, {"lr_peak", warm_peak_}, {"steps", (double)(warm_end_ - warm_.start)}};
    in.explanation = strf(
        "The learning rate rises from %.3g to %.3g over steps %d-%d. Adam divides each step by a running "
        "estimate of the gradient's size; at the start that estimate rests on a few batches only, so the first "
        "updates are kept small until it settles.",
        lr_first_, warm_peak_, warm_.start, warm_end_);
    in.causes = {"the schedule (warmup_iters)"};
    in.tries = {"nothing: this is the schedule", "a longer warm-up if the loss spikes just after it ends"};
    warm_.send(ctx_.out, std::move(in), close, warm_end_, 0);  // the lr rising is expected: no key
}

void CurvePhases::annealing(const StepSignals& s) {
    if (!s.warmup_over || !(s.lr_peak > 0)) return;
    const bool low = s.lr < kAnneal * s.lr_peak;
    if (!anneal_.open) {
        if (!low || !(s.lr < lr_prev_)) return;
        anneal_.begin(s.step);
    }
    anneal_lr_ = s.lr;
    if (!low) send_annealing(true, step_prev_);  // the lr went back up (a restart schedule)
    else if (anneal_.due(s.step, s.step, s.lr, ctx_.resend_every)) send_annealing(false, s.step);
}

void CurvePhases::send_annealing(bool close, int step) {
    Insight in = make_insight(Kind::Annealing, Severity::Info, anneal_.start, step);
    in.title = strf("Annealing from step %d", anneal_.start);
    const double peak = ctx_.lr_peak > 0 ? ctx_.lr_peak : warm_peak_;
    in.evidence = {{"lr", anneal_lr_}, {"lr_peak", peak}, {"fraction_of_peak", anneal_lr_ / peak},
                   {"threshold", kAnneal}};
    in.explanation = strf(
        "The learning rate has fallen below %.0f %% of its peak (%.3g of %.3g) and keeps falling. Smaller "
        "steps stop the weights bouncing across the valley they are in and let them settle towards its floor: "
        "the loss often drops a little faster here, then flattens as the steps become tiny.",
        100 * kAnneal, anneal_lr_, peak);
    in.causes = {"the schedule: cosine decay towards min_lr at lr_decay_iters"};
    in.tries = {"nothing: this is the schedule", "a longer run (lr_decay_iters) if the loss is still falling fast"};
    anneal_.send(ctx_.out, std::move(in), close, step, anneal_lr_);
}

// ---- rapid descent and the n-gram levels ---------------------------------------------------

void CurvePhases::rapid_descent(const StepSignals& s) {
    fast_hist_.add(s.fast);
    const int lookback = (int)std::min<size_t>(100, fast_hist_.size() - 1);
    if (lookback < kRapidMinSteps) return;
    const double then = fast_hist_.back(lookback);
    const double rate = (1 - s.fast / then) * 100.0 / lookback;  // fraction per 100 steps
    if (!rapid_.open) {
        if (!(rate > kRapid)) return;
        rapid_.begin(s.step - lookback);
        rapid_from_ = then;
        rapid_max_rate_ = 0;
    }
    rapid_to_ = s.fast;
    rapid_rate_ = rate;
    rapid_max_rate_ = std::max(rapid_max_rate_, rate);
    if (!(rate > kRapid)) send_rapid(true, s.step);
    else if (rapid_.due(s.step, s.step, s.fast, ctx_.resend_every)) send_rapid(false, s.step);
}

void CurvePhases::send_rapid(bool close, int step) {
    Insight in = make_insight(Kind::RapidDescent, Severity::Info, rapid_.start, step);
    in.title = strf("Rapid descent: %.2f -> %.2f", rapid_from_, rapid_to_);
    in.evidence = {{"loss_start", rapid_from_}, {"loss_end", rapid_to_}, {"max_rate_per_100", rapid_max_rate_},
                   {"rate_per_100", rapid_rate_}, {"threshold", kRapid}};
    std::string crossed;
    for (size_t i = 0; i < ctx_.levels.size(); i++) {
        if (!crossed_[i] || crossed_step_[i] < rapid_.start) continue;
        in.evidence.push_back({std::string("crossed_") + ctx_.levels[i].first, (double)crossed_step_[i]});
        crossed += strf("%s%s at step %d", crossed.empty() ? "" : ", ", level_phrase(ctx_.levels[i].first),
                        crossed_step_[i]);
    }
    in.explanation = strf(
        "The smoothed loss fell from %.3f to %.3f (at best %.0f %% per 100 steps). First the model learns the "
        "cheap statistics of the text: how common each token is, then which token tends to follow which.%s",
        rapid_from_, rapid_to_, 100 * rapid_max_rate_,
        crossed.empty() ? "" : (" It went below " + crossed + ".").c_str());
    in.causes = {"the start of training: the easy, frequent patterns are learned first"};
    in.tries = {"nothing: watch where it slows down, often at an n-gram level"};
    rapid_.send(ctx_.out, std::move(in), close, step, rapid_to_);
}

void CurvePhases::levels(const StepSignals& s) {
    for (size_t i = 0; i < ctx_.levels.size() && i < 4; i++) {
        const auto& [name, level] = ctx_.levels[i];
        if (s.fast > level) above_[i] = true;
        if (!above_[i] || crossed_[i] || !(s.fast < level)) continue;
        crossed_[i] = true;
        crossed_step_[i] = s.step;
        Insight in = make_insight(Kind::LevelCrossed, Severity::Info, s.step, s.step, name);
        in.title = strf("Below the %s level (%.2f) at step %d", name, level, s.step);
        in.evidence = {{"level", level}, {"smoothed_loss", s.fast}, {"loss", s.loss}};
        const std::string what = std::string(name) == "uniform"
            ? strf("ln V = %.3f nats, the loss of guessing every token with equal probability: from here on the "
                   "model knows something about the text.", level)
            : std::string(name) == "unigram"
            ? strf("%.3f nats, the loss of a table of how often each token occurs: the model has learned which "
                   "tokens are common.", level)
            : std::string(name) == "bigram"
            ? strf("%.3f nats, the loss of a table of which token follows which: the model now predicts from the "
                   "previous token as well as such a table does. To do better it must look further back.", level)
            : strf("%.3f nats, the loss of a table over the two previous tokens: the model uses more context "
                   "than a trigram table; from here on that comes from attention over earlier tokens.", level);
        in.explanation = "The smoothed training loss went below " + what +
                         " (The levels are measured on the validation text with tables counted on the training "
                         "text, as prepare does; the model's own validation loss is usually a little higher than "
                         "its training loss.)";
        ctx_.out.emit(std::move(in));
    }
}

// ---- the log-log slope: slowdown and steady power-law descent ------------------------------

void CurvePhases::slope_phases(const StepSignals& s) {
    if (!std::isfinite(s.slope)) return;
    const double x = std::log(s.step + 1.0);
    const bool checkpoint = x >= next_checkpoint_;
    if (checkpoint) {
        checkpoints_.add(s.slope);
        next_checkpoint_ = x + std::log(kSlopeSpan);
    }
    slowdown(s);
    power_law(s, x, checkpoint);
}

// |k| well below the median of the windows before it, held for kSlowSteps steps; ends when the
// pace is back to kSlowEnd of that median, or when the lr has decayed (then it is convergence).
void CurvePhases::slowdown(const StepSignals& s) {
    const double k = s.slope;
    const bool lr_ok = !(s.lr_peak > 0) || !std::isfinite(s.lr) || s.lr >= kSlowLr * s.lr_peak;
    const bool recovered = !lr_ok || k <= kSlowEnd * cand_ref_;
    if (slow_.open) {
        slow_k_ = k;
        slow_k_min_ = std::max(slow_k_min_, k);  // the flattest slope (closest to 0, or above)
        slow_loss_ = s.fast;
        if (recovered) {
            send_slowdown(true, s.step, lr_ok);
            cand_start_ = -1;
        } else if (slow_.due(s.step, s.step, k, ctx_.resend_every)) {
            send_slowdown(false, s.step, false);
        }
        return;
    }
    if (cand_start_ >= 0) {
        if (recovered) {
            cand_start_ = -1;  // the pace came back before it counted
        } else {
            slow_k_min_ = std::max(slow_k_min_, k);
            if (s.step - cand_start_ >= kSlowSteps) {
                slow_.begin(cand_start_);
                slow_k_ = k;
                slow_loss_ = s.fast;
                send_slowdown(false, s.step, false);
            }
        }
        return;
    }
    if (checkpoints_.size() < 5 || !lr_ok || !s.warmup_over) return;
    Ring<5> before;
    for (size_t i = 0; i < 5; i++) before.add(checkpoints_.back(i));
    const double ref = before.median();
    if (ref < 0 && k > kSlow * ref) {
        cand_start_ = s.step;
        cand_ref_ = ref;
        slow_k_min_ = k;
    }
}

// The last 3 windows' slopes negative and within +-kSteady of their mean.
void CurvePhases::power_law(const StepSignals& s, double x, bool checkpoint) {
    if (!s.warmup_over || rapid_.open || slow_.open || cand_start_ >= 0) calm_from_ = s.step + 1;
    if (checkpoint && checkpoints_.size() >= 3) {
        const double a = checkpoints_.back(0), b = checkpoints_.back(1), c = checkpoints_.back(2);
        const double m = (a + b + c) / 3;
        const double lo = std::min({a, b, c}), hi = std::max({a, b, c});
        const bool steady = m < 0 && lo >= m * (1 + kSteady) && hi <= m * (1 - kSteady);
        // Not a slowdown (or one pending): a slow stretch is a power law too, but the slowdown says
        // more. A slowdown closes the power law where the slowdown began.
        const bool slowing = slow_.open || cand_start_ >= 0;
        if (power_.open && (!steady || slowing)) {
            send_power_law(true, slowing ? std::max(power_.start, cand_start_ - 1) : s.step);
            return;
        }
        // It starts where the 3 windows start, but not inside warm-up or a rapid descent, and a
        // claim about a power law needs a range of scales: at least a factor 1.5 in steps.
        const int from = std::max({0, (int)std::lround(std::exp(x - 3 * std::log(kSlopeSpan))) - 1, calm_from_});
        if (steady && !slowing && !power_.open && s.step + 1 >= 1.5 * (from + 1)) {
            power_.begin(from);
            power_k_lo_ = lo;
            power_k_hi_ = hi;
        }
        if (power_.open) {
            power_k_ = m;
            power_k_lo_ = std::min(power_k_lo_, lo);
            power_k_hi_ = std::max(power_k_hi_, hi);
        }
    }
    if (power_.open && power_.due(s.step, s.step, power_k_, ctx_.resend_every)) send_power_law(false, s.step);
}

void CurvePhases::send_slowdown(bool close, int step, bool recovered) {
    Insight in = make_insight(Kind::Slowdown, Severity::Notice, slow_.start, step);
    in.title = strf("Slowdown from step %d at loss %.2f", slow_.start, slow_loss_);
    in.evidence = {{"slope", slow_k_}, {"flattest_slope", slow_k_min_}, {"slope_before", cand_ref_},
                   {"ratio_threshold", kSlow}, {"loss", slow_loss_}};
    std::string near;
    for (const auto& [name, level] : ctx_.levels)
        if (std::fabs(slow_loss_ - level) < 0.05 * level) near = strf(" That is near %s (%.2f).", level_phrase(name), level);
    in.explanation = strf(
        "Progress slowed: at its slowest the loss fell like t^%.2f (its log-log slope; t^%.2f now), against "
        "t^%.2f over the stretch before: below %.0f %% of that pace from step %d, for %d steps.%s To do better "
        "the model has to find a new kind of pattern, often using more context through attention; such "
        "shoulders often end abruptly once it does.",
        slow_k_min_, slow_k_, cand_ref_, 100 * kSlow, slow_.start, step - slow_.start, near.c_str());
    if (recovered) in.explanation += strf(" The pace was back above %.0f %% at step %d.", 100 * kSlowEnd, step);
    in.causes = {"what short context can give is used up (an n-gram shoulder)",
                 "a learning rate too low to make progress", "a hard region of the loss landscape"};
    in.tries = {"wait: shoulders usually end by themselves", "if it lasts: a higher learning rate"};
    slow_.send(ctx_.out, std::move(in), close, step, slow_k_);
}

void CurvePhases::send_power_law(bool close, int step) {
    Insight in = make_insight(Kind::PowerLaw, Severity::Info, power_.start, step);
    const double per_doubling = std::pow(2.0, power_k_);
    in.title = strf("Steady power-law descent, L ~ t^%.2f", power_k_);
    in.evidence = {{"slope", power_k_}, {"slope_min", power_k_lo_}, {"slope_max", power_k_hi_},
                   {"per_doubling", per_doubling}, {"tolerance", kSteady}};
    in.explanation = strf(
        "The loss falls like a power of the step: on log-log axes a straight line with slope %.2f (between "
        "%.2f and %.2f). Each doubling of training multiplies the loss by %.3f, the same fraction every time: "
        "progress in steps gets slower, but steadily.",
        power_k_, power_k_lo_, power_k_hi_, per_doubling);
    in.causes = {"healthy training: the model keeps finding patterns at a steady rate"};
    in.tries = {"nothing: to see where it would go, extrapolate the line on log-log axes"};
    power_.send(ctx_.out, std::move(in), close, step, power_k_);
}

void CurvePhases::finish(int last_step) {
    if (warm_.open) send_warmup(true);
    if (anneal_.open) send_annealing(true, last_step);
    if (rapid_.open) send_rapid(true, last_step);
    if (slow_.open) send_slowdown(true, last_step, false);
    if (power_.open) send_power_law(true, last_step);
}

}  // namespace nanogpt::viz::insights

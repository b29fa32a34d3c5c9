// eval_detectors.cpp: overfitting and the generalisation gap at evaluations (eval_detectors.h).
#include "viz/insights/eval_detectors.h"

#include <algorithm>

namespace nanogpt::viz::insights {

void EvalDetectors::observe(int step, double val, double eval_train, double train_smoothed, bool warmup_over) {
    if (!std::isfinite(val)) return;
    // The training side measured at evaluations: the eval train loss (same batches every time,
    // like val) when the stream has it, else the smoothed per-step loss.
    const double train = std::isfinite(eval_train) ? eval_train : train_smoothed;
    const bool train_falling = std::isfinite(train) && std::isfinite(prev_train_) && train < prev_train_;

    // ---- overfitting
    if (val < best_val_) {
        if (overfit_.open) {  // a new best: the rise is over
            new_best_val_ = val;
            new_best_step_ = step;
            send_overfit(true, overfit_end_, true);
        }
        best_val_ = val;
        best_step_ = step;
        rising_ = 0;
    } else if (val > kWorse * best_val_ && (train_falling || overfit_.open)) {
        if (rising_++ == 0) {
            first_rise_ = step;
            rise_train_from_ = prev_train_;
        }
        overfit_val_ = val;
        overfit_train_ = train;
        overfit_end_ = step;
        if (rising_ >= kPatience) {
            if (!overfit_.open) {
                overfit_.begin(first_rise_);
            }
            overfit_evals_ = rising_;
            send_overfit(false, step, false);
        }
    } else if (!overfit_.open) {
        rising_ = 0;
    }
    prev_train_ = train;

    // ---- the generalisation gap: needs the eval train loss (measured like val)
    if (!std::isfinite(eval_train)) return;
    const double gap = val - eval_train;
    if (std::isnan(base_gap_) && warmup_over) {
        base_gap_ = gap;  // the part a different text explains (distribution shift), not memorising
        base_step_ = step;
    }
    if (n_recent_ == kGapEvals) std::rotate(recent_, recent_ + 1, recent_ + kGapEvals);
    else n_recent_++;
    recent_[n_recent_ - 1] = {step, val, gap};
    if (std::isnan(base_gap_) || n_recent_ < kGapEvals) return;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const Eval& e : recent_) {
        sx += e.step; sy += e.gap; sxx += (double)e.step * e.step; sxy += e.step * e.gap;
    }
    const double d = kGapEvals * sxx - sx * sx;
    const double slope = d > 0 ? (kGapEvals * sxy - sx * sy) / d : 0;
    const bool val_falling = recent_[kGapEvals - 1].val < recent_[0].val;
    gap_now_ = gap;
    if (!gap_.open) {
        if (overfit_.open || !(slope > 0) || !val_falling || gap - base_gap_ <= kGapExcess) return;
        const Eval& from = recent_[0].step >= base_step_ ? recent_[0] : recent_[1];  // not before the base
        gap_.begin(from.step);
        gap_first_ = from.gap;
        gap_max_ = gap;
        gap_end_ = step;
        send_gap(false, step);
        return;
    }
    gap_max_ = std::max(gap_max_, gap);
    gap_end_ = step;
    // Closes when overfitting takes over or the gap clearly shrinks again.
    if (overfit_.open || gap < gap_max_ - kGapExcess) send_gap(true, step);
    else send_gap(false, step);
}

void EvalDetectors::send_overfit(bool close, int end, bool new_best) {
    Insight in = make_insight(Kind::Overfitting, Severity::Warning, overfit_.start, end);
    in.title = strf("Overfitting since step %d (best val %.4f at step %d)", overfit_.start, best_val_, best_step_);
    in.evidence = {{"best_val", best_val_},
                   {"best_step", (double)best_step_},
                   {"val", overfit_val_},
                   {"rise", overfit_val_ / best_val_ - 1},
                   {"threshold", kWorse},
                   {"evals_above_best", (double)overfit_evals_}};
    if (std::isfinite(overfit_train_)) in.evidence.push_back({"train", overfit_train_});
    if (std::isfinite(rise_train_from_)) in.evidence.push_back({"train_before", rise_train_from_});
    in.explanation = strf(
        "The validation loss is %.4f, above its best %.4f at step %d, on %d evaluations in a row, while the "
        "training loss kept falling%s. The model keeps getting better on text it has seen and worse on text "
        "it has not: it is memorising its training data. The best model was the one at step %d (nanoGPT keeps "
        "that checkpoint when always_save_checkpoint is off).",
        overfit_val_, best_val_, best_step_, overfit_evals_,
        std::isfinite(rise_train_from_) && std::isfinite(overfit_train_)
            ? strf(" (%.4f -> %.4f)", rise_train_from_, overfit_train_).c_str()
            : "",
        best_step_);
    if (new_best)
        in.explanation += strf(" Then validation made a new best (%.4f at step %d): the rise is over.",
                               new_best_val_, new_best_step_);
    in.causes = {"a model large for its data (tiny Shakespeare is 1 M characters)", "training long past the best step",
                 "too little regularisation (dropout, weight decay)"};
    in.tries = {strf("keep the checkpoint of step %d", best_step_), "more data", "more dropout (nanoGPT: 0.2)",
                "a smaller model", "more weight decay", "stop earlier (max_iters)"};
    overfit_.send(ctx_.out, std::move(in), close, end, overfit_val_);
}

void EvalDetectors::send_gap(bool close, int end) {
    Insight in = make_insight(Kind::GapGrowing, Severity::Notice, gap_.start, end);
    in.title = strf("Generalisation gap growing: %.3f nats", gap_now_);
    in.evidence = {{"gap", gap_now_},
                   {"gap_at_start", gap_first_},
                   {"base_gap", base_gap_},
                   {"base_step", (double)base_step_},
                   {"excess", gap_now_ - base_gap_},
                   {"excess_threshold", kGapExcess},
                   {"evals", (double)kGapEvals}};
    in.explanation = strf(
        "Validation loss minus training loss (both measured on fixed batches at evaluations) grew from %.3f to "
        "%.3f while validation still fell. Part of any gap is that the validation text is different text: "
        "%.3f at step %d, the first evaluation after warm-up. The growing part, %.3f nats now, is the model "
        "starting to memorise its training text; overfitting usually follows.",
        gap_first_, gap_now_, base_gap_, base_step_, gap_now_ - base_gap_);
    in.causes = {"a model large for its data", "little regularisation (dropout 0 in the CPU demo)"};
    in.tries = {"watch the validation loss: stop when it turns up", "dropout (nanoGPT's GPU config uses 0.2)",
                "more data"};
    gap_.send(ctx_.out, std::move(in), close, end, gap_now_);
}

void EvalDetectors::finish(int last_step) {
    (void)last_step;  // spans end at their last evaluation
    if (overfit_.open) send_overfit(true, overfit_end_, false);
    if (gap_.open) send_gap(true, gap_end_);
}

}  // namespace nanogpt::viz::insights

// phase_map.cpp: PELT over the run's block means, as Phase and Shoulder insights (phase_map.h).
#include "viz/insights/phase_map.h"

#include <algorithm>

#include "viz/insights/pelt.h"

namespace nanogpt::viz::insights {

PhaseMap::PhaseMap(const MetricContext& ctx) : ctx_(ctx) {
    // Room for the whole run up front when its length is known: no allocation per step.
    blocks_.reserve(std::min(kMaxBlocks, (size_t)std::max(ctx.run_steps, 0) / kBlock + 2));
}

void PhaseMap::add(int step, double loss, double lr) {
    if (blocks_.empty() || blocks_.back().n == block_) {
        if (blocks_.size() == kMaxBlocks) merge_pairs();
        blocks_.emplace_back();
        blocks_.back().first = step;
    }
    Block& b = blocks_.back();
    b.step += step;
    b.loss += loss;
    b.n++;
    b.last = step;
    if (std::isfinite(lr)) {
        b.lr += lr;
        b.lr_known = true;
        lr_max_ = std::max(lr_max_, lr);
    }
}

// Neighbours merge and the block doubles: a run of any length keeps at most kMaxBlocks points.
void PhaseMap::merge_pairs() {
    size_t j = 0;
    for (size_t i = 0; i + 1 < blocks_.size(); i += 2, j++) {
        Block m = blocks_[i];
        const Block& o = blocks_[i + 1];
        m.step += o.step;
        m.loss += o.loss;
        m.lr += o.lr;
        m.n += o.n;
        m.last = o.last;
        m.lr_known = m.lr_known || o.lr_known;
        blocks_[j] = m;
    }
    if (blocks_.size() % 2) blocks_[j++] = blocks_.back();
    blocks_.resize(j);
    block_ *= 2;
}

namespace {

const char* nearest_level(const MetricContext& ctx, double loss, double* level) {
    const char* best = nullptr;
    double d_best = INFINITY;
    for (const auto& [name, value] : ctx.levels) {
        const double d = std::fabs(loss - value);
        if (d < 0.06 * value && d < d_best) {
            d_best = d;
            best = name;
            *level = value;
        }
    }
    return best;
}

}  // namespace

void PhaseMap::finish(bool offline) {
    if (!offline || blocks_.size() < 2 * kMinBlocks) return;
    const size_t n = blocks_.size();
    std::vector<double> x(n), y(n), lr(n, NAN);
    for (size_t i = 0; i < n; i++) {
        const Block& b = blocks_[i];
        x[i] = std::log(b.step / b.n + 1.0);
        y[i] = std::log(b.loss / b.n);
        if (b.lr_known) lr[i] = b.lr / b.n;
    }
    const double sigma = difference_sigma(y);
    const double penalty = kPenalty * sigma * sigma * std::log((double)n);
    const std::vector<LineSegment> segs = pelt_lines(x, y, penalty, kMinBlocks);
    for (size_t i = 0; i < segs.size(); i++) {
        const LineSegment& g = segs[i];
        const int first = blocks_[g.begin].first, last = blocks_[g.end - 1].last;
        const double k = g.slope;
        const double loss_start = std::exp(g.intercept + k * x[g.begin]);
        const double loss_end = std::exp(g.intercept + k * x[g.end - 1]);
        const double k_prev = i > 0 ? segs[i - 1].slope : NAN, k_next = i + 1 < segs.size() ? segs[i + 1].slope : NAN;
        const double lr_end = lr[g.end - 1];
        const double lr_peak = ctx_.lr_peak > 0 ? ctx_.lr_peak : lr_max_;
        // A phase that starts well above where the one before ended: a spike and its recovery.
        const bool jump = i > 0 && std::exp(y[g.begin]) > 1.05 * std::exp(y[segs[i - 1].end - 1]);
        const bool slow_before_fast = std::isfinite(k_next) && k_next < 0 && std::fabs(k) < kShoulder * std::fabs(k_next);
        const bool converging = !std::isfinite(k_next) && std::isfinite(k_prev) &&
                                std::fabs(k) < kShoulder * std::fabs(k_prev) && lr_peak > 0 && lr_end < 0.5 * lr_peak;
        const bool steepest = std::all_of(segs.begin(), segs.end(), [&](const LineSegment& o) { return o.slope >= k; });
        double level = 0;
        const char* near = nearest_level(ctx_, loss_end, &level);
        std::string label, what;
        if (jump) {
            label = "a jump and its recovery";
            what = strf("The loss jumped from %.3f to %.3f at the start of this phase and fell back: look for a "
                        "loss spike at its first steps.", std::exp(y[segs[i - 1].end - 1]), std::exp(y[g.begin]));
        } else if (k > 0.02) {
            label = "a rise";
            what = "The loss went up over this stretch: look for spikes or divergence in it.";
        } else if (slow_before_fast) {
            label = "a shoulder";
            what = strf("Progress slowed to t^%.2f, against t^%.2f in the next phase: the model had used up one "
                        "kind of pattern and had not yet found the next.", k, k_next);
        } else if (converging) {
            label = "convergence";
            what = strf("With the learning rate down to %.3g (of %.3g) the steps are small and the loss "
                        "settles: t^%.2f.", lr_end, lr_peak, k);
        } else if (i == 0 && (steepest || (std::isfinite(k_next) && k < k_next))) {
            label = "the first drop";
            what = strf("A fast first fall, t^%.2f%s: the model learns the cheap statistics first, how common "
                        "each token is.", k, steepest ? ", the fastest of the run" : ", faster than the phase after it");
        } else {
            label = "steady descent";
            what = strf("A straight line on log-log axes, t^%.2f: each doubling of training multiplies the loss "
                        "by %.3f.", k, std::pow(2.0, k));
        }
        const std::string near_text = near ? strf(", ending near the %s level (%.2f)", near, level) : std::string();
        Insight in = make_insight(Kind::Phase, Severity::Info, first, last, strf("phase:%zu", i + 1));
        in.title = strf("Phase %zu, steps %d-%d: %s%s", i + 1, first, last, label.c_str(), near_text.c_str());
        in.evidence = {{"index", (double)(i + 1)},  {"phases", (double)segs.size()}, {"slope", k},
                       {"loss_start", loss_start}, {"loss_end", loss_end},           {"points", (double)(g.end - g.begin)},
                       {"penalty_c", kPenalty},    {"sigma", sigma}};
        in.explanation = strf("Phase %zu of %zu of this run's loss curve (steps %d-%d, loss %.3f -> %.3f), found "
                              "by cutting ln(loss) over ln(step) into straight pieces where a break pays for "
                              "itself (PELT). ",
                              i + 1, segs.size(), first, last, loss_start, loss_end) +
                         what;
        ctx_.out.emit(in);
        if (!slow_before_fast) continue;
        Insight sh = make_insight(Kind::Shoulder, Severity::Notice, first, last);
        sh.title = strf("Shoulder, steps %d-%d%s", first, last, near_text.c_str());
        sh.evidence = {{"slope", k}, {"slope_after", k_next}, {"ratio_threshold", kShoulder}, {"loss_end", loss_end}};
        if (std::isfinite(k_prev)) sh.evidence.push_back({"slope_before", k_prev});
        sh.explanation = strf("From step %d to %d the loss fell only like t^%.2f, then faster again (t^%.2f from "
                              "step %d). %s",
                              first, last, k, k_next, blocks_[segs[i + 1].begin].first,
                              near ? strf("It sat near the %s level (%.2f): the model was as good as that n-gram "
                                          "table and had to learn to use more context, through attention, to "
                                          "get past it.",
                                          near, level)
                                         .c_str()
                                   : "The model had to find a new kind of pattern before progress resumed.");
        sh.causes = {"an n-gram plateau: short context used up", "a phase change in what the model computes "
                                                                 "(e.g. induction heads, Olsson et al. 2022)"};
        sh.tries = {"nothing: it ended by itself", "to shorten it: a higher learning rate"};
        ctx_.out.emit(std::move(sh));
    }
}

}  // namespace nanogpt::viz::insights

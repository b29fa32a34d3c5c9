// param_detectors.cpp: patterns in the parameters, one snapshot at a time (param_detectors.h).
//
// Per snapshot, from the exact per-slab statistics (param_rules.h derives RMS, gradient RMS,
// update/weight ratio, stable rank):
//   update/weight ratio off its peers (same tensor, other layers) or off its own history (in
//   units of the learning rate); the weight-decay equilibrium and exploding or collapsing weight
//   norms; vanishing and exploding gradients; gradient imbalance across layers against the
//   run's own steady state; stable rank far below a random matrix's.
// From the watched wte rows: clusters and the frequency direction (embedding_insights.cpp).
// From whole matrices at evaluations: the power-law exponent alpha (spectra.h), its fit spread
// over the frames that follow so no frame pays for all of it.
// Every rule, threshold and why: docs/insights.md ("Parameters").
#include "viz/insights/param_detectors.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "viz/insights/embedding_insights.h"
#include "viz/insights/emitter.h"
#include "viz/insights/param_rules.h"
#include "viz/insights/schedule.h"
#include "viz/insights/spectra.h"

namespace nanogpt::viz::insights {

namespace {

// Thresholds (docs/insights.md says where each comes from).
constexpr double kRmsFloor = 1e-2;          // skip weights this close to 0: their ratio means nothing
constexpr double kPeerFactor = 4.0;         // update ratio vs the median of its other layers
constexpr double kHistoryFactor = 10.0;     // ratio / lr vs its own running mean
constexpr double kEmaBeta = 0.9;            // ~10 frames
constexpr int kEmaWarmFrames = 5;           // history rule: frames of EMA before it may fire
constexpr double kWeightBoundFactor = 2.0;  // RMS above 2 x sqrt(lr_max / 2 wd): exploding
constexpr double kNoDecayGrowth = 10.0;     // without weight decay: RMS above 10 x its first value
constexpr double kShrinkFactor = 0.1;       // RMS below 0.1 x its first value: collapsing
constexpr double kVanishFactor = 1e-3;      // grad RMS below 1e-3 x its peers' median
constexpr double kExplodeFactor = 10.0;     // grad RMS above 10 x its median over 200 steps
constexpr int kExplodeWindowSteps = 200;
constexpr int kExplodeSettleSteps = 100;    // ... from 100 steps after warm-up, on post-warm-up frames
constexpr double kImbalanceAbsolute = 30.0; // max/min grad RMS across layers
constexpr double kImbalanceFactor = 3.0;    // ... or 3 x the run's own steady-state ratio
constexpr int kImbalanceWarmFrames = 10;
constexpr double kRankFloor = 1.5;          // stable rank below 1.5: one direction carries the matrix
constexpr int kOn = 3, kOff = 3, kResend = 10;  // debounce, in frames
constexpr int kEquilibriumEvery = 25;       // frames between updates of the equilibrium note
constexpr double kAlphaFlopsPerFrame = 2e8; // the alpha fit's share of one frame

struct SlabTrack {
    double first_rms = -1;
    double ema = 0;  // of ln(ratio / lr)
    int ema_frames = 0;
    History grad;
    Debounce peer, history, explode_w, shrink_w, vanish_g, explode_g, rank;
};

struct GroupTrack {
    std::string tensor;
    std::vector<int> slabs;
    bool matrix = false, gain = false;
    double ema_log_imbalance = 0;
    int frames = 0;
    Debounce imbalance;
};

// The alpha fit of one evaluation, a few matrices per frame.
struct AlphaJob {
    bool active = false;
    int step = 0;
    MatrixCopy* copy = nullptr;
    const std::vector<float>* values = nullptr;
    size_t next = 0;
    std::vector<PowerLawFit> fits;
};

}  // namespace

struct ParamDetectors::State {
    Emitter& out;
    ModelDesc model;
    RunInfo run;
    std::vector<Slab> slabs;
    std::vector<SlabNumbers> nums;
    std::vector<SlabTrack> track;
    std::vector<GroupTrack> groups;
    MatrixCopyPlan copy_plan;  // how the watcher lays out the matrices it copies
    AlphaJob alpha;
    EmbeddingInsights embedding;
    std::map<std::pair<Kind, std::string>, Insight> sent;  // open spans, as last sent
    double decay_progress = 0;  // sum over updates of lr * weight_decay
    int last_step = 0, frames = 0;
    double lr_max = 0;

    State(const ModelDesc& m, const RunInfo& r, Emitter& o)
        : out(o), model(m), run(r), slabs(describe_slabs(m)), nums(slabs.size()), track(slabs.size()),
          copy_plan(MatrixCopyPlan::make(m)), embedding(m, o) {
        for (size_t k = 0; k < slabs.size(); k++) {
            const Slab& s = slabs[k];
            if ((int)groups.size() <= s.group) groups.resize(s.group + 1);
            GroupTrack& g = groups[s.group];
            g.tensor = s.tensor;
            g.slabs.push_back((int)k);
            g.matrix = s.kind == SlabKind::Matrix;
            g.gain = s.kind == SlabKind::Gain;
        }
        lr_max = run.learning_rate;
    }

    bool warmed_up(int step) const { return step > run.warmup_iters; }
    double lr_of_update(int step) const { return std::max(learning_rate_at(run, std::max(step - 1, 0)), 1e-12); }
    // Weights whose update ratio is read: matrices and LayerNorm gains, not biases, not ~0.
    bool scored(size_t k) const {
        return nums[k].valid && slabs[k].kind != SlabKind::Bias && nums[k].rms > kRmsFloor;
    }

    static Insight severity(Severity sev) {
        Insight in;
        in.severity = sev;
        return in;
    }
    // Runs a span rule's debounce and sends what it decides: make() builds the insight, only
    // when one is sent; a close re-sends the last content with its end step.
    template <typename F>
    void span(Debounce& d, bool condition, int on, Kind kind, const std::string& subject, int step, F&& make) {
        const Debounce::Action a = d.step(condition, step, on, kOff, kResend);
        if (a == Debounce::None) return;
        const auto key = std::make_pair(kind, subject);
        if (a == Debounce::Close) {
            auto it = sent.find(key);
            if (it == sent.end()) return;
            Insight in = std::move(it->second);
            sent.erase(it);
            in.step_end = step;
            out.close_span(std::move(in));
            return;
        }
        Insight in = make();
        in.kind = kind;
        in.subject = subject;
        in.step_start = d.first_step;
        in.step_end = step;
        sent[key] = in;
        out.update_span(std::move(in));
    }

    void observe(const SnapshotView& v);
    void ratio_rules(int step, double lr);
    void weight_rules(int step);
    void gradient_rules(int step);
    void imbalance_rules(int step);
    void rank_rules(int step);
    void equilibrium(int step, double lr);
    void alpha_work(const SnapshotView& v);
    void alpha_fit(double flops_budget);
    void alpha_emit();
};

void ParamDetectors::State::ratio_rules(int step, double lr) {
    // Peers: the median ratio of the other layers of the same tensor.
    for (const GroupTrack& g : groups) {
        if (g.slabs.size() < 3) continue;  // two layers cannot say which one is off
        for (int k : g.slabs) {
            SlabTrack& t = track[k];
            bool off = false;
            double peer = NAN, q = NAN;
            if (scored(k) && warmed_up(step)) {
                std::vector<double> others;
                for (int j : g.slabs)
                    if (j != k && scored(j)) others.push_back(nums[j].ratio);
                if (others.size() >= 2) {
                    peer = median_of(others);
                    q = peer > 0 ? nums[k].ratio / peer : NAN;
                    off = std::isfinite(q) && (q > kPeerFactor || q < 1.0 / kPeerFactor);
                }
            }
            span(t.peer, off, kOn, Kind::UpdateRatioOutlier, slabs[k].subject, step, [&] {
                Insight in = severity(Severity::Warning);
                const bool fast = q > 1;
                in.title = slabs[k].subject + (fast ? " moves much faster than its other layers" : " moves much slower than its other layers");
                in.evidence = {{"update_ratio", nums[k].ratio}, {"peer_median", peer}, {"factor", q},
                               {"threshold", kPeerFactor}, {"lr", lr}};
                in.explanation = "Each optimizer step changes " + slabs[k].subject + " by " + num(nums[k].ratio) +
                                 " of its size (RMS of the update / RMS of the weights), while the other layers of " +
                                 slabs[k].tensor + " change by " + num(peer) + " (median): " + num(q) +
                                 "x, beyond the " + num(kPeerFactor) + "x this detector allows. In a healthy AdamW run "
                                 "the layers of one tensor move at similar rates (about 1e-2 per step at the peak "
                                 "learning rate, falling with it), because Adam scales every update to about lr.";
                in.causes = fast ? std::vector<std::string>{"this layer's gradients were near zero for a while, so Adam's second moment shrank and a normal gradient now gives a huge step (Molybog et al. 2023)",
                                                            "its weights are much smaller than its peers' (the ratio divides by them)",
                                                            "a learning rate too high for this layer"}
                                 : std::vector<std::string>{"the layer is frozen or its gradient path is cut (a dead branch)",
                                                            "its weights grew much larger than its peers'",
                                                            "tiny gradients: nothing flows back to this layer"};
                in.tries = fast ? std::vector<std::string>{"lower the learning rate or lengthen warm-up", "raise Adam's eps (1e-8 -> 1e-6) so near-zero second moments cannot blow the step up", "look at this layer's gradient RMS over time"}
                                : std::vector<std::string>{"check that the layer is trained (not frozen, its gradient not detached)", "compare its weight RMS with the other layers'"};
                if (!fast && !std::isfinite(q)) in.title = slabs[k].subject + " update ratio returned to its peers'";
                return in;
            });
        }
    }
    // History: ratio / lr against its own running mean (the ratio follows the schedule, so it is
    // compared in units of lr).
    for (size_t k = 0; k < slabs.size(); k++) {
        SlabTrack& t = track[k];
        bool off = false;
        double x = NAN, factor = NAN;
        if (scored(k) && warmed_up(step) && nums[k].ratio > 0) {
            x = std::log(nums[k].ratio / lr);
            if (t.ema_frames >= kEmaWarmFrames) {
                factor = std::exp(x - t.ema);
                off = factor > kHistoryFactor || factor < 1.0 / kHistoryFactor;
            }
            if (!off) {  // a jump does not move the baseline it is measured against
                t.ema = t.ema_frames == 0 ? x : kEmaBeta * t.ema + (1 - kEmaBeta) * x;
                t.ema_frames++;
            }
        }
        span(t.history, off, 2, Kind::UpdateRatioOutlier, slabs[k].subject + ":history", step, [&] {
            Insight in = severity(Severity::Warning);
            in.title = slabs[k].subject + (factor > 1 ? " update ratio jumped" : " update ratio fell") + " against its own history";
            in.evidence = {{"update_ratio", nums[k].ratio}, {"lr", lr}, {"ratio_per_lr", nums[k].ratio / lr},
                           {"usual_ratio_per_lr", std::exp(t.ema)}, {"factor", factor}, {"threshold", kHistoryFactor}};
            in.explanation = "Measured in units of the learning rate (the ratio follows the schedule), " + slabs[k].subject +
                             " now changes by " + num(nums[k].ratio / lr) + " x lr per step against its usual " +
                             num(std::exp(t.ema)) + " x lr: a factor " + num(factor) + ", beyond " + num(kHistoryFactor) + "x.";
            in.causes = {"a sudden change in this layer's gradients (a spike, or a path that died or came alive)",
                         "Adam's second moment decayed during a stretch of tiny gradients"};
            in.tries = {"look at the loss and gradient norm around this step", "lower the learning rate if it repeats"};
            return in;
        });
    }
}

void ParamDetectors::State::weight_rules(int step) {
    const double wd = run.weight_decay;
    const double bound = wd > 0 ? std::sqrt(lr_max / (2 * wd)) : 0;
    for (size_t k = 0; k < slabs.size(); k++) {
        if (!nums[k].valid || slabs[k].kind != SlabKind::Matrix) continue;
        SlabTrack& t = track[k];
        if (t.first_rms < 0) t.first_rms = nums[k].rms;
        const double rms = nums[k].rms, first = t.first_rms;
        const double limit = wd > 0 ? kWeightBoundFactor * bound : kNoDecayGrowth * first;
        const bool big = first > 0 && rms > limit;
        span(t.explode_w, big, kOn, Kind::WeightGrowth, slabs[k].subject, step, [&] {
            Insight in = severity(Severity::Warning);
            in.title = slabs[k].subject + " weights are growing without bound";
            in.evidence = {{"rms", rms}, {"rms_first", first}, {"limit", limit}, {"weight_decay", wd}, {"lr_max", lr_max}};
            in.explanation = wd > 0
                ? "AdamW's weight decay should hold each weight's RMS near sqrt(lr / (2 x weight_decay)) = " + num(bound) +
                      " (Kosson et al. 2023), yet " + slabs[k].subject + " has RMS " + num(rms) + ", over " + num(kWeightBoundFactor) +
                      "x that: the updates push its weights out faster than the decay pulls them in."
                : "Without weight decay nothing pulls the weights back: " + slabs[k].subject + " grew from RMS " + num(first) +
                      " to " + num(rms) + ", over " + num(kNoDecayGrowth) + "x.";
            in.causes = {"no or too little weight decay on this tensor", "a learning rate too high", "updates that keep pointing the same way (a direction the loss keeps rewarding, e.g. logit growth)"};
            in.tries = {"check weight_decay (nanoGPT: 0.1 on 2-D weights)", "lower the learning rate", "watch whether the loss still improves"};
            return in;
        });
        const bool small = first > 0 && rms < kShrinkFactor * first && warmed_up(step);
        span(t.shrink_w, small, kOn, Kind::WeightGrowth, slabs[k].subject + ":shrinking", step, [&] {
            Insight in = severity(Severity::Warning);
            in.title = slabs[k].subject + " weights are collapsing toward zero";
            in.evidence = {{"rms", rms}, {"rms_first", first}, {"threshold", kShrinkFactor}};
            in.explanation = slabs[k].subject + "'s RMS fell from " + num(first) + " to " + num(rms) +
                             ": weight decay is removing more than the updates add, so the layer is being switched off.";
            in.causes = {"weight decay too strong for the learning rate", "the gradient to this layer vanished"};
            in.tries = {"lower weight_decay", "check this layer's gradient RMS"};
            return in;
        });
    }
}

void ParamDetectors::State::gradient_rules(int step) {
    // Vanishing: against the median of the same tensor's other layers, or of all matrices for a
    // tensor with one layer.
    std::vector<double> all;
    for (size_t k = 0; k < slabs.size(); k++)
        if (nums[k].valid && slabs[k].kind == SlabKind::Matrix) all.push_back(nums[k].grad_rms);
    const double all_median = median_of(all);
    for (size_t k = 0; k < slabs.size(); k++) {
        SlabTrack& t = track[k];
        const bool counted = nums[k].valid && slabs[k].kind != SlabKind::Bias;
        if (counted) t.grad.push(step, nums[k].grad_rms);
        double ref = NAN;
        if (counted) {
            std::vector<double> peers;
            for (int j : groups[slabs[k].group].slabs)
                if (j != (int)k && nums[j].valid) peers.push_back(nums[j].grad_rms);
            ref = peers.size() >= 2 ? median_of(peers) : (slabs[k].kind == SlabKind::Matrix ? all_median : NAN);
        }
        const bool vanishing = std::isfinite(ref) && ref > 0 && nums[k].grad_rms < kVanishFactor * ref;
        span(t.vanish_g, vanishing, kOn, Kind::VanishingGradient, slabs[k].subject, step, [&] {
            Insight in = severity(Severity::Warning);
            in.title = slabs[k].subject + " gets almost no gradient";
            in.evidence = {{"grad_rms", nums[k].grad_rms}, {"peer_median", ref}, {"threshold", kVanishFactor}};
            in.explanation = slabs[k].subject + "'s gradient RMS is " + num(nums[k].grad_rms) + ", under " + num(kVanishFactor) +
                             " of its peers' " + num(ref) + ": this layer is not learning. In a pre-LN transformer the "
                             "residual stream carries gradient to every layer, so this should not happen.";
            in.causes = {"a dead path: units that never fire, an attention head that attends nowhere", "a missing residual connection or post-LN blocks", "a scale at init far too small"};
            in.tries = {"check the model's wiring around this layer", "use pre-LN blocks with residual connections (GPT-2)", "look at this layer's activations in the probe"};
            return in;
        });
        // Exploding: against its own median over the last 200 steps (frames before this one).
        // Early on every gradient grows 10-100x as the weights leave their init scale, so the
        // reference holds only frames after warm-up and the rule waits for 100 of those steps.
        const bool settled = step > run.warmup_iters + kExplodeSettleSteps;
        const double past = counted && settled
            ? t.grad.median_since(std::max(step - kExplodeWindowSteps, run.warmup_iters + 1)) : NAN;
        const bool exploding = counted && std::isfinite(past) && past > 0 && nums[k].grad_rms > kExplodeFactor * past;
        span(t.explode_g, exploding, 2, Kind::ExplodingGradient, slabs[k].subject, step, [&] {
            Insight in = severity(Severity::Warning);
            in.title = slabs[k].subject + " gradient is exploding";
            in.evidence = {{"grad_rms", nums[k].grad_rms}, {"median_last_200_steps", past}, {"threshold", kExplodeFactor}};
            in.explanation = slabs[k].subject + "'s gradient RMS is " + num(nums[k].grad_rms) + ", " +
                             num(nums[k].grad_rms / past) + "x its median over the last " + std::to_string(kExplodeWindowSteps) +
                             " steps, on consecutive snapshots (a single large gradient is a spike, not this).";
            in.causes = {"a learning rate too high: the weights moved into a region of high curvature", "attention logits growing (entropy collapse)", "no gradient clipping"};
            in.tries = {"lower the learning rate", "keep grad_clip at 1.0", "look for a loss spike or divergence right after"};
            return in;
        });
    }
}

void ParamDetectors::State::imbalance_rules(int step) {
    for (GroupTrack& g : groups) {
        if (!g.matrix || g.slabs.size() < 2) continue;
        double lo = INFINITY, hi = 0;
        int lo_k = -1, hi_k = -1;
        for (int k : g.slabs) {
            if (!nums[k].valid || nums[k].grad_rms <= 0) continue;
            if (nums[k].grad_rms < lo) lo = nums[k].grad_rms, lo_k = k;
            if (nums[k].grad_rms > hi) hi = nums[k].grad_rms, hi_k = k;
        }
        if (lo_k < 0) continue;
        const double ratio = hi / lo;
        bool off = false;
        if (warmed_up(step)) {
            const double usual = std::exp(g.ema_log_imbalance);
            off = ratio > kImbalanceAbsolute || (g.frames >= kImbalanceWarmFrames && ratio > kImbalanceFactor * usual);
            if (!off) {
                g.ema_log_imbalance = g.frames == 0 ? std::log(ratio) : kEmaBeta * g.ema_log_imbalance + (1 - kEmaBeta) * std::log(ratio);
                g.frames++;
            }
        }
        span(g.imbalance, off, kOn, Kind::GradientImbalance, g.tensor, step, [&] {
            Insight in = severity(Severity::Warning);
            in.title = "Gradients of " + g.tensor + " are badly unbalanced across layers";
            in.evidence = {{"max_over_min", ratio}, {"usual_max_over_min", std::exp(g.ema_log_imbalance)},
                           {"largest_layer", (double)slabs[hi_k].layer}, {"smallest_layer", (double)slabs[lo_k].layer},
                           {"threshold_absolute", kImbalanceAbsolute}, {"threshold_factor", kImbalanceFactor}};
            in.explanation = "Layer " + std::to_string(slabs[hi_k].layer) + " of " + g.tensor + " gets " + num(ratio) +
                             "x the gradient RMS of layer " + std::to_string(slabs[lo_k].layer) + ". Some imbalance is normal in a "
                             "pre-LN transformer (6-13x for qkvw on the CPU demo, the first layer largest); this run's own usual "
                             "ratio is " + num(std::exp(g.ema_log_imbalance)) + "x, and the detector fires above " +
                             num(kImbalanceAbsolute) + "x or " + num(kImbalanceFactor) + "x the usual.";
            in.causes = {"one layer's gradient vanishing or exploding", "post-LN blocks or a missing residual path", "an init scale off for some layers (GPT-2 scales residual projections by 1/sqrt(2L))"};
            in.tries = {"look at the layers' gradient RMS side by side", "check the block wiring (pre-LN, residuals)"};
            return in;
        });
    }
}

void ParamDetectors::State::rank_rules(int step) {
    for (size_t k = 0; k < slabs.size(); k++) {
        if (!nums[k].valid || slabs[k].kind != SlabKind::Matrix || nums[k].sigma <= 0) continue;
        SlabTrack& t = track[k];
        const double random = gaussian_stable_rank((int)std::lround(nums[k].rows_counted), slabs[k].cols);
        const double sr = nums[k].stable_rank;
        const bool low = warmed_up(step) && sr < kRankFloor;
        span(t.rank, low, kOn, Kind::RankCollapse, slabs[k].subject, step, [&] {
            Insight in = severity(Severity::Warning);
            in.title = slabs[k].subject + " has collapsed onto very few directions";
            in.evidence = {{"stable_rank", sr}, {"gaussian_stable_rank", random}, {"sigma_max", nums[k].sigma},
                           {"threshold", kRankFloor}};
            in.explanation = "The stable rank |W|_F^2 / sigma_max^2 counts how many directions carry the matrix's energy: " +
                         num(random) + " for a random matrix of this shape, " + num(sr) + " for " + slabs[k].subject +
                         " now, under " + num(kRankFloor) + ": one direction carries almost all of it. Learning lowers the "
                         "stable rank (the CPU demo ends at 6-16, and attprojw:1 sat near 2 for steps 200-400 before "
                         "recovering), but a matrix this close to rank one has stopped using most of its inputs.";
        in.causes = {"a learning rate too high: one direction grows without bound", "too much regularisation flattening the rest", "a degenerate input (e.g. a constant feature)"};
            in.tries = {"lower the learning rate", "watch sigma_max: does it keep growing?"};
            return in;
        });
    }
}

// Where the run stands against AdamW's equilibrium (an Info note, refreshed now and then).
void ParamDetectors::State::equilibrium(int step, double lr) {
    const double wd = run.weight_decay;
    if (wd <= 0 || (frames - 1) % kEquilibriumEvery != 0) return;
    const double eq_now = std::sqrt(lr / (2 * wd)), tau = 1.0 / (lr_max * wd);
    Insight in = severity(Severity::Info);
    in.kind = Kind::WeightGrowth;
    in.step_start = 0;
    in.step_end = step;
    in.title = "Weights settle where weight decay balances the updates";
    in.evidence = {{"lr", lr}, {"weight_decay", wd}, {"equilibrium_rms", eq_now},
                   {"time_constant_steps", tau}, {"decay_progress", decay_progress}};
    std::string rows;
    double far = 0;
    for (size_t k = 0; k < slabs.size(); k++) {
        if (!nums[k].valid || slabs[k].kind != SlabKind::Matrix || track[k].first_rms <= 0) continue;
        if (slabs[k].global || slabs[k].layer == 0) {
            in.evidence.push_back({slabs[k].subject + ".rms", nums[k].rms});
            in.evidence.push_back({slabs[k].subject + ".rms_first", track[k].first_rms});
            rows += (rows.empty() ? "" : ", ") + slabs[k].subject + " " + num(track[k].first_rms) + " -> " + num(nums[k].rms);
        }
        far = std::max(far, nums[k].rms / eq_now);
    }
    in.explanation = "AdamW shrinks every weight by lr x weight_decay per step while the updates push it out; the two "
                     "balance at an RMS of about sqrt(lr / (2 x weight_decay)) = " + num(eq_now) +
                     " at this step's learning rate (Kosson et al. 2023), reached after about 1 / (lr x weight_decay) = " +
                     num(tau) + " steps at the peak rate. This run has covered " + num(decay_progress) +
                     " of that time constant (the sum of lr x weight_decay over its updates), so the weights are " +
                     (decay_progress < 1 ? "still settling" : "near their balance") + ". Weight RMS so far: " + rows +
                     "; the largest is " + num(far) + "x the equilibrium value.";
    in.causes = {"the normal course of AdamW training"};
    in.tries = {"nothing: read the update/weight ratio against this (about sqrt(2 x lr x weight_decay) per step at balance)"};
    sent[std::make_pair(in.kind, in.subject)] = in;
    out.update_span(std::move(in));
}

void ParamDetectors::State::observe(const SnapshotView& v) {
    if (!v.stats) return;
    const int step = v.step;
    for (size_t k = 0; k < slabs.size(); k++)
        nums[k] = k < v.stats->size() ? numbers_of((*v.stats)[k], slabs[k]) : SlabNumbers{};
    for (int s = std::max(last_step, 0); s < step; s++) decay_progress += learning_rate_at(run, s) * run.weight_decay;
    last_step = std::max(last_step, step);
    frames++;
    const double lr = lr_of_update(step);
    ratio_rules(step, lr);
    weight_rules(step);
    gradient_rules(step);
    imbalance_rules(step);
    rank_rules(step);
    equilibrium(step, lr);
    if (v.values && v.token_ids && !v.token_ids->empty() &&
        v.wte_offset + v.token_ids->size() * (size_t)model.C <= v.values->size())
        embedding.observe(step, v.values->data() + v.wte_offset, *v.token_ids, model.C);
    alpha_work(v);
}

// The alpha fit: the copy of one evaluation, a few matrices per frame until done.
void ParamDetectors::State::alpha_work(const SnapshotView& v) {
    if (!alpha.active && v.matrices) {
        const std::vector<float>* m = v.matrices->take(v.step);
        if (m) alpha = AlphaJob{true, v.step, v.matrices, m, 0, {}};
    }
    if (alpha.active) alpha_fit(kAlphaFlopsPerFrame);
}

void ParamDetectors::State::alpha_fit(double budget) {
    double spent = 0;
    const auto& plan = copy_plan.slabs;
    while (alpha.next < plan.size() && spent < budget) {
        const MatrixCopyPlan::Slab& s = plan[alpha.next++];
        alpha.fits.push_back(fit_power_law(squared_singular_values(alpha.values->data() + s.start, s.rows, s.cols)));
        const double n = std::min(s.rows, s.cols), m = std::max(s.rows, s.cols);
        spent += m * n * n + 8.0 / 3.0 * n * n * n;
    }
    if (alpha.next < plan.size()) return;
    alpha_emit();
    alpha.active = false;
    alpha.copy->release();
}

void ParamDetectors::State::alpha_emit() {
    Insight in = severity(Severity::Info);
    in.kind = Kind::SpectralAlpha;
    in.step_start = in.step_end = alpha.step;
    std::vector<double> alphas;
    std::string rows;
    for (size_t i = 0; i < alpha.fits.size(); i++) {
        const PowerLawFit& f = alpha.fits[i];
        const MatrixCopyPlan::Slab& s = copy_plan.slabs[i];
        const std::string name = s.name + ":" + std::to_string(s.layer);
        if (!f.ok) continue;
        alphas.push_back(f.alpha);
        in.evidence.push_back({name + ".alpha", f.alpha});
        in.evidence.push_back({name + ".alpha_sigma", f.alpha_sigma});
        in.evidence.push_back({name + ".n_tail", (double)f.n_tail});
        if (s.layer == 0) rows += (rows.empty() ? "" : ", ") + name + " " + num(f.alpha) + " +- " + num(f.alpha_sigma);
    }
    if (alphas.empty()) return;
    const double med = median_of(alphas);
    in.evidence.insert(in.evidence.begin(), {"median_alpha", med});
    in.title = "Spectral exponent alpha " + num(med) + " (median over " + std::to_string(alphas.size()) + " matrices)";
    in.explanation = "The squared singular values of a weight matrix (the eigenvalues of W^T W) start as a random matrix's "
                     "(Marchenko-Pastur, no heavy tail) and grow a power-law tail p(x) ~ x^-alpha as the layer learns "
                     "correlations (Martin & Mahoney 2021, WeightWatcher). Smaller alpha means a heavier tail: WeightWatcher "
                     "reads 2-6 as well trained and > 6 as random-like. Here: " + rows + " (layer 0; error (alpha-1)/sqrt(n_tail)). "
                     "With only C = " + std::to_string(model.C) + " eigenvalues per matrix the fits are noisy: read alpha as a "
                     "trend over the run, not as a verdict.";
    in.causes = {"the normal course of training"};
    in.tries = {"follow the trend across evaluations; compare layers, not absolute values"};
    out.emit(std::move(in));
}

ParamDetectors::ParamDetectors(const ModelDesc& model, const RunInfo& run, Emitter& out)
    : s_(std::make_unique<State>(model, run, out)) {}
ParamDetectors::~ParamDetectors() = default;
void ParamDetectors::observe(const SnapshotView& s) { s_->observe(s); }

void ParamDetectors::finish(int last_step) {
    State& st = *s_;
    if (st.alpha.active) st.alpha_fit(INFINITY);  // the last evaluation's fit, whole
    for (auto& [key, in] : st.sent) {
        in.step_end = std::max(in.step_end, last_step);
        st.out.close_span(std::move(in));
    }
    st.sent.clear();
    st.embedding.finish(last_step);
}

}  // namespace nanogpt::viz::insights

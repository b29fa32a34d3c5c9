// metric_common.h: what the metric-stream detectors share (metric_detectors.h): the run as
// they know it (schedule, vocabulary, n-gram levels, how often a growing span is re-sent), the
// signals computed once per step that several of them read, the bookkeeping of an open span,
// and building an insight's text. Only an insight that is sent allocates.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "trainer/observer.h"
#include "viz/insights/emitter.h"
#include "viz/insights/insight.h"

namespace nanogpt::viz::insights {

// The run as the detectors know it; anything unknown is 0 or NaN (a bare metrics.csv).
struct MetricContext {
    Emitter& out;
    double lr_peak = 0;       // the configured peak learning rate; 0: the largest lr seen
    double ln_vocab = NAN;    // ln V, the loss of a uniform guess
    double grad_clip = 0;     // 0: clipping unknown or off
    int warmup_iters = -1;    // -1: unknown (read from the lr series instead)
    int run_steps = 0;        // max_iters, 0: unknown
    int resend_every = 20;    // steps between re-sends of a growing span (~1 % of the run)
    // The n-gram levels from the data, highest first: {"uniform", 4.17}, {"unigram", 3.35}, ...
    std::vector<std::pair<const char*, double>> levels;

    MetricContext(Emitter& e, const ModelDesc& model, const RunInfo& run);
};

// Computed once per step with a finite training loss, before the detectors run.
struct StepSignals {
    int step = 0;
    double loss = NAN;         // this step's training loss
    double lr = NAN;           // NaN when the row has none
    double grad_norm = NAN;
    double fast = NAN;         // bias-corrected EMA of the loss, beta 0.95 (about 20 steps)
    double fast_before = NAN;  // the same before this step
    double slow = NAN;         // beta 0.98 (about 50 steps): the sustained-rise rule
    double lr_peak = 0;        // configured, or the largest so far
    bool warmup_over = false;  // lr reached its peak (or there is no warm-up)
    double slope = NAN;        // d ln L / d ln t over [t/1.25, t] of the fast EMA
};

// An open span's bookkeeping: when it was last sent, with which end step and key number. A
// growing span is re-sent when its end moved and ctx.resend_every steps have passed (about 1 %
// of the run), or at once when its key number moved by more than 10 %: the page's cards should
// neither lag the curve nor flood the wire, and an unchanged span is never sent again.
struct SpanClock {
    bool open = false;
    int start = 0, last_sent = 0, last_end = 0;
    double last_key = 0;
    // Opens a span starting at `first`; its first due() is true.
    void begin(int first) {
        open = true;
        start = first;
        last_sent = -(1 << 30);
        last_end = -1;
        last_key = NAN;
    }
    bool due(int step, int end, double key, int every) const {
        if (!open) return false;
        if (std::isnan(last_key)) return true;
        const double moved = std::fabs(key - last_key) / std::max(std::fabs(last_key), 1e-12);
        return moved > 0.1 || (end != last_end && step - last_sent >= every);
    }
    void sent(int step, int end, double key) {
        last_sent = step;
        last_end = end;
        last_key = key;
    }
    // Sends the span's latest content: closed (and this clock with it), or as an update at
    // `step` with its key number.
    void send(Emitter& out, Insight in, bool close, int step, double key) {
        if (close) {
            open = false;
            out.close_span(std::move(in));
            return;
        }
        sent(step, in.step_end, key);
        out.update_span(std::move(in));
    }
};

// printf into a std::string (insight text only: called when an insight is sent).
inline std::string strf(const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

inline Insight make_insight(Kind kind, Severity severity, int start, int end, std::string subject = "") {
    Insight in;
    in.kind = kind;
    in.severity = severity;
    in.step_start = start;
    in.step_end = end;
    in.subject = std::move(subject);
    return in;
}

// "the bigram level (2.49)" style names of the n-gram levels, for the texts.
const char* level_phrase(const char* level);

}  // namespace nanogpt::viz::insights

// param_rules.h: the parameter detectors' shared pieces: what each slab of a snapshot is and
// its derived numbers (RMS, gradient RMS, update/weight ratio, stable rank), a fixed-size
// history per slab, the debounce every span rule uses, and number formatting for the texts.
// The rules themselves are in param_detectors.cpp; thresholds and why in docs/insights.md.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "trainer/observer.h"
#include "viz/insights/emitter.h"

namespace nanogpt::viz::insights {

enum class SlabKind { Matrix, Gain, Bias };

// One layer of one tensor, as ModelDesc lays them out.
struct Slab {
    std::string tensor;   // "qkvw"
    int layer = 0;        // within the tensor (0 for tensors outside the blocks)
    bool global = false;  // wte, wpe, lnfw, lnfb: no layer in the name
    int rows = 0, cols = 0;
    SlabKind kind = SlabKind::Bias;
    int group = -1;       // index of its tensor's group (ModelDesc order)
    std::string subject;  // "qkvw:2", "wte"
};

// A snapshot's numbers for one slab (0 where the slab has no statistics: a frozen bias).
struct SlabNumbers {
    bool valid = false;
    double rms = 0, grad_rms = 0, ratio = 0;  // ratio: RMS(update) / RMS(weight)
    double sigma = 0, stable_rank = 0;        // 0 when not measured
    double rows_counted = 0;                  // count / cols (wte: V, not the padded Vp)
};

std::vector<Slab> describe_slabs(const ModelDesc& model);
SlabNumbers numbers_of(const TensorStats& s, const Slab& slab);

// The last kCapacity values of a series with their steps (no allocation after construction).
class History {
public:
    static constexpr int kCapacity = 64;
    void push(int step, double value);
    int size() const { return size_; }
    // The i-th most recent (0: the newest).
    int step_at(int i) const { return steps_[index(i)]; }
    double value_at(int i) const { return values_[index(i)]; }
    // Median of the values strictly older than the newest whose step is >= since (nan if none).
    double median_since(int since) const;

private:
    int index(int i) const { return (head_ - 1 - i + 2 * kCapacity) % kCapacity; }
    std::array<int, kCapacity> steps_{};
    std::array<double, kCapacity> values_{};
    int head_ = 0, size_ = 0;
};

// A condition that must hold on `on` consecutive frames to open a span and fail on `off`
// consecutive frames to close it; while open the span is re-sent every `resend` frames.
struct Debounce {
    int hits = 0, misses = 0, since_sent = 0;
    bool open = false;
    int first_step = 0;  // where the condition first held, in the run that opened the span
    enum Action { None, Open, Update, Close };
    Action step(bool condition, int step, int on, int off, int resend);
};

// Numbers for texts: 3 significant digits ("0.0113", "1.1e-05", "12.4").
std::string num(double v);
// Median of a small array (copied).
double median_of(std::vector<double> v);

}  // namespace nanogpt::viz::insights

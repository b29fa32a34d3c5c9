// param_rules.cpp: slabs, their numbers, history and debounce (param_rules.h).
#include "viz/insights/param_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "viz/insights/spectra.h"

namespace nanogpt::viz::insights {

std::vector<Slab> describe_slabs(const ModelDesc& model) {
    std::vector<Slab> slabs;
    int group = 0;
    for (const TensorDesc& t : model.tensors) {
        const bool global = t.name == "wte" || t.name == "wpe" || t.name == "lnfw" || t.name == "lnfb";
        SlabKind kind = SlabKind::Bias;
        if (is_matrix(t)) kind = SlabKind::Matrix;
        else if (!t.name.empty() && t.name.back() == 'w') kind = SlabKind::Gain;  // ln1w, ln2w, lnfw
        for (int l = 0; l < t.layers; l++) {
            Slab s;
            s.tensor = t.name;
            s.layer = l;
            s.global = global;
            s.rows = t.rows;
            s.cols = t.cols;
            s.kind = kind;
            s.group = group;
            s.subject = global ? t.name : t.name + ":" + std::to_string(l);
            slabs.push_back(std::move(s));
        }
        group++;
    }
    return slabs;
}

SlabNumbers numbers_of(const TensorStats& s, const Slab& slab) {
    SlabNumbers n;
    if (s.count == 0) return n;
    const double count = (double)s.count;
    n.valid = true;
    n.rms = std::sqrt(s.sumsq / count);
    n.grad_rms = std::sqrt(s.grad_sumsq / count);
    n.ratio = s.sumsq > 0 ? std::sqrt(s.update_sumsq / s.sumsq) : 0.0;
    n.sigma = s.sigma_max;
    n.stable_rank = stable_rank(s.sumsq, s.sigma_max);
    n.rows_counted = slab.cols > 0 ? count / slab.cols : 0;
    return n;
}

void History::push(int step, double value) {
    steps_[head_] = step;
    values_[head_] = value;
    head_ = (head_ + 1) % kCapacity;
    size_ = std::min(size_ + 1, kCapacity);
}

double History::median_since(int since) const {
    std::array<double, kCapacity> v;
    int n = 0;
    for (int i = 1; i < size_; i++)
        if (step_at(i) >= since) v[n++] = value_at(i);
    if (n == 0) return NAN;
    std::nth_element(v.begin(), v.begin() + n / 2, v.begin() + n);
    return v[n / 2];
}

Debounce::Action Debounce::step(bool condition, int step, int on, int off, int resend) {
    if (condition) {
        misses = 0;
        if (hits++ == 0 && !open) first_step = step;
        if (!open && hits >= on) {
            open = true;
            since_sent = 0;
            return Open;
        }
        if (open && ++since_sent >= resend) {
            since_sent = 0;
            return Update;
        }
        return None;
    }
    hits = 0;
    if (open && ++misses >= off) {
        open = false;
        misses = 0;
        return Close;
    }
    return None;
}

std::string num(double v) {
    char buf[32];
    if (!std::isfinite(v)) return v > 0 ? "inf" : v < 0 ? "-inf" : "nan";
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

double median_of(std::vector<double> v) {
    if (v.empty()) return NAN;
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
}

}  // namespace nanogpt::viz::insights

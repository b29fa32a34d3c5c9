// attention_lab.h: what the two attention labs share: their arguments (the shape, dropout,
// precision), the causal-attention sizes derived from them, the device and the packed input.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>

#include "bench/bench_args.h"
#include "bench/kernels/lab.h"
#include "kernels/backend.h"
#include "kernels/precision.h"

namespace nanogpt::lab {

struct AttentionShape {
    int B, T, C, NH, hs;
    Dropout drop;
    Precision precision;  // of version 1's products (cuBLAS); the lab's own kernels are fp32
    size_t n_out() const { return (size_t)B * T * C; }          // out, dout (B,T,C)
    size_t n_att() const { return (size_t)B * NH * T * T; }     // att (B,NH,T,T)
    int rows() const { return B * NH * T; }                     // query rows (b, h, t)
    float scale() const { return 1.0f / std::sqrt((float)hs); }
    float keep_scale() const { return drop.active() ? 1.0f / (1.0f - drop.p) : 1.0f; }
    std::string describe() const {
        return "B=" + std::to_string(B) + " T=" + std::to_string(T) + " C=" + std::to_string(C) +
               " NH=" + std::to_string(NH) + " dropout=" + dropout_text();
    }
    std::string dropout_text() const {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", drop.p);
        return buf;
    }
};

// GPT-2 124M's attention by default: B 4, T 1024, C 768, NH 12.
inline bench::Args attention_args(const std::string& lab) {
    return bench::Args(lab + " [--B 4] [--T 1024] [--C 768] [--NH 12] [--dropout 0] "
                             "[--precision fp32|tf32|bf16] [--reps 20] [--version 0] [--device cuda|cpu]",
                       {{"B", "4"}, {"T", "1024"}, {"C", "768"}, {"NH", "12"}, {"dropout", "0"},
                        {"precision", "fp32"}, {"reps", "20"}, {"version", "0"}, {"device", "cuda"}});
}

inline AttentionShape attention_shape(const bench::Args& args) {
    AttentionShape s{args.positive("B"), args.positive("T"), args.positive("C"), args.positive("NH"), 0,
                     Dropout{(float)args.real("dropout", 0.0, 0.99), 1234567}, Precision::fp32};
    if (s.C % s.NH != 0) throw bench::UsageError("--C must be a multiple of --NH", args.usage());
    s.hs = s.C / s.NH;
    try {
        s.precision = parse_precision(args.str("precision"));
    } catch (const Error& e) {
        throw bench::UsageError(e.what(), args.usage());
    }
    return s;
}

// A lab's start: its arguments parsed, the shape, the device (absent: no GPU, the lab skips)
// and qkv(B,T,3C), the same random input in both labs.
struct AttentionLab {
    bench::Args args;
    AttentionShape s;
    LabDevice dev;
    std::vector<float> qkv;

    AttentionLab(const std::string& name, int argc, char** argv)
        : args(parsed(name, argc, argv)), s(attention_shape(args)), dev(args.str("device"), s.precision) {
        if (dev.present()) qkv = random_values(3 * s.n_out(), 1);
    }

private:
    static bench::Args parsed(const std::string& name, int argc, char** argv) {
        bench::Args a = attention_args(name);
        a.parse(argc, argv);
        return a;
    }
};

}  // namespace nanogpt::lab

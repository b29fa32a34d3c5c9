// bench_args.h: what the benchmarks share: their `--key value` arguments (Args), the error
// handling of their main (run_main), the model shapes they time and a fixed batch.
// Usable from nvcc's C++17 too (the kernel lab in bench/kernels/ includes it).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/counter_rng.h"
#include "common/error.h"
#include "trainer/model_config.h"

namespace nanogpt::bench {

// A mistake in the command line: run_main exits 2 for it (1 for any other failure).
class UsageError : public Error {
public:
    using Error::Error;
};

// `--key value` arguments over a set of defaults. parse() refuses an unknown key and a key
// without a value; the typed getters refuse a value that is not a number in range. Every error
// names the option and carries "usage: ..." as its hint.
class Args {
public:
    Args(std::string usage, std::map<std::string, std::string> defaults)
        : usage_("usage: " + std::move(usage)), values_(std::move(defaults)) {}

    void parse(int argc, char** argv) {
        for (int i = 1; i < argc; i += 2) {
            const std::string key = argv[i];
            if (key.rfind("--", 0) != 0 || !values_.count(key.substr(2)))
                throw UsageError("unknown option " + key, usage_);
            if (i + 1 >= argc) throw UsageError(key + " needs a value", usage_);
            values_[key.substr(2)] = argv[i + 1];
        }
    }

    const std::string& str(const std::string& key) const { return values_.at(key); }
    int positive(const std::string& key) const { return integer(key, 1, "positive"); }
    int non_negative(const std::string& key) const { return integer(key, 0, "0 or more"); }
    // A number in [lo, hi].
    double real(const std::string& key, double lo, double hi) const {
        return number(key, lo, hi, "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                      [](const std::string& v, size_t* used) { return std::stod(v, used); });
    }
    // 0 or 1.
    bool flag(const std::string& key) const {
        const std::string& v = str(key);
        if (v != "0" && v != "1") throw UsageError("--" + key + " takes 0 or 1 (got " + v + ")", usage_);
        return v == "1";
    }
    const std::string& usage() const { return usage_; }

private:
    int integer(const std::string& key, int min, const std::string& range) const {
        return (int)number(key, min, 1e9, range,
                           [](const std::string& v, size_t* used) { return (double)std::stol(v, used); });
    }

    // parse(value, &used) must read the whole value, within [lo, hi] (described by `range`);
    // else a UsageError naming --key.
    template <typename Parse>
    double number(const std::string& key, double lo, double hi, const std::string& range, Parse parse) const {
        const std::string& v = str(key);
        size_t used = 0;
        double x = 0;
        try {
            x = parse(v, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != v.size())
            throw UsageError("--" + key + " " + v + " is not a number", usage_);
        if (!(x >= lo && x <= hi)) throw UsageError("--" + key + " must be " + range + " (got " + v + ")", usage_);
        return x;
    }

    std::string usage_;
    std::map<std::string, std::string> values_;
};

inline void print_error(const std::exception& e, const std::string& hint) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", e.what());
    if (!hint.empty()) std::fprintf(stderr, "hint: %s\n", hint.c_str());
}

// The body of every benchmark's main: runs run(argc, argv) and turns an Error into
// "error: <what>" / "hint: <hint>" on stderr and exit status 2 (usage) or 1.
template <typename F>
int run_main(int argc, char** argv, F run) {
    try {
        return run(argc, argv);
    } catch (const UsageError& e) {
        print_error(e, e.hint());
        return 2;
    } catch (const Error& e) {
        print_error(e, e.hint());
        return 1;
    } catch (const std::exception& e) {
        print_error(e, "");
        return 1;
    }
}

// gpt2-124m: GPT-2 small; char-small: nanoGPT's shakespeare_char CPU demo model; tiny: two
// layers of 64 channels, for smoke tests.
inline bool shape_config(const std::string& shape, ModelConfig& out) {
    if (shape == "gpt2-124m") out = ModelConfig{1024, 50257, pad_vocab(50257), 12, 12, 768};
    else if (shape == "char-small") out = ModelConfig{64, 65, pad_vocab(65), 4, 4, 128};
    else if (shape == "tiny") out = ModelConfig{64, 65, pad_vocab(65), 2, 2, 64};
    else return false;
    return true;
}

// shape_config, or a UsageError naming the option and the shapes there are.
inline ModelConfig shape_arg(const Args& args, const std::string& key) {
    ModelConfig mc;
    if (!shape_config(args.str(key), mc))
        throw UsageError("unknown --" + key + " '" + args.str(key) + "'",
                         "use --" + key + " gpt2-124m, char-small or tiny");
    return mc;
}

// A fixed pseudo-random batch: inputs and targets of B*T tokens below `vocab`, a pure function
// of the seeds, so every benchmark (and every run of it) steps on the same data.
inline void random_batch(int B, int T, int vocab, std::vector<int>& x, std::vector<int>& y,
                         uint64_t x_seed = 1, uint64_t y_seed = 2) {
    x.resize((size_t)B * T);
    y.resize((size_t)B * T);
    for (size_t i = 0; i < x.size(); i++) {
        x[i] = (int)(rng_at(x_seed, i) % vocab);
        y[i] = (int)(rng_at(y_seed, i) % vocab);
    }
}

}  // namespace nanogpt::bench

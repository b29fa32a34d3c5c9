// insights_cost.cpp: what the metric-stream detectors cost. Replays a recorded run's metrics
// through the insights Engine (the code the dashboard's worker runs per step) and prints the
// time per observe_metrics call (median over rounds), the heap allocations per step (the
// rule: none but a firing insight's), and the offline finish (the PELT phase map) on its own.
// Usage: bench_insights_cost [--run tests/viz/fixtures/shakespeare_char_cpu] [--rounds 21]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "bench/bench_args.h"
#include "viz/insights/engine.h"
#include "viz/insights/offline.h"

using namespace nanogpt;
using namespace nanogpt::viz::insights;
using Clock = std::chrono::steady_clock;

// Every heap allocation of the process, counted.
static std::atomic<uint64_t> g_allocations{0};
void* operator new(size_t n) {
    g_allocations++;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int run(int argc, char** argv) {
    bench::Args args("bench_insights_cost [--run DIR|metrics.csv] [--rounds N]",
                     {{"run", std::string(NANOGPT_SOURCE_DIR) + "/tests/viz/fixtures/shakespeare_char_cpu"},
                      {"rounds", "21"}});
    args.parse(argc, argv);
    const RecordedRun rec = read_recorded_run(args.str("run"));
    const int rounds = args.positive("rounds");
    std::vector<double> ns_per_step, finish_ms;
    uint64_t allocs_observe = 0, sent_observe = 0, silent = 0;
    for (int r = 0; r < rounds; r++) {
        uint64_t sent = 0;
        Engine engine(rec.model, rec.run, [&](const Insight&) { sent++; });
        const uint64_t a0 = g_allocations.load();
        const auto t0 = Clock::now();
        for (const StepMetrics& m : rec.metrics) engine.observe_metrics(m);
        const auto t1 = Clock::now();
        allocs_observe = g_allocations.load() - a0;
        sent_observe = sent;
        if (r == 0) {  // untimed: which steps allocate without sending anything (the rule: none)
            uint64_t n = 0;
            Engine check(rec.model, rec.run, [&](const Insight&) { n++; });
            for (const StepMetrics& m : rec.metrics) {
                const uint64_t a = g_allocations.load(), n0 = n;
                check.observe_metrics(m);
                silent += g_allocations.load() > a && n == n0;
            }
        }
        const auto t1f = Clock::now();
        engine.finish(rec.metrics.back().step, true);
        const auto t2 = Clock::now();
        ns_per_step.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / rec.metrics.size());
        finish_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1f).count());
    }
    std::printf("run %s: %zu steps, %d rounds\n", args.str("run").c_str(), rec.metrics.size(), rounds);
    std::printf("observe_metrics: %.0f ns/step median (min %.0f, max %.0f)\n", median(ns_per_step),
                *std::min_element(ns_per_step.begin(), ns_per_step.end()),
                *std::max_element(ns_per_step.begin(), ns_per_step.end()));
    std::printf("heap allocations while observing: %llu for %llu insight messages sent (%.3f per step)\n",
                (unsigned long long)allocs_observe, (unsigned long long)sent_observe,
                (double)allocs_observe / rec.metrics.size());
    std::printf("steps that allocated without sending an insight: %llu\n", (unsigned long long)silent);
    std::printf("finish (offline, PELT phase map): %.3f ms median\n", median(finish_ms));
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

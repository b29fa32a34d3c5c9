// allreduce.cpp: what averaging GPT-2 124M's gradients costs between the ranks of a job, on
// host memory over MPI (the CPU backend's path): all-reduce, and ZeRO-1's reduce-scatter plus
// all-gather, median of N rounds, every rank timing the same calls.
//
// Usage: mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 build/bench_allreduce
//        [--floats 124475904] [--rounds 5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "bench/bench_args.h"
#include "dist/job.h"
#include "kernels/cpu/cpu_backend.h"

using namespace nanogpt;

static int run(int argc, char** argv) {
    bench::Args args("bench_allreduce [--floats 124475904] [--rounds 5]",
                     {{"floats", "124475904"}, {"rounds", "5"}});
    args.parse(argc, argv);
    const size_t n = (size_t)args.positive("floats");
    const int rounds = args.positive("rounds");
    auto job = dist::Job::start();
    CpuBackend cpu;
    auto comm = job->communicator_for(cpu);
    const size_t shard = (n + comm->size() - 1) / comm->size();
    std::vector<float> buf(shard * comm->size(), 1.0f);
    auto time_ms = [&](auto&& f) {
        comm->barrier();
        const auto t0 = std::chrono::steady_clock::now();
        f();
        comm->barrier();
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    };
    std::vector<double> ar, rs_ag;
    for (int r = 0; r < rounds; r++) {
        ar.push_back(time_ms([&] { comm->allreduce_avg(buf.data(), n); }));
        rs_ag.push_back(time_ms([&] {
            comm->reduce_scatter_avg(buf.data(), shard);
            comm->allgather(buf.data(), shard);
        }));
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    if (job->is_root())
        std::printf("%d ranks over %s, %zu floats (%.0f MB), median of %d: all-reduce %.1f ms, "
                    "reduce-scatter + all-gather %.1f ms\n",
                    comm->size(), comm->name().c_str(), n, n * 4 / 1e6, rounds, median(ar), median(rs_ag));
    return 0;
}

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }

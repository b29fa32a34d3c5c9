// mpi.h: MPI on host memory (Open MPI from Debian): the world of an mpirun job, its
// communicator for the CPU backend, and the watchdog that ends the job when a collective waits
// too long. Built when CMake finds MPI (NANOGPT_HAS_MPI).
#pragma once
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "dist/communicator.h"

namespace nanogpt::dist {

// Ends the process (and through mpirun the job) when a collective has waited longer than the
// timeout: a peer died mid-collective or cannot be reached. One per process.
class Watchdog {
public:
    Watchdog(int rank, double timeout_s);
    ~Watchdog();
    // RAII: a collective in progress.
    class Scope {
    public:
        Scope(Watchdog& w, const char* what);
        ~Scope();

    private:
        Watchdog& w_;
    };

private:
    void run();
    int rank_;
    double timeout_s_;
    std::atomic<int64_t> since_ms_{0};  // 0: no collective in progress
    std::atomic<const char*> what_{""};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Collectives over MPI_COMM_WORLD on host buffers. Sums are taken in float (MPI_SUM), then
// scaled by 1 / size, so a mean over 2 ranks is exactly round(a + b) / 2.
class MpiCommunicator final : public Communicator {
public:
    MpiCommunicator(int rank, int size, Watchdog& watchdog) : rank_(rank), size_(size), watchdog_(watchdog) {}
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::string name() const override { return "mpi"; }
    void allreduce_avg(float* buf, size_t n) override;
    void reduce_scatter_avg(float* buf, size_t shard) override;
    void allgather(float* buf, size_t shard) override;
    void allreduce_host(double* values, size_t n, ReduceOp op) override;
    void broadcast_host(void* data, size_t bytes, int root) override;
    void barrier() override;

private:
    int rank_, size_;
    Watchdog& watchdog_;
};

}  // namespace nanogpt::dist

// mpi.cpp: MPI collectives on host memory and the collective watchdog (mpi.h).
#include "dist/mpi.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/error.h"

namespace nanogpt::dist {
namespace {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void check(int rc, const char* what) {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw Error(std::string("MPI ") + what + " failed: " + std::string(text, len));
}

// MPI counts are int: long buffers go in chunks (Open MPI 4.1 has no large-count calls).
constexpr size_t kChunk = (size_t)INT_MAX / 2;

MPI_Op op_of(ReduceOp op) {
    switch (op) {
        case ReduceOp::Sum: return MPI_SUM;
        case ReduceOp::Min: return MPI_MIN;
        case ReduceOp::Max: return MPI_MAX;
    }
    return MPI_SUM;
}

}  // namespace

Watchdog::Watchdog(int rank, double timeout_s) : rank_(rank), timeout_s_(timeout_s) {
    thread_ = std::thread([this] { run(); });
}

Watchdog::~Watchdog() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void Watchdog::run() {
    while (!stop_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const int64_t since = since_ms_.load();
        if (since == 0 || timeout_s_ <= 0) continue;
        const double waited = (now_ms() - since) / 1000.0;
        if (waited < timeout_s_) continue;
        std::fprintf(stderr,
                     "error: rank %d waited %.0f s in a collective (%s) for the other ranks: a rank died or "
                     "cannot be reached; ending the job\nhint: check the other ranks' output; "
                     "--dist-timeout sets the limit\n",
                     rank_, waited, what_.load());
        std::fflush(stderr);
        std::_Exit(3);  // mpirun sees a rank end with an error and ends the job
    }
}

Watchdog::Scope::Scope(Watchdog& w, const char* what) : w_(w) {
    w_.what_ = what;
    w_.since_ms_ = now_ms();
}
Watchdog::Scope::~Scope() { w_.since_ms_ = 0; }

void MpiCommunicator::allreduce_avg(float* buf, size_t n) {
    Watchdog::Scope scope(watchdog_, "all-reduce");
    for (size_t at = 0; at < n; at += kChunk) {
        const int count = (int)std::min(kChunk, n - at);
        check(MPI_Allreduce(MPI_IN_PLACE, buf + at, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD), "Allreduce");
    }
    const float inv = 1.0f / (float)size_;
    for (size_t i = 0; i < n; i++) buf[i] *= inv;
}

void MpiCommunicator::reduce_scatter_avg(float* buf, size_t shard) {
    Watchdog::Scope scope(watchdog_, "reduce-scatter");
    if (shard > kChunk) throw Error("a gradient shard of " + std::to_string(shard) + " floats is too large for MPI");
    // In place: the input is all of buf, this rank's result lands at buf[0, shard).
    check(MPI_Reduce_scatter_block(MPI_IN_PLACE, buf, (int)shard, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD),
          "Reduce_scatter_block");
    float* mine = buf + (size_t)rank_ * shard;
    if (mine != buf) std::memmove(mine, buf, shard * sizeof(float));
    const float inv = 1.0f / (float)size_;
    for (size_t i = 0; i < shard; i++) mine[i] *= inv;
}

void MpiCommunicator::allgather(float* buf, size_t shard) {
    Watchdog::Scope scope(watchdog_, "all-gather");
    if (shard > kChunk) throw Error("a parameter shard of " + std::to_string(shard) + " floats is too large for MPI");
    check(MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, (int)shard, MPI_FLOAT, MPI_COMM_WORLD),
          "Allgather");
}

void MpiCommunicator::allreduce_host(double* values, size_t n, ReduceOp op) {
    Watchdog::Scope scope(watchdog_, "all-reduce of values");
    check(MPI_Allreduce(MPI_IN_PLACE, values, (int)n, MPI_DOUBLE, op_of(op), MPI_COMM_WORLD), "Allreduce");
}

void MpiCommunicator::broadcast_host(void* data, size_t bytes, int root) {
    Watchdog::Scope scope(watchdog_, "broadcast");
    char* p = static_cast<char*>(data);
    for (size_t at = 0; at < bytes; at += kChunk) {
        const int count = (int)std::min(kChunk, bytes - at);
        check(MPI_Bcast(p + at, count, MPI_BYTE, root, MPI_COMM_WORLD), "Bcast");
    }
}

void MpiCommunicator::barrier() {
    Watchdog::Scope scope(watchdog_, "barrier");
    check(MPI_Barrier(MPI_COMM_WORLD), "Barrier");
}

}  // namespace nanogpt::dist

// communicator.h: how the ranks of a data-parallel job talk to each other. Three
// implementations behind one interface: a single process (no MPI needed at run time), MPI on
// host memory (the CPU backend), NCCL on device memory (the CUDA backend, one GPU per local
// rank, its id handed round by MPI). The training loop is written once against this.
//
// Buffer collectives run on the backend's own memory (host memory on the CPU, device memory
// with NCCL) and are ordered with the backend's work (NCCL queues on the backend's stream).
// Host collectives (metrics, flags, statistics, checkpoints) always run on host memory.
// Every call is collective: all ranks make it, in the same order.
#pragma once
#include <cstddef>
#include <string>

namespace nanogpt {

enum class ReduceOp { Sum, Min, Max };

class Communicator {
public:
    virtual ~Communicator() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    virtual std::string name() const = 0;  // "single", "mpi", "nccl"

    // ---- on the backend's buffers ----
    // buf[i] = the mean over ranks of buf[i], in place.
    virtual void allreduce_avg(float* buf, size_t n) = 0;
    // buf holds size() * shard values on every rank; on return buf[rank*shard, +shard) holds
    // the mean over ranks of that shard (the rest of buf is left undefined).
    virtual void reduce_scatter_avg(float* buf, size_t shard) = 0;
    // buf[rank*shard, +shard) holds this rank's shard; on return all of buf holds every rank's.
    virtual void allgather(float* buf, size_t shard) = 0;

    // ---- on host memory ----
    virtual void allreduce_host(double* values, size_t n, ReduceOp op) = 0;
    virtual void broadcast_host(void* data, size_t bytes, int root) = 0;
    virtual void barrier() = 0;
};

}  // namespace nanogpt

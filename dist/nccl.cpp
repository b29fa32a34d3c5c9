// nccl.cpp: the NCCL communicator (nccl.h). ncclAvg (NCCL >= 2.10) averages in one pass;
// reduce-scatter and all-gather run in place (NCCL's in-place convention: this rank's shard
// at buf + rank * shard).
#include "dist/nccl.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include "common/error.h"

namespace nanogpt::dist {
namespace {

void check(ncclResult_t rc, const char* what) {
    if (rc == ncclSuccess) return;
    throw Error(std::string("NCCL ") + what + " failed: " + ncclGetErrorString(rc),
                "check that every rank has its own GPU (one rank per GPU) and that NCCL can reach the "
                "others (NCCL_DEBUG=INFO says why)");
}

class NcclCommunicator final : public Communicator {
public:
    NcclCommunicator(Communicator& host, cudaStream_t stream) : host_(host), stream_(stream) {
        ncclUniqueId id{};
        if (host.rank() == 0) check(ncclGetUniqueId(&id), "GetUniqueId");
        host.broadcast_host(&id, sizeof id, 0);
        check(ncclCommInitRank(&comm_, host.size(), id, host.rank()), "CommInitRank");
    }
    ~NcclCommunicator() override {
        if (comm_) ncclCommDestroy(comm_);
    }
    int rank() const override { return host_.rank(); }
    int size() const override { return host_.size(); }
    std::string name() const override { return "nccl"; }
    void allreduce_avg(float* buf, size_t n) override {
        check(ncclAllReduce(buf, buf, n, ncclFloat, ncclAvg, comm_, stream_), "AllReduce");
    }
    void reduce_scatter_avg(float* buf, size_t shard) override {
        check(ncclReduceScatter(buf, buf + (size_t)rank() * shard, shard, ncclFloat, ncclAvg, comm_, stream_),
              "ReduceScatter");
    }
    void allgather(float* buf, size_t shard) override {
        check(ncclAllGather(buf + (size_t)rank() * shard, buf, shard, ncclFloat, comm_, stream_), "AllGather");
    }
    void allreduce_host(double* values, size_t n, ReduceOp op) override { host_.allreduce_host(values, n, op); }
    void broadcast_host(void* data, size_t bytes, int root) override { host_.broadcast_host(data, bytes, root); }
    void barrier() override { host_.barrier(); }

private:
    Communicator& host_;
    cudaStream_t stream_;
    ncclComm_t comm_ = nullptr;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(Communicator& host, void* stream) {
    return std::make_unique<NcclCommunicator>(host, static_cast<cudaStream_t>(stream));
}

}  // namespace nanogpt::dist

// nccl.cpp: the NCCL communicator (nccl.h). ncclAvg (NCCL >= 2.10) averages in one pass;
// reduce-scatter and all-gather run in place (NCCL's in-place convention: this rank's shard
// at buf + rank * shard).
//
// libnccl is loaded when a job first needs it (dlopen), not linked: the binary then starts on
// any machine, with or without NCCL installed (a single GPU never needs it), and a job that
// does need it says where it looked.
#include "dist/nccl.h"

#include <dlfcn.h>

#include <cuda_runtime.h>
#include <nccl.h>

#include "common/error.h"

namespace nanogpt::dist {
namespace {

// The NCCL calls we use, resolved from the library.
struct NcclApi {
    decltype(&ncclGetUniqueId) get_unique_id;
    decltype(&ncclCommInitRank) comm_init_rank;
    decltype(&ncclCommDestroy) comm_destroy;
    decltype(&ncclAllReduce) all_reduce;
    decltype(&ncclReduceScatter) reduce_scatter;
    decltype(&ncclAllGather) all_gather;
    decltype(&ncclGetErrorString) error_string;
};

const NcclApi& nccl() {
    static const NcclApi api = [] {
        void* lib = nullptr;
        for (const char* name : {"libnccl.so.2", "libnccl.so"})
            if ((lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL))) break;
        if (!lib)
            throw Error("NCCL is needed for several GPUs but libnccl.so.2 could not be loaded",
                        "install NCCL (it ships with the CUDA toolkit and with PyTorch's nvidia-nccl wheel) "
                        "and put its directory in LD_LIBRARY_PATH");
        auto sym = [&](const char* n) {
            void* p = dlsym(lib, n);
            if (!p) throw Error(std::string("libnccl has no ") + n, "NCCL 2.10 or newer is needed");
            return p;
        };
        NcclApi a;
        a.get_unique_id = reinterpret_cast<decltype(a.get_unique_id)>(sym("ncclGetUniqueId"));
        a.comm_init_rank = reinterpret_cast<decltype(a.comm_init_rank)>(sym("ncclCommInitRank"));
        a.comm_destroy = reinterpret_cast<decltype(a.comm_destroy)>(sym("ncclCommDestroy"));
        a.all_reduce = reinterpret_cast<decltype(a.all_reduce)>(sym("ncclAllReduce"));
        a.reduce_scatter = reinterpret_cast<decltype(a.reduce_scatter)>(sym("ncclReduceScatter"));
        a.all_gather = reinterpret_cast<decltype(a.all_gather)>(sym("ncclAllGather"));
        a.error_string = reinterpret_cast<decltype(a.error_string)>(sym("ncclGetErrorString"));
        return a;
    }();
    return api;
}

void check(ncclResult_t rc, const char* what) {
    if (rc == ncclSuccess) return;
    throw Error(std::string("NCCL ") + what + " failed: " + nccl().error_string(rc),
                "check that every rank has its own GPU (one rank per GPU) and that NCCL can reach the "
                "others (NCCL_DEBUG=INFO says why)");
}

class NcclCommunicator final : public Communicator {
public:
    NcclCommunicator(Communicator& host, cudaStream_t stream) : host_(host), stream_(stream) {
        ncclUniqueId id{};
        if (host.rank() == 0) check(nccl().get_unique_id(&id), "GetUniqueId");
        host.broadcast_host(&id, sizeof id, 0);
        check(nccl().comm_init_rank(&comm_, host.size(), id, host.rank()), "CommInitRank");
    }
    ~NcclCommunicator() override {
        if (comm_) nccl().comm_destroy(comm_);
    }
    int rank() const override { return host_.rank(); }
    int size() const override { return host_.size(); }
    std::string name() const override { return "nccl"; }
    void allreduce_avg(float* buf, size_t n) override {
        check(nccl().all_reduce(buf, buf, n, ncclFloat, ncclAvg, comm_, stream_), "AllReduce");
    }
    void reduce_scatter_avg(float* buf, size_t shard) override {
        check(nccl().reduce_scatter(buf, buf + (size_t)rank() * shard, shard, ncclFloat, ncclAvg, comm_, stream_),
              "ReduceScatter");
    }
    void allgather(float* buf, size_t shard) override {
        check(nccl().all_gather(buf + (size_t)rank() * shard, buf, shard, ncclFloat, comm_, stream_), "AllGather");
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

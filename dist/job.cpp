// job.cpp: joining the job (job.h): a job of one, or the MPI world when an MPI launcher
// started this process.
#include "dist/job.h"

#include <cstdio>
#include <cstdlib>

#include "common/error.h"
#include "dist/single.h"
#ifdef NANOGPT_HAS_MPI
#include <mpi.h>

#include "dist/mpi.h"
#endif
#ifdef NANOGPT_HAS_NCCL
#include "dist/nccl.h"
#endif

namespace nanogpt::dist {
namespace {

// Launchers say so in the environment: Open MPI, MPICH/Hydra and PMIx.
bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
        if (std::getenv(v)) return true;
    return false;
}

class SingleJob final : public Job {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    int local_rank() const override { return 0; }
    std::unique_ptr<Communicator> communicator_for(Backend&) override {
        return std::make_unique<SingleCommunicator>();
    }
    void abort(const std::string&) noexcept override {}
};

#ifdef NANOGPT_HAS_MPI
// Forwards to the job's MPI communicator, which outlives it.
class HostView final : public Communicator {
public:
    explicit HostView(MpiCommunicator& c) : c_(c) {}
    int rank() const override { return c_.rank(); }
    int size() const override { return c_.size(); }
    std::string name() const override { return c_.name(); }
    void allreduce_avg(float* b, size_t n) override { c_.allreduce_avg(b, n); }
    void reduce_scatter_avg(float* b, size_t s) override { c_.reduce_scatter_avg(b, s); }
    void allgather(float* b, size_t s) override { c_.allgather(b, s); }
    void allreduce_host(double* v, size_t n, ReduceOp op) override { c_.allreduce_host(v, n, op); }
    void broadcast_host(void* d, size_t b, int r) override { c_.broadcast_host(d, b, r); }
    void barrier() override { c_.barrier(); }

private:
    MpiCommunicator& c_;
};

class MpiJob final : public Job {
public:
    explicit MpiJob(const JobOptions& o) {
        int provided = 0;
        MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
        MPI_Comm local;
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
        MPI_Comm_rank(local, &local_rank_);
        MPI_Comm_free(&local);
        watchdog_ = std::make_unique<Watchdog>(rank_, o.collective_timeout_s);
        host_ = std::make_unique<MpiCommunicator>(rank_, size_, *watchdog_);
    }
    ~MpiJob() override {
        host_.reset();
        watchdog_.reset();
        MPI_Finalize();
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    int local_rank() const override { return local_rank_; }
    std::unique_ptr<Communicator> communicator_for(Backend& backend) override {
        if (backend.name() == "cpu") return std::make_unique<HostView>(*host_);
        if (size_ == 1) return std::make_unique<SingleCommunicator>();
#ifdef NANOGPT_HAS_NCCL
        if (backend.native_stream()) return make_nccl_communicator(*host_, backend.native_stream());
#endif
        throw Error("the " + backend.name() + " backend cannot train with several ranks in this build",
                    "build with NCCL (it ships with the CUDA toolkit) or use --device cpu");
    }
    void abort(const std::string& why) noexcept override {
        std::fprintf(stderr, "rank %d: %s; ending the job\n", rank_, why.c_str());
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

private:
    int rank_ = 0, size_ = 1, local_rank_ = 0;
    std::unique_ptr<Watchdog> watchdog_;
    std::unique_ptr<MpiCommunicator> host_;
};
#endif

}  // namespace

std::unique_ptr<Job> Job::start(const JobOptions& options) {
    if (!launched_by_mpi()) return std::make_unique<SingleJob>();
#ifdef NANOGPT_HAS_MPI
    return std::make_unique<MpiJob>(options);
#else
    (void)options;
    throw Error("started by an MPI launcher, but this build has no MPI",
                "install libopenmpi-dev (scripts/setup.sh does) and rebuild, or run without mpirun");
#endif
}

bool built_with_mpi() {
#ifdef NANOGPT_HAS_MPI
    return true;
#else
    return false;
#endif
}

bool built_with_nccl() {
#ifdef NANOGPT_HAS_NCCL
    return true;
#else
    return false;
#endif
}

}  // namespace nanogpt::dist

// job.h: this process's place in a training job. A process started by mpirun (or another
// launcher that sets the MPI environment) joins the job's MPI world; one started on its own is
// a job of one and never initialises MPI, so the same binary runs with and without mpirun.
//
// Failure: a rank that throws, or that waits on a collective longer than the timeout (a peer
// died or cannot be reached), ends every rank of the job with a message naming itself, rather
// than leaving the others waiting. A rank that dies outright is noticed by mpirun, which ends
// the job.
#pragma once
#include <memory>
#include <string>

#include "dist/communicator.h"
#include "kernels/backend.h"

namespace nanogpt::dist {

struct JobOptions {
    double collective_timeout_s = 600;  // a collective waiting this long ends the job
};

class Job {
public:
    // Joins the MPI world when this process was started by an MPI launcher; else a job of one.
    // Throws Error when launched by MPI but this build has no MPI.
    static std::unique_ptr<Job> start(const JobOptions& options = {});
    virtual ~Job() = default;

    virtual int rank() const = 0;
    virtual int size() const = 0;
    virtual int local_rank() const = 0;  // among the ranks on this machine: picks the GPU
    bool is_root() const { return rank() == 0; }

    // The communicator for a backend of this rank: MPI for the CPU backend, NCCL for CUDA (a
    // job of one: the single-process communicator). Throws Error when the combination cannot
    // work (CUDA with several ranks in a build without NCCL).
    virtual std::unique_ptr<Communicator> communicator_for(Backend& backend) = 0;

    // Ends every rank of the job now (MPI_Abort), after printing `why` (a no-op exit in a job
    // of one: the caller exits itself).
    virtual void abort(const std::string& why) noexcept = 0;
};

// True when this binary was built with MPI (and NCCL for the CUDA backend).
bool built_with_mpi();
bool built_with_nccl();

}  // namespace nanogpt::dist

// nccl.h: NCCL on device memory for the CUDA backend: one GPU per local rank, the NCCL id
// handed round over MPI, every collective queued on the backend's stream (so it is ordered
// with the kernels around it and the host never waits for it). Host collectives go over MPI.
// Built when CMake finds CUDA, NCCL and MPI (NANOGPT_HAS_NCCL).
#pragma once
#include <memory>

#include "dist/communicator.h"

namespace nanogpt::dist {

// stream: the backend's cudaStream_t (Backend::native_stream()).
std::unique_ptr<Communicator> make_nccl_communicator(Communicator& host, void* stream);

}  // namespace nanogpt::dist

// gather.cu: CudaBackend::gather_async, the dashboard's copy of watched parameters and
// gradients out of the GPU, without the training thread ever waiting for the GPU.
//
// Per call, all queued by the training thread and returned from at once:
//   1. the watched indices, uploaded to the device only when they change (a copy is kept to
//      compare; the sample plan is fixed for a run, so in practice once);
//   2. an event recorded on stream_ now; the side stream waits for it, so the gather sees every
//      operation queued before the call;
//   3. a gather kernel on the side stream into a compact device buffer (values, then
//      gradients), after which stream_ waits (on the GPU, not the host) for the gather, so the
//      next step cannot change parameters or gradients under it;
//   4. an asynchronous copy into one of two pinned host buffers and an event after it.
// The returned PendingCopy::wait() (the viz worker thread) synchronises on that event and copies
// pinned -> the caller's arrays. A pinned buffer belongs to its copy until that copy is waited
// for or dropped; when both are still owned, the older copy is delivered first (a host wait on
// the training thread, which the observer's two sample slots never let happen) instead of
// overwriting memory someone will read.
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"

namespace nanogpt {

namespace {

__global__ void gather_kernel(float* __restrict__ out, const float* __restrict__ params,
                              const float* __restrict__ grads, const uint64_t* __restrict__ idx,
                              size_t n) {
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        const uint64_t k = idx[i];
        out[i] = params[k];
        out[n + i] = grads[k];
    }
}

// One pinned host buffer and the copy that currently owns it. Shared with the PendingCopy
// objects, so a copy that outlives the backend still finds valid memory and a valid event.
struct PinnedBuffer {
    std::mutex mu;
    int device = 0;
    float* host = nullptr;  // 2 * capacity floats: values then gradients
    size_t capacity = 0;
    cudaEvent_t copied = nullptr;  // recorded on the side stream after the device -> host copy
    // The owner: a copy not yet waited for (ticket != 0), and where its values go.
    uint64_t ticket = 0;
    size_t n = 0;
    float* dst_values = nullptr;
    float* dst_grads = nullptr;

    ~PinnedBuffer() {
        // Destructors never throw: a failure here leaks at worst.
        if (copied) {
            cudaEventSynchronize(copied);
            cudaEventDestroy(copied);
        }
        if (host) cudaFreeHost(host);
    }

    // Waits for the owner's copy and hands its values over; the caller holds mu.
    void deliver_locked() {
        if (ticket == 0) return;
        CUDA_CHECK(cudaSetDevice(device));
        CUDA_CHECK(cudaEventSynchronize(copied));
        std::memcpy(dst_values, host, n * sizeof(float));
        std::memcpy(dst_grads, host + n, n * sizeof(float));
        ticket = 0;
    }
};

class CudaPendingCopy final : public PendingCopy {
public:
    CudaPendingCopy(std::shared_ptr<PinnedBuffer> buffer, uint64_t ticket)
        : buffer_(std::move(buffer)), ticket_(ticket) {}
    // Dropped unread: give the buffer up. The device copy may still be running; the next copy
    // into this buffer is queued behind it on the same side stream, and nobody reads it before.
    ~CudaPendingCopy() override {
        std::lock_guard<std::mutex> lock(buffer_->mu);
        if (buffer_->ticket == ticket_) buffer_->ticket = 0;
    }
    void wait() override {
        std::lock_guard<std::mutex> lock(buffer_->mu);
        // Another ticket means this copy was already delivered (both buffers were taken and
        // gather_async delivered the older one itself).
        if (buffer_->ticket == ticket_) buffer_->deliver_locked();
    }

private:
    std::shared_ptr<PinnedBuffer> buffer_;
    uint64_t ticket_;
};

struct DoneCopy final : PendingCopy {
    void wait() override {}
};

// Grows a device buffer to at least `count` elements with stream-ordered calls on `stream`
// (no device-wide synchronisation). The old buffer is forgotten before the allocation, so one
// that throws cannot lead to a double free later.
template <class T>
void grow_async(T*& buffer, size_t& capacity, size_t count, cudaStream_t stream) {
    if (count <= capacity) return;
    T* old = buffer;
    buffer = nullptr;
    capacity = 0;
    if (old) CUDA_CHECK(cudaFreeAsync(old, stream));
    CUDA_CHECK(cudaMallocAsync((void**)&buffer, count * sizeof(T), stream));
    capacity = count;
}

}  // namespace

struct CudaBackend::SampleState {
    cudaStream_t side = nullptr;
    cudaEvent_t queued = nullptr;    // recorded on stream_ at each call
    cudaEvent_t gathered = nullptr;  // recorded on side after the gather kernel
    // Watched indices on the device, and the host copy they were uploaded from.
    uint64_t* d_indices = nullptr;
    size_t indices_capacity = 0;
    std::vector<uint64_t> uploaded;
    uint64_t* staging = nullptr;  // pinned, for an upload that does not block the host
    size_t staging_capacity = 0;
    cudaEvent_t staged = nullptr;  // recorded after the upload from staging
    float* d_compact = nullptr;  // compact_capacity floats: n values, then n gradients
    size_t compact_capacity = 0;
    std::shared_ptr<PinnedBuffer> pinned[2];
    uint64_t next_ticket = 1;
};

void CudaBackend::init_sample() {
    sample_ = new SampleState;
    CUDA_CHECK(cudaStreamCreateWithFlags(&sample_->side, cudaStreamNonBlocking));
    CUDA_CHECK(cudaEventCreateWithFlags(&sample_->queued, cudaEventDisableTiming));
    CUDA_CHECK(cudaEventCreateWithFlags(&sample_->gathered, cudaEventDisableTiming));
    CUDA_CHECK(cudaEventCreateWithFlags(&sample_->staged, cudaEventDisableTiming));
    for (auto& p : sample_->pinned) {
        p = std::make_shared<PinnedBuffer>();
        p->device = device_;
        CUDA_CHECK(cudaEventCreateWithFlags(&p->copied, cudaEventDisableTiming));
    }
}

void CudaBackend::free_sample() {
    SampleState* s = sample_;
    if (!s) return;
    sample_ = nullptr;
    // Called from the destructor: no throwing. Pending copies keep their pinned buffers alive.
    if (s->side) cudaStreamSynchronize(s->side);
    if (s->d_indices) cudaFree(s->d_indices);
    if (s->d_compact) cudaFree(s->d_compact);
    if (s->staging) cudaFreeHost(s->staging);
    if (s->queued) cudaEventDestroy(s->queued);
    if (s->gathered) cudaEventDestroy(s->gathered);
    if (s->staged) cudaEventDestroy(s->staged);
    if (s->side) cudaStreamDestroy(s->side);
    delete s;
}

std::unique_ptr<PendingCopy> CudaBackend::gather_async(const float* params, const float* grads,
                                                       const uint64_t* indices, size_t n,
                                                       float* values, float* grad_values) {
    if (n == 0) return std::make_unique<DoneCopy>();
    if (!sample_) init_sample();
    SampleState& s = *sample_;

    // 1. Indices: re-uploaded only when they differ from the last upload (queued before the
    // side stream waits for stream_, so the host never waits on training work here). Device buffers grow with stream-ordered allocations on
    // the side stream (no device-wide synchronisation); pinned ones only on the first call or
    // when the plan grows.
    const bool same = s.uploaded.size() == n &&
                      std::memcmp(s.uploaded.data(), indices, n * sizeof(uint64_t)) == 0;
    if (!same) {
        grow_async(s.d_indices, s.indices_capacity, n, s.side);
        // The staging buffer may still feed the previous upload (never-recorded: returns).
        CUDA_CHECK(cudaEventSynchronize(s.staged));
        if (n > s.staging_capacity) {
            if (s.staging) CUDA_CHECK(cudaFreeHost(s.staging));
            s.staging = nullptr;
            s.staging_capacity = 0;
            CUDA_CHECK(cudaMallocHost((void**)&s.staging, n * sizeof(uint64_t)));
            s.staging_capacity = n;
        }
        std::memcpy(s.staging, indices, n * sizeof(uint64_t));
        CUDA_CHECK(cudaMemcpyAsync(s.d_indices, s.staging, n * sizeof(uint64_t),
                                   cudaMemcpyHostToDevice, s.side));
        CUDA_CHECK(cudaEventRecord(s.staged, s.side));
        s.uploaded.assign(indices, indices + n);
    }

    // 2. The side stream continues from where stream_ is now.
    CUDA_CHECK(cudaEventRecord(s.queued, stream_));
    CUDA_CHECK(cudaStreamWaitEvent(s.side, s.queued, 0));

    grow_async(s.d_compact, s.compact_capacity, 2 * n, s.side);  // values, then gradients

    // 3. Gather, then hold stream_ (on the GPU) until the gather has read what it needs.
    const int threads = 256;
    const int blocks = (int)std::min<size_t>((n + threads - 1) / threads, 4096);
    gather_kernel<<<blocks, threads, 0, s.side>>>(s.d_compact, params, grads, s.d_indices, n);
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaEventRecord(s.gathered, s.side));
    CUDA_CHECK(cudaStreamWaitEvent(stream_, s.gathered, 0));

    // 4. A pinned buffer nobody owns, or the older one after delivering its copy.
    uint64_t owner[2];
    for (int i = 0; i < 2; i++) {
        std::lock_guard<std::mutex> lock(s.pinned[i]->mu);
        owner[i] = s.pinned[i]->ticket;
    }
    std::shared_ptr<PinnedBuffer> buf = owner[0] == 0   ? s.pinned[0]
                                        : owner[1] == 0 ? s.pinned[1]
                                        : owner[0] < owner[1] ? s.pinned[0] : s.pinned[1];
    std::lock_guard<std::mutex> lock(buf->mu);
    buf->deliver_locked();  // no-op unless both buffers were owned: then the older lands first
    if (n > buf->capacity) {
        // A dropped copy may still be landing in the old buffer: let it finish first.
        CUDA_CHECK(cudaEventSynchronize(buf->copied));
        if (buf->host) CUDA_CHECK(cudaFreeHost(buf->host));
        buf->host = nullptr;
        buf->capacity = 0;
        CUDA_CHECK(cudaMallocHost((void**)&buf->host, 2 * n * sizeof(float)));
        buf->capacity = n;
    }
    CUDA_CHECK(cudaMemcpyAsync(buf->host, s.d_compact, 2 * n * sizeof(float),
                               cudaMemcpyDeviceToHost, s.side));
    CUDA_CHECK(cudaEventRecord(buf->copied, s.side));
    buf->ticket = s.next_ticket++;
    buf->n = n;
    buf->dst_values = values;
    buf->dst_grads = grad_values;
    return std::make_unique<CudaPendingCopy>(buf, buf->ticket);
}

}  // namespace nanogpt

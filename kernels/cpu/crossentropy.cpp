// crossentropy.cpp: softmax + cross-entropy over the vocabulary, fused with its backward
// (llm.c's fused classifier): the probabilities are never stored, logits become dlogits.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

void CpuBackend::crossentropy_forward_backward(float* logits, float* losses, const int* targets,
                                               int N, int V, int Vp, float dloss) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        float* row = logits + (size_t)i * Vp;
        float maxv = -INFINITY;
        for (int j = 0; j < V; j++) maxv = row[j] > maxv ? row[j] : maxv;
        // Sum in double: V is up to 50k terms and the loss is compared to 1e-5 relative.
        double sum = 0.0;
        for (int j = 0; j < V; j++) sum += std::exp((double)(row[j] - maxv));
        int target = targets[i];
        double logsum = std::log(sum);
        losses[i] = (float)(logsum - (double)(row[target] - maxv));
        if (dloss != 0.0f) {
            float inv = (float)(1.0 / sum);
            for (int j = 0; j < V; j++) row[j] = std::exp(row[j] - maxv) * inv * dloss;
            row[target] -= dloss;
            for (int j = V; j < Vp; j++) row[j] = 0.0f;
        }
    }
}

}  // namespace nanogpt

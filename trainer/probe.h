// probe.h: the trainer's side of a probe (trainer/observer.h: ProbeRequest, ProbeResult). At an
// evaluation the watcher may ask for a few fixed sequences to be run through the model; this
// fills the validation rows, runs one forward pass without dropout or gradient, and copies out
// what the watcher looks at: the attention probabilities, the MLP activations before GELU and
// the per-token losses, with the time it all took on the training thread.
//
// It changes nothing the next training step uses: weights, gradients and optimizer state are
// not touched; activations are overwritten by the next forward as after an evaluation; all
// randomness is stateless (common/counter_rng.h), so there is no stream to disturb. A run with
// probes trains to the same bits as one without (tested: viz.ProbeTrainer.*).
#pragma once
#include "trainer/gpt2.h"
#include "trainer/observer.h"
#include "trainer/token_dataset.h"

namespace nanogpt {

// The rows r < request.val_sequences come from the validation split, the same at every call:
// pairs of windows of T tokens, pair k at offset k * stride (the pairs spread evenly over the
// split), row 2k+1 starting T/2 tokens after row 2k. So the second half of row 2k is the first
// half of row 2k+1: the same tokens read once with a long context and once with a short one,
// which measures what the model gains from context without the noise of different text. The
// other rows are the request's own. Throws nanogpt::Error when the request does not fit the
// model (T beyond maxT or block_size, B*T tokens missing, a token outside the vocabulary) or
// the validation split is too short for the pairs.
ProbeResult run_probe(GPT2& model, const TokenDataset& val, int block_size, const ProbeRequest& request);

}  // namespace nanogpt

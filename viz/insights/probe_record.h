// probe_record.h: the probe's record for the attention view (docs/protocol.md, section Probe):
// an NGVF frame (viz/frame.h) marked as a probe by meta.probe. Per layer and shown row, the
// attention of every head with the causal triangle packed by query (int8); the shown rows'
// per-token losses; each MLP unit's share of active tokens; the rows' tokens and their text; the
// scores. Stored as runs/<session>/probes/<step>.bin and served over REST.
#pragma once
#include <string>
#include <vector>

#include "trainer/observer.h"
#include "viz/frame.h"
#include "viz/insights/probe_analysis.h"

namespace nanogpt::viz::insights {

// The layers whose patterns the record holds: all of them when they fit kProbeAttentionBudget,
// otherwise as many as fit, evenly spaced, the first and the last included.
std::vector<int> probe_record_layers(int L, int NH, int T);

// The record of probe p with its scores s (score_probe(p)); model: the run's (token text).
Frame probe_record(const std::string& session, const ModelDesc& model, const ProbeResult& p, const ProbeScores& s);

}  // namespace nanogpt::viz::insights

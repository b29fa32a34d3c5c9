// prune.h: which frames to delete so the history fits its byte budget.
//
// The first frame, the last one, the 16 most recent and the annotated ones always stay; the
// rest are "thinnable". A thinning pass walks the thinnable frames oldest first, dropping one
// and keeping the next, and stops as soon as the total fits. The next prune resumes the pass
// where this one stopped (the cursor), so successive prunes keep halving evenly instead of
// eating a hole at the old end; when a pass reaches the recent end, the next one starts again
// at the oldest. Old history is thus halved more often than new: density decreases with age.
#pragma once
#include <climits>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace nanogpt::viz::store {

constexpr size_t kRecentFramesKept = 16;
constexpr int kPassStart = INT_MIN;  // cursor value: the next pass starts at the oldest frame

// frames: step -> bytes. cursor: the step last removed in the current pass (kPassStart at
// first); updated. Returns the steps to delete, in the order chosen. When only kept frames
// remain the total may stay over budget.
std::vector<int> frames_to_prune(const std::map<int, uint64_t>& frames, const std::set<int>& annotated,
                                 uint64_t budget, int& cursor);

}  // namespace nanogpt::viz::store

// prune.cpp: the thinning policy of viz/store/prune.h.
#include "viz/store/prune.h"

#include <algorithm>

namespace nanogpt::viz::store {

std::vector<int> frames_to_prune(const std::map<int, uint64_t>& frames, const std::set<int>& annotated,
                                 uint64_t budget, int& cursor) {
    std::vector<int> removed;
    uint64_t total = 0;
    for (const auto& [step, bytes] : frames) total += bytes;
    if (total <= budget || frames.empty()) return removed;

    // Protected: the first, and the kRecentFramesKept most recent (the last among them).
    const int first = frames.begin()->first;
    auto recent = frames.rbegin();
    std::advance(recent, std::min(kRecentFramesKept, frames.size()) - 1);
    const int oldest_recent = recent->first;

    std::vector<int> thinnable;
    std::vector<uint64_t> sizes;
    for (const auto& [step, bytes] : frames) {
        if (step == first || step >= oldest_recent || annotated.count(step)) continue;
        thinnable.push_back(step);
        sizes.push_back(bytes);
    }
    std::vector<bool> alive(thinnable.size(), true);

    // A pass drops the oldest thinnable frame, keeps the next, drops the next... A resumed pass
    // goes on after the frame it dropped last, so it keeps one first. (upper_bound: thinnable
    // is sorted.)
    size_t i = cursor == kPassStart
                   ? 0
                   : size_t(std::upper_bound(thinnable.begin(), thinnable.end(), cursor) - thinnable.begin());
    bool drop_next = cursor == kPassStart;
    bool pass_from_start = cursor == kPassStart;
    bool removed_in_pass = false;
    while (total > budget) {
        while (i < thinnable.size() && !alive[i]) ++i;
        if (i == thinnable.size()) {
            // End of the pass. A whole pass that removed nothing means no thinnable frame is
            // left: nothing more can go.
            if (pass_from_start && !removed_in_pass) break;
            cursor = kPassStart;
            i = 0;
            drop_next = pass_from_start = true;
            removed_in_pass = false;
            continue;
        }
        if (drop_next) {
            alive[i] = false;
            removed.push_back(thinnable[i]);
            total -= sizes[i];
            cursor = thinnable[i];
            removed_in_pass = true;
        }
        drop_next = !drop_next;
        ++i;
    }
    return removed;
}

}  // namespace nanogpt::viz::store

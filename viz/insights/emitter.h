// emitter.h: how detectors hand insights to the engine's sink: ids for spans that are sent
// again as they grow or close, one open span per (kind, subject) at a time.
#pragma once
#include <map>
#include <string>
#include <utility>

#include "viz/insights/engine.h"

namespace nanogpt::viz::insights {

class Emitter {
public:
    explicit Emitter(Sink sink) : sink_(std::move(sink)) {}

    // A point event, or a span already closed: sent once.
    void emit(Insight in) {
        in.id = next_id_++;
        in.open = false;
        sink_(in);
    }
    // Opens a span of (kind, subject), or updates the open one (same id, the new step_end and
    // evidence). Returns its id.
    int update_span(Insight in) {
        const auto key = std::make_pair(in.kind, in.subject);
        auto it = open_.find(key);
        in.id = it == open_.end() ? next_id_++ : it->second;
        in.open = true;
        open_[key] = in.id;
        sink_(in);
        return in.id;
    }
    // Closes the open span of (kind, subject) with its final content; no-op when none is open.
    void close_span(Insight in) {
        const auto key = std::make_pair(in.kind, in.subject);
        auto it = open_.find(key);
        if (it == open_.end()) return;
        in.id = it->second;
        in.open = false;
        open_.erase(it);
        sink_(in);
    }
    bool is_open(Kind kind, const std::string& subject = "") const {
        return open_.count(std::make_pair(kind, subject)) > 0;
    }

private:
    Sink sink_;
    int next_id_ = 1;
    std::map<std::pair<Kind, std::string>, int> open_;
};

}  // namespace nanogpt::viz::insights

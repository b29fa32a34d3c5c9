// hub_fake_history.h: a HistorySource with one session ("s1"), one frame (step 5) and one probe
// record (step 10), for the hub's REST tests. Session "boom" throws, to test that the hub survives a failing source.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>

#include "viz/hub/history_source.h"

namespace hubtest {

class FakeHistory : public nanogpt::viz::hub::HistorySource {
public:
    static constexpr const char* kSessions = R"({"sessions":[{"session":"s1","live":true,"steps":6}]})";
    static constexpr const char* kRun = R"({"session":"s1","model":"gpt2-tiny"})";
    static constexpr const char* kMetrics = R"({"session":"s1","metrics":[{"step":1,"loss":4.5}]})";
    static constexpr const char* kEvents = R"({"session":"s1","events":[{"kind":"start"}]})";
    static constexpr const char* kFrames = R"({"session":"s1","frames":[{"step":5,"bytes":256,"annotated":false}]})";
    static constexpr int kFrameStep = 5;
    static constexpr const char* kProbes = R"({"session":"s1","probes":[{"type":"probe","step":10}]})";
    static constexpr int kProbeStep = 10;
    static std::string probe_bytes() { return std::string("NGVF\0probe", 10); }

    // Every byte value, NULs included: the body must arrive byte for byte.
    static std::string frame_bytes() {
        std::string bytes(256, '\0');
        for (int i = 0; i < 256; ++i) bytes[i] = static_cast<char>(i);
        return bytes;
    }

    std::string sessions_json() const override { return kSessions; }
    std::optional<std::string> run_json(const std::string& s) const override { return known(s, kRun); }
    std::optional<std::string> metrics_json(const std::string& s) const override { return known(s, kMetrics); }
    std::optional<std::string> events_json(const std::string& s) const override { return known(s, kEvents); }
    std::optional<std::string> frame_index_json(const std::string& s) const override { return known(s, kFrames); }
    std::optional<std::string> frame(const std::string& s, int step) const override {
        if (!known(s, "") || step != kFrameStep) return std::nullopt;
        return frame_bytes();
    }

    std::optional<std::string> probe_index_json(const std::string& s) const override { return known(s, kProbes); }
    std::optional<std::string> probe(const std::string& s, int step) const override {
        if (!known(s, "") || step != kProbeStep) return std::nullopt;
        return probe_bytes();
    }

private:
    static std::optional<std::string> known(const std::string& session, const char* doc) {
        if (session == "boom") throw std::runtime_error("fake history failure");
        if (session != "s1") return std::nullopt;
        return std::string(doc);
    }
};

}  // namespace hubtest

// liveness.h: whether the process that writes a session is still there, so that `nanogpt serve`
// can tell a run that is training from one whose trainer died (kill -9, a crash, a lost machine).
//
// The writer (RunStore) keeps runs/<session>/writer.json, {"pid": .., "host": ..}, and touches it
// every kHeartbeat from a thread of its own: the heartbeat does not depend on training's progress,
// so a long evaluation of a big model does not look like a dead run. A session without a final
// status in run.json is "stale" when its writer is gone: its pid no longer runs on this host (seen
// at once after kill -9), or writer.json has not been touched for kStaleAfter (another host, a
// stopped process, a pid reused by another program); else it is "live".
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace nanogpt::viz::store {

constexpr auto kHeartbeat = std::chrono::seconds(2);
constexpr auto kStaleAfter = std::chrono::seconds(15);

// writer.json for this process.
std::string writer_json();

// The state of the session in `session_dir` whose run.json has `status` ("" while running):
// the status itself once the run ended ("finished", "interrupted", "stopped"), else "live" or
// "stale" as above.
std::string session_state(const std::string& session_dir, const std::string& status);

// Writes writer.json into `session_dir` and touches it every kHeartbeat until destroyed.
class Heartbeat {
public:
    explicit Heartbeat(std::string session_dir);  // throws nanogpt::Error when it cannot write
    ~Heartbeat();
    Heartbeat(const Heartbeat&) = delete;
    Heartbeat& operator=(const Heartbeat&) = delete;

private:
    std::string path_;
    std::mutex mu_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace nanogpt::viz::store

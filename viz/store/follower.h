// follower.h: RunFollower, `nanogpt serve` keeping up with runs that are still being written.
// It tails every session under runs/: metrics and event lines appended since its last look,
// frames written since, sessions that appear, end or go stale; and hands each to a callback
// (serve broadcasts them to the pages over the WebSocket, as a trainer's own hub does).
//
// One thread looks every `period` and sleeps in between (a condition variable: stop() wakes it).
// Each look is bounded, so a huge runs/ or a burst of writes cannot make it run away:
//   - a session whose directory did not change (no file created or renamed in it) and that has
//     ended costs one stat;
//   - at most kMaxBytesPerLook of new JSONL per file (the rest waits for the next look);
//   - frames only when the frames directory changed, and then only the newest
//     kMaxFramesPerLook (live pages show the newest; older ones stay in the REST index).
// What was there when the follower started is not sent (pages load it over REST); a line is sent
// only once whole (a trainer may be half way through appending it).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "viz/store/reader.h"

namespace nanogpt::viz::store {

struct FollowerCallbacks {
    std::function<void(std::string json)> text;                           // a metrics or event message
    std::function<void(std::string notice, std::string frame)> frame;     // a "frame" message, then its frame
    std::function<void()> sessions_changed;  // a session appeared, vanished or changed state
};

class RunFollower {
public:
    static constexpr uint64_t kMaxBytesPerLook = 1u << 20;
    static constexpr int kMaxFramesPerLook = 2;

    // `reader` decides which frames are whole and says what it skips.
    RunFollower(std::string runs_dir, std::shared_ptr<const RunStoreReader> reader, FollowerCallbacks callbacks,
                std::chrono::milliseconds period = std::chrono::milliseconds(500));
    ~RunFollower();  // stops and joins
    RunFollower(const RunFollower&) = delete;
    RunFollower& operator=(const RunFollower&) = delete;

    void start();  // the thread; looks once at once to learn where every file ends
    void stop();
    // One look on the caller's thread (tests; not while the thread runs). The first look only
    // learns where everything ends and sends nothing.
    void look();

private:
    struct Tail {
        uint64_t offset = 0;  // bytes consumed: always just after a newline
        uint64_t inode = 0;   // of the file read: another one means it was rewritten
    };
    struct Session {
        bool ended = false;        // a final status: only a change of its directory is watched
        std::timespec dir_mtime{}, frames_mtime{};
        std::string state;
        Tail metrics, events;
        int last_frame = -1;       // the newest frame step seen
    };

    void look_at(const std::string& id, Session& s, bool first);
    void follow_lines(const std::string& id, const std::string& path, Tail& tail, bool first);
    void follow_frames(const std::string& id, const std::string& dir, Session& s, bool first);

    const std::string runs_dir_;
    const std::shared_ptr<const RunStoreReader> reader_;
    const FollowerCallbacks callbacks_;
    const std::chrono::milliseconds period_;
    std::map<std::string, Session> sessions_;
    bool looked_ = false;

    std::mutex mu_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace nanogpt::viz::store

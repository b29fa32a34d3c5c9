// follower.cpp: RunFollower (follower.h).
#include "viz/store/follower.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include <rapidjson/document.h>

#include "common/file_io.h"
#include "viz/protocol.h"
#include "viz/session_id.h"
#include "viz/store/files.h"
#include "viz/store/liveness.h"

namespace nanogpt::viz::store {
namespace {

namespace fs = std::filesystem;

struct Stat {
    bool ok = false;
    uint64_t size = 0, inode = 0;
    std::timespec mtime{};
};

Stat stat_of(const std::string& path) {
    struct stat st {};
    Stat s;
    if (::stat(path.c_str(), &st) != 0) return s;
    s.ok = true;
    s.size = static_cast<uint64_t>(st.st_size);
    s.inode = static_cast<uint64_t>(st.st_ino);
    s.mtime = st.st_mtim;
    return s;
}

// Whether a directory can be skipped because nothing was created or renamed in it since `seen`.
// File times tick coarsely (a few ms), so two renames in one tick leave one mtime: a directory
// changed in the last two seconds is looked at again, whatever its mtime says.
bool unchanged_since(const std::timespec& now, const std::timespec& seen) {
    return now.tv_sec == seen.tv_sec && now.tv_nsec == seen.tv_nsec && std::time(nullptr) - now.tv_sec > 2;
}

// run.json's "status": "" while the run goes on (or when run.json cannot be read just now).
std::string status_of(const std::string& dir) {
    std::string text;
    try {
        text = read_file(join_path(dir, kRunFile));
    } catch (const std::exception&) {
        return "";
    }
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("status") || !doc["status"].IsString()) return "";
    return doc["status"].GetString();
}

// The session ids under runs_dir that are sessions (a directory with a run.json).
std::set<std::string> session_ids(const std::string& runs_dir) {
    std::set<std::string> ids;
    std::error_code ec;
    fs::directory_iterator it(runs_dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string id = it->path().filename().string();
        std::error_code type_ec;
        if (valid_session_id(id) && it->is_directory(type_ec) && file_exists(join_path(it->path().string(), kRunFile)))
            ids.insert(id);
    }
    return ids;
}

int64_t mtime_us(const std::timespec& t) { return int64_t(t.tv_sec) * 1000000 + t.tv_nsec / 1000; }

// `bytes` bytes of `path` from `offset` ("" when they cannot be read).
std::string read_range(const std::string& path, uint64_t offset, uint64_t bytes) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) return "";
    std::string chunk(bytes, '\0');
    const bool ok = std::fseek(file, static_cast<long>(offset), SEEK_SET) == 0 &&
                    std::fread(chunk.data(), 1, chunk.size(), file) == chunk.size();
    std::fclose(file);
    return ok ? chunk : "";
}

// Just after the last newline of a file of `size` bytes: where following it starts.
uint64_t end_of_last_line(const std::string& path, uint64_t size) {
    const uint64_t back = std::min<uint64_t>(size, RunFollower::kMaxBytesPerLook);
    const std::string tail = read_range(path, size - back, back);
    const size_t nl = tail.rfind('\n');
    return nl == std::string::npos ? size : size - back + nl + 1;
}

}  // namespace

RunFollower::RunFollower(std::string runs_dir, std::shared_ptr<const RunStoreReader> reader, FollowerCallbacks callbacks,
                         std::chrono::milliseconds period)
    : runs_dir_(std::move(runs_dir)), reader_(std::move(reader)), callbacks_(std::move(callbacks)), period_(period) {}

RunFollower::~RunFollower() { stop(); }

void RunFollower::start() {
    if (thread_.joinable()) return;
    look();  // where everything ends now; nothing is sent
    thread_ = std::thread([this] {
        std::unique_lock<std::mutex> lock(mu_);
        while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
            lock.unlock();
            try {
                look();
            } catch (const std::exception& e) {
                std::fprintf(stderr, "viz: following %s: %s\n", runs_dir_.c_str(), e.what());
            }
            lock.lock();
        }
    });
}

void RunFollower::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void RunFollower::look() {
    const bool first = !looked_;
    looked_ = true;
    bool changed = false;
    const std::set<std::string> ids = session_ids(runs_dir_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (ids.count(it->first)) {
            ++it;
        } else {
            it = sessions_.erase(it);  // deleted (or pruned by hand)
            changed = true;
        }
    }
    for (const std::string& id : ids) {
        auto [it, added] = sessions_.try_emplace(id);
        const std::string before = it->second.state;
        // A session that appears after the start is new in full: its lines are sent from the top.
        look_at(id, it->second, first);
        changed = changed || added || it->second.state != before;
    }
    if (changed && !first && callbacks_.sessions_changed) callbacks_.sessions_changed();
}

void RunFollower::look_at(const std::string& id, Session& s, bool first) {
    const std::string dir = join_path(runs_dir_, id);
    const Stat d = stat_of(dir);
    const bool dir_changed = !unchanged_since(d.mtime, s.dir_mtime) || s.state.empty();
    s.dir_mtime = d.mtime;
    // An ended run changes only when it is resumed: its run.json is then replaced, which
    // changes the directory.
    if (s.ended && !dir_changed) return;
    const std::string status = status_of(dir);
    s.state = session_state(dir, status);
    s.ended = !status.empty();
    follow_lines(id, join_path(dir, kMetricsFile), s.metrics, first);
    follow_lines(id, join_path(dir, kEventsFile), s.events, first);
    follow_frames(id, dir, s, first);
}

void RunFollower::follow_lines(const std::string& id, const std::string& path, Tail& tail, bool first) {
    const Stat f = stat_of(path);
    if (!f.ok) return;
    // What is there at the start is history (REST has it); so is a file rewritten under us (a
    // resumed run purges what came after its checkpoint: pages reload a session that comes back
    // to life). Both are followed from their end.
    if (first || f.size < tail.offset || (tail.inode != 0 && f.inode != tail.inode)) {
        tail = {end_of_last_line(path, f.size), f.inode};
        return;
    }
    tail.inode = f.inode;
    if (f.size == tail.offset) return;
    const uint64_t want = std::min<uint64_t>(f.size - tail.offset, kMaxBytesPerLook);
    const std::string chunk = read_range(path, tail.offset, want);
    const size_t end = chunk.rfind('\n');
    if (chunk.empty() || end == std::string::npos) {
        // No whole line yet; a "line" longer than a look's budget is not one a trainer writes.
        if (want == kMaxBytesPerLook) tail.offset += want;
        return;
    }
    tail.offset += end + 1;
    if (!callbacks_.text) return;
    size_t begin = 0;
    while (begin <= end) {
        const size_t stop = chunk.find('\n', begin);
        const std::string_view line(chunk.data() + begin, stop - begin);
        begin = stop + 1;
        rapidjson::Document doc;
        doc.Parse(line.data(), line.size());
        // Only whole messages of this session go out (the reader says what it skips).
        if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("session") || !doc["session"].IsString() ||
            doc["session"].GetString() != id)
            continue;
        callbacks_.text(std::string(line));
    }
}

void RunFollower::follow_frames(const std::string& id, const std::string& dir, Session& s, bool first) {
    const std::string frames_dir = join_path(dir, kFramesDir);
    const Stat d = stat_of(frames_dir);
    if (!d.ok || (unchanged_since(d.mtime, s.frames_mtime) && !first)) return;
    s.frames_mtime = d.mtime;
    const std::vector<FrameFile> frames = reader_->whole_frames(dir);
    if (frames.empty()) return;
    const int newest = frames.back().step;
    if (first || !callbacks_.frame) {
        s.last_frame = newest;
        return;
    }
    // The newest few since the last look, oldest first.
    std::vector<const FrameFile*> fresh;
    for (auto it = frames.rbegin(); it != frames.rend() && it->step > s.last_frame; ++it) {
        if (fresh.size() == size_t(kMaxFramesPerLook)) break;
        fresh.insert(fresh.begin(), &*it);
    }
    s.last_frame = std::max(s.last_frame, newest);
    for (const FrameFile* f : fresh) {
        std::string bytes;
        try {
            bytes = read_file(f->path);
        } catch (const std::exception&) {
            continue;  // pruned since the listing
        }
        std::string notice = protocol::frame_notice(id, f->step, bytes.size(), mtime_us(stat_of(f->path).mtime));
        callbacks_.frame(std::move(notice), std::move(bytes));
    }
}

}  // namespace nanogpt::viz::store

// liveness.cpp: writer.json, its heartbeat, and the state a reader derives from it (liveness.h).
#include "viz/store/liveness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/file_io.h"
#include "viz/store/files.h"

namespace nanogpt::viz::store {
namespace {

std::string host_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "";
    return name;
}

}  // namespace

std::string writer_json() {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("pid");
    w.Int64(static_cast<int64_t>(getpid()));
    w.Key("host");
    const std::string host = host_name();
    w.String(host.c_str(), static_cast<rapidjson::SizeType>(host.size()));
    w.EndObject();
    return sb.GetString();
}

std::string session_state(const std::string& session_dir, const std::string& status) {
    if (!status.empty()) return status;
    const std::string path = join_path(session_dir, kWriterFile);
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return "stale";  // no writer recorded (or an old run): not live
    const double age = std::difftime(std::time(nullptr), st.st_mtim.tv_sec);
    if (age > std::chrono::duration<double>(kStaleAfter).count()) return "stale";
    std::string text;
    try {
        text = read_file(path);
    } catch (const std::exception&) {
        return "live";  // fresh but unreadable: trust the heartbeat
    }
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("pid") && doc["pid"].IsInt64() &&
        doc.HasMember("host") && doc["host"].IsString() && doc["host"].GetString() == host_name()) {
        const auto pid = static_cast<pid_t>(doc["pid"].GetInt64());
        if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) return "stale";  // its writer is gone
    }
    return "live";
}

Heartbeat::Heartbeat(std::string session_dir) : path_(join_path(session_dir, kWriterFile)) {
    const std::string text = writer_json();
    write_file_atomic(path_, text.data(), text.size());
    thread_ = std::thread([this] {
        std::unique_lock<std::mutex> lock(mu_);
        while (!wake_.wait_for(lock, kHeartbeat, [this] { return stop_; })) {
            // Only the time changes: no space is needed, so a full disk does not stop the beat.
            utimensat(AT_FDCWD, path_.c_str(), nullptr, 0);
        }
    });
}

Heartbeat::~Heartbeat() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

}  // namespace nanogpt::viz::store

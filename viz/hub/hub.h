// hub.h: the dashboard's server: static files, REST for history, WebSocket push (Boost.Beast).
//
// Threads: the hub owns one I/O thread running an io_context; every connection has its own
// strand, one write in flight, and a bounded outgoing queue. Frames (binary) are droppable: when
// a client's queue is full, the oldest queued frame is dropped (and counted); text messages
// (metrics, events, hello, error) are never dropped (a client that falls 4096 text messages
// behind is disconnected instead, so memory stays bounded). The training thread never calls
// the hub; the viz worker does, and broadcast_* only posts to the I/O thread.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "viz/hub/history_source.h"
#include "viz/hub/static_files.h"

namespace nanogpt::viz::hub {

// Access (viz/hub/access.h has the rules): a token always, unless turned off on loopback;
// Host and Origin checked on every request; security headers on every reply (headers.h).
struct HubOptions {
    std::string host = "127.0.0.1";
    int port = 8080;          // 0: pick a free port (tests)
    int port_retries = 0;     // port taken: try the next ones up to port + retries, then any free port
    std::string token;        // clients send ?token=... (then a cookie) or "Authorization: Bearer ...";
                              // empty: a random one (Hub::token(), in Hub::url())
    bool no_token = false;    // no token at all (--viz-no-token): loopback hosts only
    std::vector<std::string> allowed_hosts;  // Host names beyond loopback and `host` ("*": any)
    std::string static_dir;   // frontend/: served at /, index.html for /
    std::vector<StaticMount> static_mounts;  // the page's libraries at /vendor/<package>/
    size_t max_queued_frames = 4;          // per client, binary frames
    size_t max_client_message_bytes = 4096;
};

struct HubStats {
    uint64_t clients = 0;          // connected WebSocket clients now
    uint64_t frames_sent = 0, frames_dropped = 0, texts_sent = 0;
    uint64_t bad_client_messages = 0;
    uint64_t refused_requests = 0;  // refused by the access rules (Host, Origin, token)
};

class Hub {
public:
    // Throws nanogpt::Error when the options are unsafe (no token beyond loopback) or the port
    // cannot be bound ("port 8080 on 127.0.0.1 is in use", after port_retries more).
    Hub(HubOptions options, std::shared_ptr<const HistorySource> history);
    ~Hub();  // stops and joins
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    void start();
    void stop();
    int port() const;           // the bound port
    std::string url() const;    // http://host:port/?token=<token> (http://host:port/ without one)
    const std::string& token() const;  // "" with no_token
    // "port 8080 was in use" when the hub bound another port than the one asked for, else "".
    std::string port_note() const;

    // Called for each new WebSocket client, on the I/O thread, before anything else is sent:
    // returns the JSON text of the hello message. Set before start().
    void set_hello(std::function<std::string()> make_hello);
    // Sends to every connected client. Text: JSON messages (metrics, event, ...), never dropped.
    void broadcast_text(std::shared_ptr<const std::string> json);
    // Binary frame; may be dropped for slow clients (the oldest queued frame goes first).
    void broadcast_frame(std::shared_ptr<const std::string> bytes);
    HubStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace nanogpt::viz::hub

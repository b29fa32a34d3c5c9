// shared_state.h: what the hub's listener and sessions share: options, history, the hello
// callback, the registry of open connections (guarded by a mutex that is held only to copy or
// change the sets, as in Beast's chat-multi example), counters and error reporting.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "viz/hub/access.h"
#include "viz/hub/history_source.h"
#include "viz/hub/hub.h"
#include "viz/hub/static_files.h"

namespace nanogpt::viz::hub {

// A connection stop() must be able to close (HTTP or WebSocket).
class HubConnection {
public:
    virtual ~HubConnection() = default;
    // Thread-safe: posts to the connection's strand, which closes the socket.
    virtual void close() = 0;
};

class WsSession;

struct HubCounters {
    std::atomic<uint64_t> clients{0}, frames_sent{0}, frames_dropped{0}, texts_sent{0};
    std::atomic<uint64_t> bad_client_messages{0}, handler_errors{0}, refused_requests{0};
};

class HubState {
public:
    HubState(HubOptions options, std::shared_ptr<const HistorySource> history);

    const HubOptions& options() const { return options_; }
    const HistorySource* history() const { return history_.get(); }
    const StaticFiles& static_files() const { return static_files_; }
    // Who may use the hub (access.h); the port is the bound one, set before the I/O thread starts.
    AccessPolicy access_policy() const { return {&hosts_, options_.token, port_}; }
    void set_port(int port) { port_ = port; }

    void set_hello(std::function<std::string()> make_hello);
    // The hello text for a new client; "" when no callback is set or it threw (reported).
    std::string make_hello();

    // Registration fails (false) once close_all() ran: a connection that finishes its accept
    // while the hub stops closes itself instead of keeping the I/O thread alive.
    bool add_connection(HubConnection* key, std::weak_ptr<HubConnection> connection);
    void remove_connection(HubConnection* key);
    bool add_client(WsSession* key, std::weak_ptr<WsSession> client);
    void remove_client(WsSession* key);
    // A snapshot of the WebSocket clients, taken under the lock; lock() them outside it.
    std::vector<std::weak_ptr<WsSession>> clients() const;

    // Refuses new registrations and closes every registered connection.
    void close_all();
    bool stopping() const;

    HubCounters counters;

    // One line to stderr: "viz hub: <context>: <message>". Only the first few are printed so a
    // misbehaving client cannot flood the trainer's terminal.
    void report(std::string_view context, std::string_view message);
    // An exception caught at a handler boundary: counted and reported.
    void report_exception(std::string_view context, std::string_view what);

private:
    const HubOptions options_;
    const std::shared_ptr<const HistorySource> history_;
    const StaticFiles static_files_;
    const HostPolicy hosts_;
    int port_ = 0;

    std::mutex hello_mutex_;
    std::function<std::string()> make_hello_;

    mutable std::mutex mutex_;  // guards the two maps and stopping_
    std::unordered_map<HubConnection*, std::weak_ptr<HubConnection>> connections_;
    std::unordered_map<WsSession*, std::weak_ptr<WsSession>> clients_;
    bool stopping_ = false;

    std::atomic<uint64_t> reports_{0};
};

}  // namespace nanogpt::viz::hub

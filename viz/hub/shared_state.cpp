// shared_state.cpp: the hub's shared registry, hello callback and error reporting.
#include "viz/hub/shared_state.h"

#include <cstdio>
#include <exception>

namespace nanogpt::viz::hub {
namespace {

constexpr uint64_t kMaxReports = 20;

}  // namespace

HubState::HubState(HubOptions options, std::shared_ptr<const HistorySource> history)
    : options_(std::move(options)),
      history_(std::move(history)),
      static_files_(options_.static_dir, options_.static_mounts),
      hosts_(options_.host, options_.allowed_hosts) {}

void HubState::set_hello(std::function<std::string()> make_hello) {
    std::lock_guard<std::mutex> lock(hello_mutex_);
    make_hello_ = std::move(make_hello);
}

std::string HubState::make_hello() {
    std::function<std::string()> make;
    {
        std::lock_guard<std::mutex> lock(hello_mutex_);
        make = make_hello_;
    }
    if (!make) return {};
    try {
        return make();
    } catch (const std::exception& e) {
        report_exception("hello callback", e.what());
    } catch (...) {
        report_exception("hello callback", "unknown exception");
    }
    return {};
}

bool HubState::add_connection(HubConnection* key, std::weak_ptr<HubConnection> connection) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return false;
    connections_.emplace(key, std::move(connection));
    return true;
}

void HubState::remove_connection(HubConnection* key) {
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.erase(key);
}

bool HubState::add_client(WsSession* key, std::weak_ptr<WsSession> client) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return false;
    if (clients_.emplace(key, std::move(client)).second) ++counters.clients;
    return true;
}

void HubState::remove_client(WsSession* key) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (clients_.erase(key) > 0) --counters.clients;
}

std::vector<std::weak_ptr<WsSession>> HubState::clients() const {
    std::vector<std::weak_ptr<WsSession>> out;
    std::lock_guard<std::mutex> lock(mutex_);
    out.reserve(clients_.size());
    for (const auto& [key, client] : clients_) out.push_back(client);
    return out;
}

void HubState::close_all() {
    std::vector<std::weak_ptr<HubConnection>> all;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        all.reserve(connections_.size());
        for (const auto& [key, connection] : connections_) all.push_back(connection);
    }
    for (const auto& weak : all) {
        if (auto connection = weak.lock()) connection->close();
    }
}

bool HubState::stopping() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopping_;
}

void HubState::report(std::string_view context, std::string_view message) {
    const uint64_t n = reports_.fetch_add(1);
    if (n < kMaxReports) {
        std::fprintf(stderr, "viz hub: %.*s: %.*s\n", static_cast<int>(context.size()), context.data(),
                     static_cast<int>(message.size()), message.data());
    } else if (n == kMaxReports) {
        std::fprintf(stderr, "viz hub: further errors are not shown\n");
    }
}

void HubState::report_exception(std::string_view context, std::string_view what) {
    ++counters.handler_errors;
    report(context, what);
}

}  // namespace nanogpt::viz::hub

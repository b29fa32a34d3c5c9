// hub.cpp: Hub's lifecycle: option checks, binding, the I/O thread, stop, broadcasts, stats.
// The network work lives in hub_listener / hub_http_session / hub_ws_session.
#include "viz/hub/hub.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "viz/hub/listener.h"
#include "viz/hub/net.h"
#include "viz/hub/request.h"
#include "viz/hub/shared_state.h"
#include "viz/hub/ws_session.h"

namespace nanogpt::viz::hub {
namespace {

std::string strip_brackets(const std::string& host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
    return host;
}

tcp::endpoint resolve_endpoint(net::io_context& ioc, const std::string& host, int port) {
    const auto p = static_cast<unsigned short>(port);
    // "localhost" may resolve to ::1 first; the loopback promise is about 127.0.0.1.
    if (host == "localhost") return {net::ip::address_v4::loopback(), p};
    beast::error_code ec;
    const net::ip::address address = net::ip::make_address(strip_brackets(host), ec);
    if (!ec) return {address, p};
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
        throw Error("cannot resolve --viz-host " + host + (ec ? ": " + ec.message() : std::string()),
                    "pass an address such as 127.0.0.1 or 0.0.0.0");
    }
    return results.begin()->endpoint();
}

}  // namespace

struct Hub::Impl {
    // Declaration order is destruction order in reverse: the thread is joined first, then
    // the listener and the io_context (which frees any handlers that never ran) go, and the
    // state outlives them all (sessions hold it by shared_ptr anyway).
    std::shared_ptr<HubState> state;
    net::io_context ioc{1};
    std::shared_ptr<Listener> listener;
    std::thread thread;
    std::string host;
    int port = 0;

    std::mutex lifecycle_mutex;  // start() and stop() may come from different threads
    bool started = false;
    std::atomic<bool> stopped{false};

    void run_io() {
        // The boundary for handler exceptions: report, count, and keep serving. Asio allows
        // run() to be called again after a handler threw.
        for (;;) {
            try {
                ioc.run();
                return;
            } catch (const std::exception& e) {
                state->report_exception("I/O thread", e.what());
            } catch (...) {
                state->report_exception("I/O thread", "unknown exception");
            }
        }
    }
};

Hub::Hub(HubOptions options, std::shared_ptr<const HistorySource> history) : impl_(std::make_unique<Impl>()) {
    if (options.host.empty()) options.host = "127.0.0.1";
    if (!is_loopback_host(options.host) && options.token.empty()) {
        throw Error("binding to " + options.host + " needs --viz-token",
                    "pass --viz-token <secret> and open the dashboard with ?token=<secret>, "
                    "or keep --viz-host 127.0.0.1 (reach it through an SSH tunnel)");
    }
    if (options.port < 0 || options.port > 65535) {
        throw Error("--viz-port " + std::to_string(options.port) + " is not a TCP port", "use 1..65535, or 0 for any");
    }
    impl_->host = options.host;
    const tcp::endpoint endpoint = resolve_endpoint(impl_->ioc, options.host, options.port);
    impl_->state = std::make_shared<HubState>(std::move(options), std::move(history));
    impl_->listener = std::make_shared<Listener>(impl_->ioc, endpoint, impl_->host, impl_->state);
    impl_->port = impl_->listener->port();
}

Hub::~Hub() { stop(); }

void Hub::start() {
    std::lock_guard<std::mutex> lock(impl_->lifecycle_mutex);
    if (impl_->started || impl_->stopped) return;
    impl_->started = true;
    impl_->listener->run();  // safe before the thread starts: nothing else touches the ioc yet
    impl_->thread = std::thread([impl = impl_.get()] { impl->run_io(); });
}

void Hub::stop() {
    std::lock_guard<std::mutex> lock(impl_->lifecycle_mutex);
    if (impl_->stopped.exchange(true)) return;
    if (!impl_->thread.joinable()) {
        impl_->listener->close();
        return;
    }
    // Close on the I/O thread; run() returns once the closed connections' handlers have run
    // and nothing is left to wait for.
    net::post(impl_->ioc, [impl = impl_.get()] {
        impl->listener->close();
        impl->state->close_all();
    });
    impl_->thread.join();
}

int Hub::port() const { return impl_->port; }

std::string Hub::url() const {
    const std::string& h = impl_->host;
    const bool ipv6 = h.find(':') != std::string::npos && h.front() != '[';
    return "http://" + (ipv6 ? "[" + h + "]" : h) + ":" + std::to_string(impl_->port) + "/";
}

void Hub::set_hello(std::function<std::string()> make_hello) { impl_->state->set_hello(std::move(make_hello)); }

void Hub::broadcast_text(std::shared_ptr<const std::string> json) {
    if (!json || impl_->stopped) return;
    for (const auto& weak : impl_->state->clients()) {
        if (auto client = weak.lock()) client->send(json, false);
    }
}

void Hub::broadcast_frame(std::shared_ptr<const std::string> bytes) {
    if (!bytes || impl_->stopped) return;
    for (const auto& weak : impl_->state->clients()) {
        if (auto client = weak.lock()) client->send(bytes, true);
    }
}

HubStats Hub::stats() const {
    const HubCounters& c = impl_->state->counters;
    HubStats s;
    s.clients = c.clients.load();
    s.frames_sent = c.frames_sent.load();
    s.frames_dropped = c.frames_dropped.load();
    s.texts_sent = c.texts_sent.load();
    s.bad_client_messages = c.bad_client_messages.load();
    return s;
}

}  // namespace nanogpt::viz::hub

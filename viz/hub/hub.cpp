// hub.cpp: Hub's lifecycle: option checks, binding, the I/O thread, stop, broadcasts, stats.
// The network work lives in hub_listener / hub_http_session / hub_ws_session.
#include "viz/hub/hub.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "viz/hub/access.h"
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
    int port = 0, requested_port = 0;

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
    if (options.no_token) {
        if (!is_loopback_host(options.host)) {
            throw Error("--viz-no-token is allowed on loopback only, not with --viz-host " + options.host,
                        "drop --viz-no-token (the dashboard then makes a random token and prints it in its "
                        "address), or keep --viz-host 127.0.0.1 (reach it through an SSH tunnel)");
        }
        options.token.clear();
    } else if (options.token.empty()) {
        options.token = random_token();
    }
    if (options.port < 0 || options.port > 65535) {
        throw Error("--viz-port " + std::to_string(options.port) + " is not a TCP port", "use 1..65535, or 0 for any");
    }
    impl_->host = options.host;
    impl_->requested_port = options.port;
    const tcp::endpoint endpoint = resolve_endpoint(impl_->ioc, options.host, options.port);
    // The port asked for, the next few, then any free one: as Jupyter does, a second trainer
    // on the machine gets a dashboard of its own instead of none (its banner says which port).
    std::vector<int> ports = {options.port};
    if (options.port != 0 && options.port_retries > 0) {
        for (int p = options.port + 1; p <= std::min(65535, options.port + options.port_retries); ++p) ports.push_back(p);
        ports.push_back(0);
    }
    impl_->state = std::make_shared<HubState>(std::move(options), std::move(history));
    for (size_t i = 0; !impl_->listener; ++i) {
        tcp::endpoint at = endpoint;
        at.port(static_cast<unsigned short>(ports[i]));
        try {
            impl_->listener = std::make_shared<Listener>(impl_->ioc, at, impl_->host, impl_->state);
        } catch (const PortInUse&) {
            if (i + 1 == ports.size()) throw;
        }
    }
    impl_->port = impl_->listener->port();
    impl_->state->set_port(impl_->port);
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
    const std::string& t = token();
    return "http://" + (ipv6 ? "[" + h + "]" : h) + ":" + std::to_string(impl_->port) + "/" +
           (t.empty() ? "" : "?token=" + percent_encode(t));
}

const std::string& Hub::token() const { return impl_->state->options().token; }

std::string Hub::port_note() const {
    if (impl_->requested_port == 0 || impl_->requested_port == impl_->port) return "";
    return "port " + std::to_string(impl_->requested_port) + " was in use";
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
    s.refused_requests = c.refused_requests.load();
    return s;
}

}  // namespace nanogpt::viz::hub

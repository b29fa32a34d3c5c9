// listener.cpp: the accept loop.
#include "viz/hub/listener.h"

#include <chrono>

#include "common/error.h"
#include "viz/hub/http_session.h"
#include "viz/hub/shared_state.h"

namespace nanogpt::viz::hub {

namespace {
std::string address_of(const tcp::endpoint& endpoint, const std::string& host) {
    return host + ":" + std::to_string(endpoint.port());
}
PortInUse port_in_use(const tcp::endpoint& endpoint, const std::string& host) {
    return PortInUse("port " + std::to_string(endpoint.port()) + " on " + host + " is in use",
                     "pass --viz-port with another port, or --viz-off");
}
}  // namespace

void bind_reusable(tcp::acceptor& acceptor, const tcp::endpoint& endpoint, const std::string& host) {
    const std::string where = address_of(endpoint, host);
    beast::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (ec) throw Error("cannot open a socket for " + where + ": " + ec.message());
    // SO_REUSEADDR lets a restarted trainer rebind while old connections sit in TIME_WAIT;
    // on Linux it does not allow two listeners on one port, so "in use" is still detected.
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
    if (ec == net::error::address_in_use) throw port_in_use(endpoint, host);
    if (ec) {
        throw Error("cannot listen on " + where + ": " + ec.message(),
                    "check --viz-host (an address of this machine) and --viz-port, or pass --viz-off");
    }
}

void start_listening(tcp::acceptor& acceptor, const tcp::endpoint& endpoint, const std::string& host) {
    beast::error_code ec;
    acceptor.listen(net::socket_base::max_listen_connections, ec);
    // Another server bound the port too, and listened first (two trainers started together).
    if (ec == net::error::address_in_use) throw port_in_use(endpoint, host);
    if (ec) throw Error("cannot listen on " + address_of(endpoint, host) + ": " + ec.message(), "pass --viz-off");
}

Listener::Listener(net::io_context& ioc, const tcp::endpoint& endpoint, const std::string& host,
                   std::shared_ptr<HubState> state)
    : ioc_(ioc), acceptor_(ioc), retry_timer_(ioc), state_(std::move(state)) {
    bind_reusable(acceptor_, endpoint, host);
    start_listening(acceptor_, endpoint, host);
    port_ = acceptor_.local_endpoint().port();
}

void Listener::run() { do_accept(); }

void Listener::close() {
    beast::error_code ec;
    acceptor_.close(ec);
    retry_timer_.cancel();
}

void Listener::do_accept() {
    // Each connection gets its own strand, so its handlers never run concurrently even if the
    // hub someday runs more than one I/O thread.
    acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;  // closed by stop()
    if (ec) {
        // Typically out of file descriptors: wait a little instead of spinning on the error.
        fail(*state_, ec, "accept");
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
            if (!wait_ec && self->acceptor_.is_open()) self->do_accept();
        });
        return;
    }
    // Small messages (metrics, replies) go out at once instead of waiting for the previous one's ACK.
    beast::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    if (!state_->stopping()) std::make_shared<HttpSession>(std::move(socket), state_)->run();
    do_accept();
}

}  // namespace nanogpt::viz::hub

// listener.h: accepts TCP connections and hands each to a new HttpSession.
#pragma once
#include <memory>
#include <string>

#include "common/error.h"
#include "viz/hub/net.h"

namespace nanogpt::viz::hub {

class HubState;

// The port is taken by another program (or another hub): the caller may try the next one.
class PortInUse : public Error {
public:
    using Error::Error;
};

// The two halves of opening a listening socket (SO_REUSEADDR, bind; then listen), each throwing
// PortInUse for a port in use: with SO_REUSEADDR two servers can both bind a port, and the one
// that listens second is refused only at listen(). `host` names the address in messages.
void bind_reusable(tcp::acceptor& acceptor, const tcp::endpoint& endpoint, const std::string& host);
void start_listening(tcp::acceptor& acceptor, const tcp::endpoint& endpoint, const std::string& host);

class Listener : public std::enable_shared_from_this<Listener> {
public:
    // Opens, binds and listens at once, so a port in use is reported by Hub's constructor.
    // Throws PortInUse for a port in use, nanogpt::Error when it cannot otherwise.
    Listener(net::io_context& ioc, const tcp::endpoint& endpoint, const std::string& host,
             std::shared_ptr<HubState> state);

    int port() const { return port_; }
    void run();    // starts accepting
    void close();  // call on the I/O thread (or before it runs): stops accepting

private:
    void do_accept();
    void on_accept(beast::error_code ec, tcp::socket socket);

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    net::steady_timer retry_timer_;
    std::shared_ptr<HubState> state_;
    int port_ = 0;
};

}  // namespace nanogpt::viz::hub

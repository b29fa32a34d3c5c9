// net.h: the Beast/Asio names the hub's network code shares, and fail(): how a failed
// operation is reported (quietly when it is just a client going away).
#pragma once
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace nanogpt::viz::hub {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

class HubState;

// True for the ways a connection normally ends: the peer closed, reset or vanished, our own
// close() cancelled the operation, or a timeout fired.
bool is_normal_close(const beast::error_code& ec);

// Reports `what: message` through the state unless the error is a normal close.
void fail(HubState& state, const beast::error_code& ec, const char* what);

}  // namespace nanogpt::viz::hub

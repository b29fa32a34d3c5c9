// http_session.h: one HTTP connection: reads requests, checks target and token, answers
// static files and REST, or hands the socket to a WsSession on a WebSocket upgrade at /ws.
#pragma once
#include <memory>
#include <optional>

#include "viz/hub/net.h"
#include "viz/hub/reply.h"
#include "viz/hub/shared_state.h"

namespace nanogpt::viz::hub {

struct RequestTarget;

class HttpSession : public HubConnection, public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(tcp::socket&& socket, std::shared_ptr<HubState> state);
    ~HttpSession() override;

    void run();
    void close() override;

private:
    using Request = http::request<http::string_body>;

    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void handle_request();
    HubReply answer(const Request& req, const RequestTarget& target);
    void send(HubReply reply, const std::string& set_cookie = {});
    void on_write(bool close, beast::error_code ec, std::size_t bytes);
    void do_close();

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<HubState> state_;
    // A fresh parser per request: it carries the header and body limits.
    std::optional<http::request_parser<http::string_body>> parser_;
    // Kept alive here until its async_write completes.
    http::response<http::string_body> res_;
};

}  // namespace nanogpt::viz::hub

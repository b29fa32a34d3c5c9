// hub_test_client.h: a small Beast client for the hub tests (HTTP requests and a WebSocket
// client). Every operation has a generous deadline so a broken hub fails a test instead of
// hanging the suite; the deadlines are not timing assertions.
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace hubtest {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr auto kDeadline = std::chrono::seconds(20);

struct HttpResult {
    int status = 0;
    std::string content_type, cache_control, set_cookie, body;
    Headers headers;  // every field of the answer, in order
    // The value of a field (case-insensitive name), "" when absent.
    std::string header(const std::string& name) const;
};

// One request on a fresh connection to 127.0.0.1:port; the target is sent exactly as given.
HttpResult http_request(int port, const std::string& target, const Headers& headers = {},
                        http::verb method = http::verb::get);

struct WsMessage {
    bool text = false;
    std::string data;
};

class WsClient {
public:
    // Connects and upgrades at `target`; throws when the hub refuses.
    explicit WsClient(int port, const std::string& target = "/ws", const Headers& headers = {});
    ~WsClient();

    // The HTTP status the hub answers an upgrade with: 101 when accepted, 401 when refused, ...
    static int upgrade_status(int port, const std::string& target, const Headers& headers = {});

    WsMessage read();                 // one whole message
    size_t read_part(size_t max);     // some bytes of the current message, then stop
    void write_text(const std::string& text);
    void write_binary(const std::string& bytes);
    // One message sent as `fragments` frames (a continuation sequence), text or binary.
    void write_fragments(const std::string& bytes, int fragments, bool binary);
    void abort();                     // drop the TCP connection at once (RST), mid-message or not
    // After read() threw because the hub closed: the close frame's code (1001 going away), 0
    // when the connection ended without one.
    int close_code() const { return ws_.reason().code; }

private:
    WsClient() = default;
    bool connect(int port, const std::string& target, const Headers& headers, int* status);
    void wait(const bool& done, const char* what);

    net::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_{ioc_};
    beast::flat_buffer buffer_;
};

// Polls `condition` (e.g. on Hub::stats()) until it holds or the deadline passes.
bool wait_until(const std::function<bool()>& condition);

}  // namespace hubtest

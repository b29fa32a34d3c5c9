// hub_test_client.cpp: the test client's operations, each driven to completion on its own
// io_context with a deadline.
#include "hub_test_client.h"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace hubtest {
namespace {

// Runs `ioc` until `done`; on the deadline closes `socket` (so the pending operation ends and
// its handler, which refers to the caller's locals, runs now) and throws.
void drive(net::io_context& ioc, const bool& done, tcp::socket& socket, const char* what) {
    ioc.restart();
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (!done && ioc.run_one_until(deadline) > 0) {
    }
    if (done) return;
    beast::error_code ec;
    socket.close(ec);
    ioc.restart();
    while (!done && ioc.run_one_for(std::chrono::seconds(5)) > 0) {
    }
    throw std::runtime_error(std::string("hub test client: timed out: ") + what);
}

void throw_if(const beast::error_code& ec, const char* what) {
    if (ec) throw beast::system_error(ec, what);
}

}  // namespace

HttpResult http_request(int port, const std::string& target, const Headers& headers, http::verb method) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    bool done = false;

    stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)),
                         [&](beast::error_code e) { ec = e; done = true; });
    drive(ioc, done, stream.socket(), "connect");
    throw_if(ec, "connect");

    http::request<http::empty_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));  // as a browser sends it
    req.set(http::field::connection, "close");
    for (const auto& [name, value] : headers) req.set(name, value);
    done = false;
    http::async_write(stream, req, [&](beast::error_code e, size_t) { ec = e; done = true; });
    drive(ioc, done, stream.socket(), "http write");
    throw_if(ec, "http write");

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    parser.skip(method == http::verb::head);  // no body follows a HEAD answer
    done = false;
    http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; done = true; });
    drive(ioc, done, stream.socket(), "http read");
    throw_if(ec, "http read");

    const auto& res = parser.get();
    HttpResult out;
    out.status = res.result_int();
    out.content_type = std::string(res[http::field::content_type]);
    out.cache_control = std::string(res[http::field::cache_control]);
    out.set_cookie = std::string(res[http::field::set_cookie]);
    out.body = res.body();
    for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    return out;
}

std::string HttpResult::header(const std::string& name) const {
    for (const auto& [n, v] : headers)
        if (beast::iequals(n, name)) return v;
    return "";
}

WsClient::WsClient(int port, const std::string& target, const Headers& headers) {
    int status = 0;
    if (!connect(port, target, headers, &status)) {
        throw std::runtime_error("websocket upgrade refused with HTTP " + std::to_string(status));
    }
}

WsClient::~WsClient() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
}

int WsClient::upgrade_status(int port, const std::string& target, const Headers& headers) {
    WsClient client;
    int status = 0;
    client.connect(port, target, headers, &status);
    return status;
}

bool WsClient::connect(int port, const std::string& target, const Headers& headers, int* status) {
    beast::error_code ec;
    bool done = false;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    beast::get_lowest_layer(ws_).async_connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)),
        [&](beast::error_code e) { ec = e; done = true; });
    drive(ioc_, done, socket, "connect");
    throw_if(ec, "connect");
    socket.set_option(tcp::no_delay(true), ec);  // as browsers do: no Nagle delay between small frames

    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
        for (const auto& [name, value] : headers) req.set(name, value);
    }));
    websocket::response_type res;
    done = false;
    ws_.async_handshake(res, "127.0.0.1:" + std::to_string(port), target, [&](beast::error_code e) { ec = e; done = true; });
    drive(ioc_, done, socket, "handshake");
    *status = res.result_int();
    if (ec == websocket::error::upgrade_declined) return false;
    throw_if(ec, "handshake");
    return true;
}

void WsClient::wait(const bool& done, const char* what) {
    drive(ioc_, done, beast::get_lowest_layer(ws_).socket(), what);
}

WsMessage WsClient::read() {
    beast::error_code ec;
    bool done = false;
    buffer_.clear();
    ws_.async_read(buffer_, [&](beast::error_code e, size_t) { ec = e; done = true; });
    wait(done, "websocket read");
    throw_if(ec, "websocket read");
    WsMessage m;
    m.text = ws_.got_text();
    m.data = beast::buffers_to_string(buffer_.data());
    buffer_.clear();
    return m;
}

size_t WsClient::read_part(size_t max) {
    beast::error_code ec;
    bool done = false;
    size_t got = 0;
    buffer_.clear();
    ws_.async_read_some(buffer_, max, [&](beast::error_code e, size_t n) { ec = e; got = n; done = true; });
    wait(done, "websocket read_some");
    throw_if(ec, "websocket read_some");
    buffer_.clear();
    return got;
}

void WsClient::write_text(const std::string& text) {
    beast::error_code ec;
    bool done = false;
    ws_.text(true);
    ws_.async_write(net::buffer(text), [&](beast::error_code e, size_t) { ec = e; done = true; });
    wait(done, "websocket write");
    throw_if(ec, "websocket write");
}

void WsClient::write_binary(const std::string& bytes) {
    beast::error_code ec;
    bool done = false;
    ws_.binary(true);
    ws_.async_write(net::buffer(bytes), [&](beast::error_code e, size_t) { ec = e; done = true; });
    wait(done, "websocket write");
    throw_if(ec, "websocket write");
}

void WsClient::write_fragments(const std::string& bytes, int fragments, bool binary) {
    ws_.binary(binary);
    const size_t piece = bytes.size() / static_cast<size_t>(fragments) + 1;
    for (size_t at = 0; at < bytes.size() || at == 0;) {
        const size_t n = std::min(piece, bytes.size() - at);
        const bool fin = at + n >= bytes.size();
        beast::error_code ec;
        bool done = false;
        ws_.async_write_some(fin, net::buffer(bytes.data() + at, n), [&](beast::error_code e, size_t) { ec = e; done = true; });
        wait(done, "websocket write_some");
        throw_if(ec, "websocket write_some");
        at += n;
        if (fin) break;
    }
}

void WsClient::abort() {
    auto& socket = beast::get_lowest_layer(ws_).socket();
    beast::error_code ec;
    socket.set_option(net::socket_base::linger(true, 0), ec);  // close sends RST, not FIN
    socket.close(ec);
}

bool wait_until(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

}  // namespace hubtest

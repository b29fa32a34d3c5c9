// http_session.cpp: HTTP request handling (one request at a time per connection).
#include "viz/hub/http_session.h"

#include <chrono>
#include <exception>
#include <string>

#include "viz/hub/access.h"
#include "viz/hub/headers.h"
#include "viz/hub/json.h"
#include "viz/hub/request.h"
#include "viz/hub/rest.h"
#include "viz/export/report.h"
#include "viz/hub/ws_session.h"

namespace nanogpt::viz::hub {
namespace {

constexpr auto kTimeout = std::chrono::seconds(30);  // a silent client frees its socket
constexpr std::uint32_t kHeaderLimit = 64 * 1024;    // localhost collects large cookies
constexpr std::uint64_t kBodyLimit = 16 * 1024;      // GET only: bodies are not used

std::string_view as_view(beast::string_view s) { return {s.data(), s.size()}; }

bool is_parse_error(const beast::error_code& ec) {
    return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

}  // namespace

HttpSession::HttpSession(tcp::socket&& socket, std::shared_ptr<HubState> state)
    : stream_(std::move(socket)), state_(std::move(state)) {}

HttpSession::~HttpSession() { state_->remove_connection(this); }

void HttpSession::run() {
    if (!state_->add_connection(this, std::shared_ptr<HubConnection>(shared_from_this()))) return;
    // Start on the connection's strand: the accept handler ran on another one.
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->stream_.close(); });
}

void HttpSession::do_read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kTimeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec) {
        // A malformed request is the client's problem, not worth a line on the trainer's stderr.
        if (!is_parse_error(ec)) fail(*state_, ec, "http read");
        return;
    }
    try {
        handle_request();
    } catch (const std::exception& e) {
        state_->report_exception("http request", e.what());
        send(json_error(500, "internal error"));
    }
}

void HttpSession::handle_request() {
    const Request& req = parser_->get();
    const RequestTarget target = parse_target(as_view(req.target()));
    if (!target.ok) return send(json_error(400, target.error));

    AccessRequest access;
    access.host = as_view(req[http::field::host]);
    access.origin = as_view(req[http::field::origin]);
    access.sec_fetch_site = as_view(req["Sec-Fetch-Site"]);
    access.sec_fetch_mode = as_view(req["Sec-Fetch-Mode"]);
    access.authorization = as_view(req[http::field::authorization]);
    access.cookie = as_view(req[http::field::cookie]);
    access.query_token = target.token;
    access.upgrade = websocket::is_upgrade(req);
    access.safe_method = req.method() == http::verb::get || req.method() == http::verb::head;
    AccessDecision decision = check_access(access, state_->access_policy());
    if (decision.status != 0) {
        ++state_->counters.refused_requests;
        HubReply reply = json_error(decision.status, decision.message);
        if (decision.status == 401) reply.headers.emplace_back("WWW-Authenticate", "Bearer");
        return send(std::move(reply));
    }

    if (access.upgrade) {
        if (target.path != "/ws") return send(json_error(404, "WebSocket endpoint is /ws"));
        // The WebSocket session takes over the socket; this session ends here.
        std::make_shared<WsSession>(stream_.release_socket(), state_)->run(parser_->release());
        return;
    }
    send(answer(req, target), decision.set_cookie);
}

HubReply HttpSession::answer(const Request& req, const RequestTarget& target) {
    if (req.method() != http::verb::get) {
        HubReply reply = json_error(405, "only GET is supported");
        reply.headers.emplace_back("Allow", "GET");
        return reply;
    }
    const std::string& path = target.path;
    if (path == "/api" || path.rfind("/api/", 0) == 0) {
        const HistorySource* history = state_->history();
        if (!history) return json_error(503, "no run history is available");
        try {
            const HubOptions& o = state_->options();
            // The share button (GET /api/sessions/<id>/report): what `nanogpt report` writes.
            const ReportMaker report = [history, &o](const std::string& id) -> std::optional<std::string> {
                if (!history->frame_index_json(id)) return std::nullopt;
                return exporting::build_report(*history, id, DashboardFiles{o.static_dir, o.static_mounts});
            };
            return serve_api(*history, path, report);
        } catch (const std::exception& e) {
            state_->report_exception("GET " + path, e.what());
            return json_error(500, "reading the run history failed");
        }
    }
    if (path == "/ws") return json_error(426, "this endpoint takes a WebSocket upgrade");
    return state_->static_files().serve(path);
}

void HttpSession::send(HubReply reply, const std::string& set_cookie) {
    const Request& req = parser_->get();
    http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
    res.set(http::field::server, "nanogpt-viz");
    res.set(http::field::content_type, reply.content_type);
    res.set("Content-Security-Policy", content_security_policy(reply.script_hashes));
    for (const auto& [name, value] : fixed_security_headers()) res.set(name, value);
    if (reply.no_store) res.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : reply.headers) res.set(name, value);
    if (!set_cookie.empty()) res.set(http::field::set_cookie, set_cookie);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(reply.body);
    res.prepare_payload();
    // An answer to HEAD carries the headers of the full answer but never a body.
    if (req.method() == http::verb::head) res.body().clear();

    res_ = std::move(res);
    const bool close = res_.need_eof();
    stream_.expires_after(kTimeout);
    http::async_write(stream_, res_, beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), close));
}

void HttpSession::on_write(bool close, beast::error_code ec, std::size_t) {
    if (ec) return fail(*state_, ec, "http write");
    if (close) return do_close();
    res_ = {};
    do_read();
}

void HttpSession::do_close() {
    // Half-close: the client sees the end of the response, then the socket goes with us.
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace nanogpt::viz::hub

// ws_session.cpp: WebSocket session: handshake, hello, queued writes, client messages.
#include "viz/hub/ws_session.h"

#include <algorithm>
#include <chrono>

#include "viz/hub/client_message.h"

namespace nanogpt::viz::hub {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
// Messages up to this size are read (and discarded past max_client_message_bytes) so the client
// gets an error reply and stays connected; beyond it Beast closes with "message too big".
constexpr size_t kReadMessageMax = 16u << 20;

}  // namespace

WsSession::WsSession(tcp::socket&& socket, std::shared_ptr<HubState> state)
    : ws_(std::move(socket)), state_(std::move(state)), close_timer_(ws_.get_executor()) {}

WsSession::~WsSession() {
    state_->remove_client(this);
    state_->remove_connection(this);
}

void WsSession::run(http::request<http::string_body> req) {
    if (!state_->add_connection(this, std::shared_ptr<HubConnection>(shared_from_this()))) return;

    // The WebSocket stream keeps its own timers; the HTTP read deadline must not carry over.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(30);
    // Ping a client that has been silent for 30 s, drop it after 60 s: a vanished peer (laptop
    // lid closed) would otherwise hold its queue forever. Browsers answer pings by themselves.
    timeouts.idle_timeout = std::chrono::seconds(60);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "nanogpt-viz"); }));
    ws_.read_message_max(std::max(kReadMessageMax, state_->options().max_client_message_bytes + 1));
    // One frame per message: frames are large and the client wants them whole anyway.
    ws_.auto_fragment(false);
    ws_.async_accept(req, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(beast::error_code ec) {
    if (ec) return fail(*state_, ec, "websocket accept");
    // Join the broadcast set first, then queue the hello, both in this one handler: broadcasts
    // reach the session only through posts to its strand, which run after this handler, so
    // the hello is still the first message. Joining first also means a client that has read
    // its hello is sure to receive every later broadcast (the hello may be on the wire before
    // this handler returns).
    if (!state_->add_client(this, weak_from_this())) return shut();  // the hub is stopping
    accepted_ = true;
    std::string hello = state_->make_hello();
    if (!hello.empty()) enqueue(std::make_shared<const std::string>(std::move(hello)), false);
    do_read();
}

void WsSession::do_read() {
    ws_.async_read_some(read_buffer_, kReadChunk, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        // A client breaking the protocol (bad UTF-8, a message past the read limit, a bad frame)
        // is counted like any refused message; it is not worth a line on the trainer's terminal.
        if (&ec.category() == &websocket::make_error_code(websocket::error::closed).category() &&
            ec != websocket::error::closed)
            ++state_->counters.bad_client_messages;
        else
            fail(*state_, ec, "websocket read");
        return shut();
    }
    const size_t limit = state_->options().max_client_message_bytes;
    const size_t got = read_buffer_.size();
    message_bytes_ += got;
    if (message_bytes_ <= limit) {
        message_ += beast::buffers_to_string(read_buffer_.data());
    } else {
        message_.clear();  // the reply only needs the size; do not keep a large message
    }
    read_buffer_.consume(got);
    if (ws_.is_message_done()) {
        ClientReply reply = reply_to_client_message(message_, ws_.got_text(), message_bytes_, limit);
        message_.clear();
        message_bytes_ = 0;
        if (reply.bad) ++state_->counters.bad_client_messages;
        if (!reply.text.empty()) enqueue(std::make_shared<const std::string>(std::move(reply.text)), false);
        if (closed_) return;
    }
    do_read();
}

void WsSession::send(std::shared_ptr<const std::string> message, bool binary) {
    // Only posts: the caller (the viz worker) never waits on this client's socket.
    net::post(ws_.get_executor(), [self = shared_from_this(), message = std::move(message), binary]() mutable {
        self->enqueue(std::move(message), binary);
    });
}

void WsSession::close() {
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->begin_close(); });
}

void WsSession::begin_close() {
    if (closed_ || closing_) return;
    if (!accepted_) return shut();
    closing_ = true;
    // Frames are droppable; texts already queued (the run's last metrics and events) still go.
    std::erase_if(waiting_, [](const Outgoing& o) { return o.binary; });
    waiting_frames_ = 0;
    close_timer_.expires_after(kCloseGrace);
    close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->shut();
    });
    if (in_flight_) return;  // on_write goes on from there
    if (!waiting_.empty()) do_write();
    else send_close();
}

void WsSession::send_close() {
    ws_.async_close(websocket::close_reason(websocket::close_code::going_away, "the dashboard is stopping"),
                    [self = shared_from_this()](beast::error_code) { self->shut(); });
}

void WsSession::enqueue(std::shared_ptr<const std::string> message, bool binary) {
    if (closed_ || closing_) return;
    if (binary) {
        const size_t max = state_->options().max_queued_frames;
        if (waiting_frames_ >= max && (max > 0 || in_flight_)) {
            if (max == 0) {  // nothing may wait: the new frame is the one that goes
                ++state_->counters.frames_dropped;
                return;
            }
            const auto oldest = std::find_if(waiting_.begin(), waiting_.end(), [](const Outgoing& o) { return o.binary; });
            waiting_.erase(oldest);
            --waiting_frames_;
            ++state_->counters.frames_dropped;
        }
        ++waiting_frames_;
    } else {
        if (waiting_texts_ >= kMaxQueuedTexts) {
            state_->report("websocket client", "fell 4096 messages behind; disconnecting it");
            return shut();
        }
        ++waiting_texts_;
    }
    waiting_.push_back({std::move(message), binary});
    if (!in_flight_) do_write();
}

void WsSession::do_write() {
    in_flight_ = std::move(waiting_.front());
    waiting_.pop_front();
    --(in_flight_->binary ? waiting_frames_ : waiting_texts_);
    ws_.binary(in_flight_->binary);
    ws_.async_write(net::buffer(*in_flight_->data), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
    if (ec) {
        fail(*state_, ec, "websocket write");
        return shut();
    }
    ++(in_flight_->binary ? state_->counters.frames_sent : state_->counters.texts_sent);
    in_flight_.reset();
    if (closed_) return;
    if (!waiting_.empty()) do_write();
    else if (closing_) send_close();
}

void WsSession::shut() {
    if (closed_) return;
    closed_ = true;
    close_timer_.cancel();
    // Leave the broadcast set now, not when the last handler lets go of us.
    state_->remove_client(this);
    waiting_.clear();
    waiting_frames_ = waiting_texts_ = 0;
    // Closing the socket ends the pending read and write with errors; their handlers hold
    // the last references, so the session is freed once they have run.
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close();
}

}  // namespace nanogpt::viz::hub

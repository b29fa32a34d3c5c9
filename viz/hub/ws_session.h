// ws_session.h: one WebSocket client: the hello, then every broadcast, through a bounded
// queue with one write in flight; answers the client's own messages (ping, subscribe).
//
// Queue policy: binary frames are droppable (at most max_queued_frames wait; the oldest waiting
// frame goes first), text messages are not (a client with 4096 texts waiting is disconnected).
#pragma once
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "viz/hub/net.h"
#include "viz/hub/shared_state.h"

namespace nanogpt::viz::hub {

class WsSession : public HubConnection, public std::enable_shared_from_this<WsSession> {
public:
    static constexpr size_t kMaxQueuedTexts = 4096;
    static constexpr std::chrono::milliseconds kCloseGrace{2000};

    WsSession(tcp::socket&& socket, std::shared_ptr<HubState> state);
    ~WsSession() override;

    // Completes the upgrade for `req` (already read by the HttpSession).
    void run(http::request<http::string_body> req);
    // Thread-safe: posts the message to this session's strand and returns.
    void send(std::shared_ptr<const std::string> message, bool binary);
    // Thread-safe: the queued text messages are written, then a close frame (going away);
    // a client that does not let that finish within kCloseGrace is cut off.
    void close() override;

private:
    struct Outgoing {
        std::shared_ptr<const std::string> data;  // shared by every client
        bool binary = false;
    };

    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void enqueue(std::shared_ptr<const std::string> message, bool binary);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void begin_close();
    void send_close();
    void shut();

    websocket::stream<beast::tcp_stream> ws_;
    std::shared_ptr<HubState> state_;

    // Incoming message, assembled from read_some pieces so an oversized one can be answered
    // without Beast closing the connection; only the first max+1 bytes are kept.
    beast::flat_buffer read_buffer_;
    std::string message_;
    size_t message_bytes_ = 0;

    std::deque<Outgoing> waiting_;
    std::optional<Outgoing> in_flight_;  // holds the bytes alive while async_write runs
    size_t waiting_frames_ = 0, waiting_texts_ = 0;
    bool accepted_ = false;
    bool closing_ = false;  // close frame on its way: nothing new is queued
    bool closed_ = false;
    net::steady_timer close_timer_;
};

}  // namespace nanogpt::viz::hub

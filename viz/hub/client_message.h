// client_message.h: what the hub answers to a message a WebSocket client sent.
// Pure (no I/O), so the protocol is testable without a socket.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace nanogpt::viz::hub {

struct ClientReply {
    std::string text;  // JSON to send back; empty: nothing to send
    bool bad = false;  // the message was refused (counted in HubStats::bad_client_messages)
};

// `data` is the message (possibly cut short when it was oversized), `text` whether it came as
// a text frame, `total_bytes` its full size, `max_bytes` the limit.
//   {"type":"ping"}                   -> {"type":"pong"}
//   {"type":"subscribe","session":id} -> {"type":"subscribed","session":id}
//   anything else (binary, oversized, not JSON, not an object, unknown type)
//                                     -> {"type":"error","message":...}, bad = true
ClientReply reply_to_client_message(std::string_view data, bool text, size_t total_bytes, size_t max_bytes);

}  // namespace nanogpt::viz::hub

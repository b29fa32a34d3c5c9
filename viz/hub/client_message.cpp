// client_message.cpp: parsing and answering client -> server WebSocket messages.
#include "viz/hub/client_message.h"

#include <rapidjson/document.h>

#include "viz/hub/request.h"
#include "viz/session_id.h"
#include "viz/protocol.h"

namespace nanogpt::viz::hub {
namespace {

ClientReply error_reply(std::string_view message) {
    return {protocol::error(message), true};
}

}  // namespace

ClientReply reply_to_client_message(std::string_view data, bool text, size_t total_bytes, size_t max_bytes) {
    if (!text) return error_reply("binary messages are not accepted; send JSON text");
    if (total_bytes > max_bytes) {
        return error_reply("message of " + std::to_string(total_bytes) + " bytes is over the limit of " +
                           std::to_string(max_bytes));
    }
    if (data.empty()) return error_reply("message is not valid JSON");
    rapidjson::Document doc;
    doc.Parse(data.data(), data.size());
    if (doc.HasParseError()) return error_reply("message is not valid JSON");
    if (!doc.IsObject()) return error_reply("message must be a JSON object");
    const auto type = doc.FindMember("type");
    if (type == doc.MemberEnd() || !type->value.IsString()) {
        return error_reply("message needs a string \"type\"");
    }
    const std::string_view kind(type->value.GetString(), type->value.GetStringLength());
    if (kind == "ping") return {protocol::pong(), false};
    if (kind == "subscribe") {
        const auto session = doc.FindMember("session");
        if (session == doc.MemberEnd() || !session->value.IsString()) {
            return error_reply("subscribe needs a string \"session\"");
        }
        const std::string_view id(session->value.GetString(), session->value.GetStringLength());
        if (!valid_session_id(id)) return error_reply(kSessionIdRule);
        // Every client gets every broadcast for now; subscribing is acknowledged so the
        // protocol can narrow it later without a client change.
        return {protocol::subscribed(id), false};
    }
    return error_reply("unknown message type");
}

}  // namespace nanogpt::viz::hub

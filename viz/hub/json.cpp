// json.cpp: JSON writers for the hub's own messages.
#include "viz/hub/json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace nanogpt::viz::hub {

std::string json_string_object(const std::vector<std::pair<std::string_view, std::string_view>>& members) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    for (const auto& [key, value] : members) {
        writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    }
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

HubReply json_error(int status, std::string_view message) {
    HubReply reply;
    reply.status = status;
    reply.content_type = "application/json";
    reply.body = json_string_object({{"error", message}});
    reply.no_store = true;
    return reply;
}

}  // namespace nanogpt::viz::hub

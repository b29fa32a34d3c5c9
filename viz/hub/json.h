// json.h: the few small JSON documents the hub writes itself (errors, WebSocket replies),
// built with RapidJSON's writer so any text in them is escaped correctly.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "viz/hub/reply.h"

namespace nanogpt::viz::hub {

// {"k1":"v1","k2":"v2",...}: an object of string members, in the given order.
std::string json_string_object(const std::vector<std::pair<std::string_view, std::string_view>>& members);

// An uncacheable {"error": message} reply: the REST routes' error form.
HubReply json_error(int status, std::string_view message);

}  // namespace nanogpt::viz::hub

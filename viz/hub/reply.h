// reply.h: an HTTP answer as the routing code builds it, before the session turns it into
// a Beast response; keeps the static-file and REST code free of Beast.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace nanogpt::viz::hub {

struct HubReply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    bool no_store = false;  // Cache-Control: no-store (REST: history changes while a run is live)
    std::vector<std::pair<std::string, std::string>> headers;  // extra fields (Allow, ...)
    std::vector<std::string> script_hashes;  // an HTML page's inline scripts, for its CSP (headers.h)
};

}  // namespace nanogpt::viz::hub

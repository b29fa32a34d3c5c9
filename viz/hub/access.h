// access.h: who may use the hub, decided for every HTTP request and WebSocket upgrade before
// anything is routed. A pure function of the request's headers and the hub's policy, so every
// rule is testable without a socket (and over one, in tests/viz/test_hub.cpp).
//
// The rules, in the order they are checked (as Jupyter's server does, for the same attacks):
//   1. Host: a loopback name or address, the address the hub is bound to (with a wildcard bind:
//      any address of this machine), or a name passed with --viz-allow-host ("*": any). A web
//      page whose own name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name and
//      is refused: 403.
//   2. Origin, for WebSocket upgrades and every method but GET/HEAD: when present it must be
//      the hub's own origin ("http://" + Host). A page elsewhere cannot open the socket: 403.
//      Without an Origin the client is not a browser; the token still applies.
//   3. Fetch metadata: a browser request from another site (Sec-Fetch-Site cross-site or
//      same-site, e.g. another port of localhost) is refused unless it is a top-level
//      navigation (a link to the dashboard): 403.
//   4. Token: ?token=, "Authorization: Bearer", or the cookie a ?token= answer set (the page's
//      own <script> and <link> loads cannot carry a header). Never the Referer. 401.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nanogpt::viz::hub {

// The host name of a Host header ("127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "::1",
// "LocalHost." -> "localhost"): lower case, without port, brackets or a final dot; nullopt
// when the value is not a host[:port].
std::optional<std::string> host_header_name(std::string_view host);

// Which Host names the hub answers to (rule 1).
class HostPolicy {
public:
    // bound: the address or name the hub was bound to (--viz-host); extra: --viz-allow-host.
    HostPolicy(std::string bound, std::vector<std::string> extra);
    bool allows(std::string_view host_header) const;
    // For the refusal's message: "127.0.0.1, localhost, ::1" and the allowed names.
    std::string describe() const;

private:
    bool any_ = false;                    // --viz-allow-host '*'
    std::vector<std::string> names_;      // lower case: the bound address, the extra names
};

// True when `origin` ("http://127.0.0.1:8080") is the origin of a page served under the Host
// header `host`: scheme http or https, the same authority (case-insensitive, default port
// dropped). "null" and anything malformed are not.
bool same_origin(std::string_view origin, std::string_view host);

struct AccessPolicy {
    const HostPolicy* hosts = nullptr;
    std::string token;     // empty: no token is required (--viz-no-token)
    int port = 0;          // the bound port: the cookie's name carries it
};

// What the access check looks at; absent headers are empty.
struct AccessRequest {
    std::string_view host, origin, sec_fetch_site, sec_fetch_mode, authorization, cookie;
    std::optional<std::string> query_token;  // ?token=, decoded
    bool upgrade = false;                    // a WebSocket upgrade
    bool safe_method = true;                 // GET or HEAD
};

struct AccessDecision {
    int status = 0;          // 0: allowed; else 401 or 403
    std::string message;     // why it was refused, for the reply's {"error": ...}
    std::string set_cookie;  // a Set-Cookie value to send with the answer (a correct ?token=)
};

AccessDecision check_access(const AccessRequest& request, const AccessPolicy& policy);

// A fresh token: 48 hex digits (192 bits) from the kernel's random source.
std::string random_token();

// The cookie that carries the token of the hub on `port`. Cookies do not tell ports apart, so
// each hub on one machine has its own name and two dashboards open side by side (two runs on
// 8080 and 8081) do not overwrite each other's.
std::string token_cookie_name(int port);

}  // namespace nanogpt::viz::hub

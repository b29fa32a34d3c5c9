// access.cpp: the hub's access rules (access.h).
#include "viz/hub/access.h"

#include <ifaddrs.h>
#include <netdb.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "common/error.h"
#include "viz/hub/request.h"

namespace nanogpt::viz::hub {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.size() <= 5 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "0.0.0.0", "::" (and "[::]"): the hub listens on every address of the machine.
bool is_wildcard(std::string_view host) { return host == "0.0.0.0" || host == "::" || host == "[::]"; }

// Every address of this machine's interfaces ("10.0.0.5", "fe80::1"), for wildcard binds.
std::vector<std::string> machine_addresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (ifaddrs* a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6)) continue;
        char text[NI_MAXHOST];
        const socklen_t len = a->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
        if (getnameinfo(a->ifa_addr, len, text, sizeof text, nullptr, 0, NI_NUMERICHOST) != 0) continue;
        std::string address = lower(text);
        if (const size_t zone = address.find('%'); zone != std::string::npos) address.resize(zone);  // fe80::1%eth0
        out.push_back(address);
    }
    freeifaddrs(list);
    return out;
}

AccessDecision refuse(int status, std::string message) { return {status, std::move(message), {}}; }

}  // namespace

std::optional<std::string> host_header_name(std::string_view host) {
    std::string name;
    if (!host.empty() && host.front() == '[') {  // [v6 address] with an optional :port
        const size_t close = host.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        const std::string_view rest = host.substr(close + 1);
        if (!rest.empty() && !(rest.front() == ':' && all_digits(rest.substr(1)))) return std::nullopt;
        name = lower(host.substr(1, close - 1));
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
                return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
            }))
            return std::nullopt;
        return name;
    }
    const size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) {
        if (!all_digits(host.substr(colon + 1))) return std::nullopt;
        host = host.substr(0, colon);
    }
    name = lower(host);
    if (!name.empty() && name.back() == '.') name.pop_back();  // "localhost." is "localhost"
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_host_char)) return std::nullopt;
    return name;
}

HostPolicy::HostPolicy(std::string bound, std::vector<std::string> extra) {
    if (const auto name = host_header_name(bound)) names_.push_back(*name);
    else names_.push_back(lower(bound));
    if (is_wildcard(bound)) {
        for (std::string& a : machine_addresses()) names_.push_back(std::move(a));
    }
    for (const std::string& e : extra) {
        if (e == "*") any_ = true;
        else if (const auto name = host_header_name(e)) names_.push_back(*name);
    }
}

bool HostPolicy::allows(std::string_view host_header) const {
    const std::optional<std::string> name = host_header_name(host_header);
    if (!name) return false;
    if (any_ || is_loopback_host(*name)) return true;
    // *.localhost names are the machine itself (RFC 6761; browsers never resolve them elsewhere).
    if (name->size() > 10 && name->compare(name->size() - 10, 10, ".localhost") == 0) return true;
    return std::find(names_.begin(), names_.end(), *name) != names_.end();
}

std::string HostPolicy::describe() const {
    std::string out = "localhost, 127.0.0.1, ::1";
    for (const std::string& n : names_)
        if (!is_loopback_host(n) && !is_wildcard(n)) out += ", " + n;
    return out;
}

bool same_origin(std::string_view origin, std::string_view host) {
    const std::string o = lower(origin), h = lower(host);
    std::string_view authority;
    std::string default_port;
    if (o.rfind("http://", 0) == 0) {
        authority = std::string_view(o).substr(7);
        default_port = ":80";
    } else if (o.rfind("https://", 0) == 0) {
        authority = std::string_view(o).substr(8);
        default_port = ":443";
    } else {
        return false;  // "null", file:, chrome-extension:, garbage
    }
    if (authority.empty() || authority.find_first_of("/?#@") != std::string_view::npos) return false;
    auto strip_default = [&](std::string_view a) {
        if (a.size() > default_port.size() && a.substr(a.size() - default_port.size()) == default_port)
            a.remove_suffix(default_port.size());
        return a;
    };
    return !h.empty() && strip_default(authority) == strip_default(h);
}

AccessDecision check_access(const AccessRequest& r, const AccessPolicy& policy) {
    if (r.host.empty()) return refuse(400, "the request has no Host header");
    if (!policy.hosts || !policy.hosts->allows(r.host)) {
        return refuse(403, "Host '" + std::string(r.host.substr(0, 200)) +
                               "' is not one this dashboard answers to (protection against DNS rebinding): open it "
                               "as http://127.0.0.1:<port>/ or start it with --viz-allow-host <name>; allowed: " +
                               policy.hosts->describe());
    }
    if ((r.upgrade || !r.safe_method) && !r.origin.empty() && !same_origin(r.origin, r.host)) {
        return refuse(403, "cross-origin request refused: the page at " + std::string(r.origin.substr(0, 200)) +
                               " is not this dashboard");
    }
    if ((r.sec_fetch_site == "cross-site" || r.sec_fetch_site == "same-site") && r.sec_fetch_mode != "navigate") {
        return refuse(403, "request from another site refused (Sec-Fetch-Site: " + std::string(r.sec_fetch_site) + ")");
    }
    if (policy.token.empty()) return {};

    AccessDecision ok;
    bool allowed = false;
    if (r.query_token && constant_time_equal(*r.query_token, policy.token)) {
        allowed = true;
        ok.set_cookie = token_cookie(policy.token, token_cookie_name(policy.port));
    }
    if (const auto bearer = bearer_token(r.authorization)) allowed = constant_time_equal(*bearer, policy.token) || allowed;
    if (const auto cookie = cookie_token(r.cookie, token_cookie_name(policy.port)))
        allowed = constant_time_equal(*cookie, policy.token) || allowed;
    if (!allowed) {
        return refuse(401, "missing or wrong token: open the address the trainer or `nanogpt serve` printed "
                           "(http://127.0.0.1:<port>/?token=...), or send Authorization: Bearer <token>");
    }
    return ok;
}

std::string random_token() {
    unsigned char bytes[24];
    size_t got = 0;
    while (got < sizeof bytes) {
        const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw Error("cannot read random bytes for the dashboard's token", "pass --viz-token <secret>");
        got += static_cast<size_t>(n);
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string token;
    for (const unsigned char b : bytes) {
        token += kHex[b >> 4];
        token += kHex[b & 15];
    }
    return token;
}

std::string token_cookie_name(int port) { return "nanogpt_viz_" + std::to_string(port); }

}  // namespace nanogpt::viz::hub

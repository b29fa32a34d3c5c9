// request.cpp: request target parsing, token checks and host classification for the hub.
#include "viz/hub/request.h"

#include <arpa/inet.h>

#include <cstring>

namespace nanogpt::viz::hub {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out.push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size()) return false;  // a '%' needs two hex digits after it
        const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return true;
}

RequestTarget parse_target(std::string_view target) {
    RequestTarget t;
    // Origin-form only: absolute-form ("http://host/x") and authority-form targets are not
    // something a browser sends to this server.
    if (target.empty() || target.front() != '/') {
        t.error = "request target must start with '/'";
        return t;
    }
    const size_t q = target.find('?');
    const std::string_view raw_path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);

    // Decode first, then check: "%2e%2e" and "..%2f" must be caught as the ".." they stand for.
    if (!percent_decode(raw_path, t.path)) {
        t.error = "malformed percent-escape in path";
        return t;
    }
    if (t.path.find('\0') != std::string::npos || t.path.find('\\') != std::string::npos ||
        t.path.find("..") != std::string::npos) {
        t.error = "path must not contain '..', NUL or backslash";
        return t;
    }

    // The only query parameter the hub reads is token=...; others are ignored.
    size_t start = 0;
    while (!query.empty() && start <= query.size()) {
        size_t end = query.find('&', start);
        if (end == std::string_view::npos) end = query.size();
        const std::string_view pair = query.substr(start, end - start);
        const size_t eq = pair.find('=');
        if (pair.substr(0, eq) == "token") {
            std::string value;
            if (eq == std::string_view::npos || !percent_decode(pair.substr(eq + 1), value)) {
                t.error = "malformed token parameter";
                return t;
            }
            t.token = std::move(value);
        }
        start = end + 1;
    }
    t.ok = true;
    return t;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    // Walk the longer length in full; the volatile keeps the compiler from adding an early exit.
    const size_t n = a.size() > b.size() ? a.size() : b.size();
    volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff = diff | static_cast<unsigned char>(x ^ y);
    }
    return diff == 0;
}

std::optional<std::string> bearer_token(std::string_view authorization) {
    authorization = trim(authorization);
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() <= kScheme.size()) return std::nullopt;
    for (size_t i = 0; i < kScheme.size(); ++i) {  // the scheme name is case-insensitive
        char c = authorization[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != kScheme[i]) return std::nullopt;
    }
    const std::string_view token = trim(authorization.substr(kScheme.size()));
    if (token.empty()) return std::nullopt;
    return std::string(token);
}

std::optional<std::string> cookie_token(std::string_view cookie_header, std::string_view name) {
    size_t start = 0;
    while (start < cookie_header.size()) {
        size_t end = cookie_header.find(';', start);
        if (end == std::string_view::npos) end = cookie_header.size();
        const std::string_view pair = trim(cookie_header.substr(start, end - start));
        const size_t eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
            std::string value;
            if (percent_decode(pair.substr(eq + 1), value)) return value;
            return std::nullopt;
        }
        start = end + 1;
    }
    return std::nullopt;
}

std::string percent_encode(std::string_view in) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : in) {
        if (is_unreserved(c)) {
            out += c;
        } else {
            const auto u = static_cast<unsigned char>(c);
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return out;
}

std::string token_cookie(std::string_view token, std::string_view name) {
    // Percent-encoded so any token survives as a cookie value; HttpOnly keeps page scripts from
    // reading it, SameSite=Strict keeps other sites' pages from riding on it.
    return std::string(name) + "=" + percent_encode(token) + "; Path=/; HttpOnly; SameSite=Strict";
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost") return true;
    std::string h(host);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    in_addr v4{};
    if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
        static const unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        if (std::memcmp(v6.s6_addr, kLoopback, 16) == 0) return true;
        // ::ffff:127.x.x.x is the IPv4 loopback seen through an IPv6 socket.
        static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::memcmp(v6.s6_addr, kMapped, 12) == 0 && v6.s6_addr[12] == 127;
    }
    return false;  // other host names: we cannot promise they stay on this machine
}

}  // namespace nanogpt::viz::hub

// request.h: what the hub checks on every HTTP request before routing it: the request
// target (percent-decoded, traversal refused) and the access token (constant-time compare).
// Pure functions without Beast, so they are cheap to compile and easy to test.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace nanogpt::viz::hub {

// A request target split into its decoded path and the decoded ?token= parameter.
struct RequestTarget {
    bool ok = false;
    std::string error;                 // why the target was refused (for the 400 body)
    std::string path;                  // percent-decoded, starts with '/'
    std::optional<std::string> token;  // ?token=..., decoded
};

// Refuses (ok=false) targets that do not start with '/', carry bad percent-escapes, or whose
// decoded path holds "..", a NUL or a backslash: the static file server and the REST routes
// then only ever see plain paths.
RequestTarget parse_target(std::string_view target);

// Decodes %XX escapes ('+' stays '+'); false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out);
// Escapes every byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX.
std::string percent_encode(std::string_view in);

// Equal strings, compared without an early exit so the time does not reveal how many leading
// characters of a guessed token were right (the length may show; tokens are not secret in length).
bool constant_time_equal(std::string_view a, std::string_view b);

// The token from "Authorization: Bearer <token>", if the header has that form.
std::optional<std::string> bearer_token(std::string_view authorization);

// The value of the cookie `name` in a "Cookie:" header (percent-decoded), if present.
std::optional<std::string> cookie_token(std::string_view cookie_header, std::string_view name);
// The Set-Cookie value that stores the token under `name` for the browser's later requests.
std::string token_cookie(std::string_view token, std::string_view name);

// True for 127.x.x.x, ::1 (also as ::ffff:127.x.x.x) and "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace nanogpt::viz::hub

// headers.h: the security headers on every reply of the hub. The page may load scripts, styles,
// images and connections from the hub's own origin only; its one inline script (index.html's
// import map: browsers do not load import maps from files) is allowed by its SHA-256 hash,
// computed from the very file the hub serves, so an edited import map keeps working and an
// injected inline script does not.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nanogpt::viz::hub {

// The 'sha256-<base64>' hash sources of the inline <script> elements (those without a src
// attribute) of an HTML page, in document order.
std::vector<std::string> inline_script_hashes(std::string_view html);

// default-src 'self', script-src 'self' plus the given hashes, img-src 'self' data: (the
// page's favicon is a data: URL), connect-src 'self' (REST and the WebSocket), object-src,
// base-uri and form-action 'none', frame-ancestors 'none' (no other page may frame it).
std::string content_security_policy(const std::vector<std::string>& script_hashes);

// The other fixed headers: Referrer-Policy no-referrer (the token in the address never leaves
// in a Referer), X-Content-Type-Options nosniff, X-Frame-Options DENY (for browsers without
// frame-ancestors), Cross-Origin-Opener-Policy and Cross-Origin-Resource-Policy same-origin
// (other sites can neither script a window of it nor embed its replies).
const std::vector<std::pair<std::string, std::string>>& fixed_security_headers();

}  // namespace nanogpt::viz::hub

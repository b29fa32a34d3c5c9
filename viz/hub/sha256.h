// sha256.h: SHA-256 (FIPS 180-4) and base64, the two pieces a Content-Security-Policy hash
// source ('sha256-<base64 of the digest>') is made of. Pure functions, no dependencies.
#pragma once
#include <array>
#include <string>
#include <string_view>

namespace nanogpt::viz::hub {

using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest sha256(std::string_view data);

// Standard base64 (RFC 4648, with '=' padding), as CSP hash sources use it.
std::string base64(std::string_view bytes);

}  // namespace nanogpt::viz::hub

// session_id.cpp: the session id rule and new ids (session_id.h).
#include "viz/session_id.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>

namespace nanogpt::viz {

bool valid_session_id(std::string_view id) {
    if (id.empty() || id == "." || id == "..") return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '.' || c == '-';
    });
}

std::string new_session_id() {
    std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::gmtime(&t));
    std::random_device rd;
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "-%04x", rd() & 0xffff);
    return std::string(buf) + suffix;
}

}  // namespace nanogpt::viz

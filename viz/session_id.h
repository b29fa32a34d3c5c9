// session_id.h: what a session id is. One id names a run everywhere: its directory under runs/,
// every message and record it produces, the REST paths (R1.7). The store and the hub check ids
// with this one rule.
#pragma once
#include <string>
#include <string_view>

namespace nanogpt::viz {

// A session id names a directory under runs/, so it must not be able to climb out of it:
// [A-Za-z0-9_.-]+, and not "." or "..".
bool valid_session_id(std::string_view id);
inline constexpr const char* kSessionIdRule = "bad session id (allowed: A-Z a-z 0-9 _ . -)";

// A new id: <UTC date>-<UTC time>-<4 hex digits>, e.g. "20261201-101500-3fa2", which sorts by
// start time and is unlikely to repeat when several runs start in the same second.
std::string new_session_id();

}  // namespace nanogpt::viz

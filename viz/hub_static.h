// hub_static.h: serves the dashboard's files (frontend/) without ever leaving that directory.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include "viz/hub_reply.h"

namespace nanogpt::viz {

class StaticFiles {
public:
    // `dir` may be empty or missing: every request is then a 404 (the WebSocket still works).
    explicit StaticFiles(const std::string& dir);

    // Answers a GET for `path` (decoded by parse_target, so free of "..", NUL and backslash).
    // "/" and paths ending in '/' mean index.html. The file's canonical path (symlinks
    // resolved) must lie under the canonical root, else 404.
    HubReply serve(std::string_view path) const;

private:
    std::filesystem::path root_;  // canonical; empty when there is nothing to serve
};

// "text/html; charset=utf-8" for "x.html", ...; application/octet-stream when unknown.
std::string content_type_for(const std::filesystem::path& file);

}  // namespace nanogpt::viz

// static_files.h: serves the dashboard's files without ever leaving their directories: frontend/
// at "/", and the libraries npm installed (three.js, uPlot) at "/vendor/<package>/", read
// where npm put them so that no build or set-up step has to copy them.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "viz/hub/reply.h"

namespace nanogpt::viz::hub {

// A URL prefix ("/vendor/three/") served from a directory.
struct StaticMount {
    std::string prefix;
    std::string dir;
};

class StaticFiles {
public:
    // `dir` (served at "/") may be empty or missing: those requests are then 404s (the
    // WebSocket still works). Mounts take precedence over `dir` for their prefix; a missing
    // mount directory answers 404 with a hint saying how to install it.
    explicit StaticFiles(const std::string& dir, const std::vector<StaticMount>& mounts = {});

    // Answers a GET for `path` (decoded by parse_target, so free of "..", NUL and backslash).
    // "/" and paths ending in '/' mean index.html. The file's canonical path (symlinks
    // resolved) must lie under the canonical root it was looked up in, else 404.
    HubReply serve(std::string_view path) const;

private:
    struct Root {
        std::string prefix;          // "/" for the frontend
        std::filesystem::path path;  // canonical; empty when the directory is missing
    };
    std::vector<Root> roots_;  // mounts first, "/" last
};

// The dashboard's files in a source tree: frontend/ (served at "/") and the npm packages the page
// imports, each mounted at /vendor/<package>/ from node_modules/<package>/.
struct DashboardFiles {
    std::string frontend_dir;
    std::vector<StaticMount> libraries;
};
DashboardFiles dashboard_files(const std::string& source_dir);
// The dashboard's files in the source tree this binary was built from (the one definition of
// where the page lives).
DashboardFiles source_tree_dashboard_files();
// The files of the page's libraries that are not there ("node_modules/three/build/three.module.js"),
// so that `train` and `serve` can say what to run before anyone opens the page.
std::vector<std::string> missing_library_files(const DashboardFiles& files);
// Prints one warning line per missing file, saying what to run.
void warn_missing_libraries(const DashboardFiles& files);

// "text/html; charset=utf-8" for "x.html", ...; application/octet-stream when unknown.
std::string content_type_for(const std::filesystem::path& file);

}  // namespace nanogpt::viz::hub

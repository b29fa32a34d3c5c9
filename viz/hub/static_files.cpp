// static_files.cpp: static file lookup confined to the static root, and content types.
#include "viz/hub/static_files.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <system_error>

#include "common/error.h"
#include "common/file_io.h"
#include "viz/hub/headers.h"
#include "viz/hub/json.h"

#ifndef NANOGPT_SOURCE_DIR
#define NANOGPT_SOURCE_DIR "."
#endif

namespace nanogpt::viz::hub {
namespace {

namespace fs = std::filesystem;

// Larger files are refused rather than read into memory on the I/O thread.
constexpr std::uintmax_t kMaxStaticFileBytes = 256ull << 20;

HubReply not_found() {
    HubReply reply;
    reply.status = 404;
    reply.content_type = "text/plain; charset=utf-8";
    reply.body = "not found\n";
    return reply;
}

// `inner` lies inside `root` (both canonical): root's components are a strict prefix.
bool is_under(const fs::path& root, const fs::path& inner) {
    auto r = root.begin();
    auto i = inner.begin();
    for (; r != root.end(); ++r, ++i) {
        if (i == inner.end() || *r != *i) return false;
    }
    return i != inner.end();
}

fs::path canonical_dir(const std::string& dir) {
    if (dir.empty()) return {};
    std::error_code ec;
    fs::path root = fs::canonical(dir, ec);
    if (ec || !fs::is_directory(root, ec)) return {};
    return root;
}

HubReply library_missing(const std::string& prefix) {
    HubReply reply;
    reply.status = 404;
    reply.content_type = "text/plain; charset=utf-8";
    reply.body = "the dashboard's library under " + prefix +
                 " is not installed: run `npm install` in the nanogpt source tree (scripts/setup.sh does it)\n";
    return reply;
}

// The file under `root` named by the segments of `path` (the part after the mount's prefix).
HubReply serve_under(const fs::path& root, std::string_view path) {
    // Build the path from its non-empty segments, so "//etc/passwd" cannot turn into an
    // absolute path when appended to the root. Dot segments never reach here, but a second
    // guard costs nothing.
    fs::path candidate = root;
    size_t start = 0;
    bool any = false;
    while (start < path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const std::string_view seg = path.substr(start, end - start);
        if (seg == "." || seg == "..") return not_found();
        if (!seg.empty()) {
            candidate /= std::string(seg);
            any = true;
        }
        start = end + 1;
    }
    if (!any || path.empty() || path.back() == '/') candidate /= "index.html";

    // Resolve symlinks and check containment on the real path: a link inside the root that
    // points elsewhere is treated as missing.
    std::error_code ec;
    const fs::path real = fs::canonical(candidate, ec);
    if (ec || !is_under(root, real)) return not_found();
    if (!fs::is_regular_file(real, ec)) return not_found();  // directories, FIFOs, devices
    const std::uintmax_t size = fs::file_size(real, ec);
    if (ec) return not_found();
    if (size > kMaxStaticFileBytes) {
        return json_error(500, "file too large to serve");
    }

    HubReply reply;
    try {
        reply.body = read_file(real.string());
    } catch (const Error&) {
        return not_found();  // vanished or unreadable between the checks and the read
    }
    reply.content_type = content_type_for(real);
    if (reply.content_type.rfind("text/html", 0) == 0) reply.script_hashes = inline_script_hashes(reply.body);
    // Revalidate every time: a rebuilt frontend shows up on reload.
    reply.headers.emplace_back("Cache-Control", "no-cache");
    return reply;
}

}  // namespace

StaticFiles::StaticFiles(const std::string& dir, const std::vector<StaticMount>& mounts) {
    for (const StaticMount& m : mounts) {
        std::string prefix = m.prefix;
        if (prefix.empty() || prefix.front() != '/') prefix.insert(prefix.begin(), '/');
        if (prefix.back() != '/') prefix.push_back('/');
        roots_.push_back({prefix, canonical_dir(m.dir)});
    }
    // Longest prefix first, so "/vendor/three/" wins over "/vendor/".
    std::stable_sort(roots_.begin(), roots_.end(),
                     [](const Root& a, const Root& b) { return a.prefix.size() > b.prefix.size(); });
    roots_.push_back({"/", canonical_dir(dir)});
}

HubReply StaticFiles::serve(std::string_view path) const {
    for (const Root& r : roots_) {
        if (path.substr(0, r.prefix.size()) != r.prefix) continue;
        if (r.path.empty()) return r.prefix == "/" ? not_found() : library_missing(r.prefix);
        return serve_under(r.path, path.substr(r.prefix.size()));
    }
    return not_found();
}

namespace {
// package -> one file the page imports from it (relative to node_modules/<package>/).
struct Library {
    const char* package;
    const char* entry;
};
constexpr Library kLibraries[] = {{"three", "build/three.module.js"}, {"uplot", "dist/uPlot.esm.js"}};
}  // namespace

DashboardFiles dashboard_files(const std::string& source_dir) {
    DashboardFiles files;
    files.frontend_dir = source_dir + "/frontend";
    for (const Library& lib : kLibraries)
        files.libraries.push_back({std::string("/vendor/") + lib.package + "/",
                                   source_dir + "/node_modules/" + lib.package});
    return files;
}

DashboardFiles source_tree_dashboard_files() { return dashboard_files(NANOGPT_SOURCE_DIR); }

void warn_missing_libraries(const DashboardFiles& files) {
    for (const std::string& f : missing_library_files(files))
        std::printf("warning: %s is missing, so the dashboard page cannot load: run `npm install` in %s "
                    "(scripts/setup.sh does it)\n",
                    f.c_str(), fs::path(files.frontend_dir).parent_path().c_str());
}

std::vector<std::string> missing_library_files(const DashboardFiles& files) {
    std::vector<std::string> missing;
    for (const Library& lib : kLibraries) {
        const std::string prefix = std::string("/vendor/") + lib.package + "/";
        for (const StaticMount& m : files.libraries) {
            if (m.prefix != prefix) continue;
            const std::string entry = m.dir + "/" + lib.entry;
            std::error_code ec;
            if (!fs::is_regular_file(entry, ec)) missing.push_back(entry);
        }
    }
    return missing;
}

std::string content_type_for(const fs::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".json" || ext == ".map") return "application/json";
    if (ext == ".png") return "image/png";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".wasm") return "application/wasm";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    if (ext == ".woff2") return "font/woff2";
    return "application/octet-stream";
}

}  // namespace nanogpt::viz::hub

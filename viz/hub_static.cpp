// hub_static.cpp: static file lookup confined to the static root, and content types.
#include "viz/hub_static.h"

#include <algorithm>
#include <cctype>
#include <system_error>

#include "common/error.h"
#include "common/file_io.h"
#include "viz/hub_json.h"

namespace nanogpt::viz {
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

}  // namespace

StaticFiles::StaticFiles(const std::string& dir) {
    if (dir.empty()) return;
    std::error_code ec;
    fs::path root = fs::canonical(dir, ec);
    if (!ec && fs::is_directory(root, ec)) root_ = std::move(root);
}

HubReply StaticFiles::serve(std::string_view path) const {
    if (root_.empty()) return not_found();

    // Build the path from its non-empty segments, so "//etc/passwd" cannot turn into an
    // absolute path when appended to the root. Dot segments never reach here, but a second
    // guard costs nothing.
    fs::path candidate = root_;
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
    if (!any || path.back() == '/') candidate /= "index.html";

    // Resolve symlinks and check containment on the real path: a link inside frontend/ that
    // points elsewhere is treated as missing.
    std::error_code ec;
    const fs::path real = fs::canonical(candidate, ec);
    if (ec || !is_under(root_, real)) return not_found();
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
    // Revalidate every time: a rebuilt frontend shows up on reload.
    reply.headers.emplace_back("Cache-Control", "no-cache");
    return reply;
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

}  // namespace nanogpt::viz

// rest.cpp: routing of /api requests onto the HistorySource.
#include "viz/hub/rest.h"

#include <climits>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "viz/hub/json.h"
#include "viz/hub/request.h"
#include "viz/session_id.h"

namespace nanogpt::viz::hub {
namespace {

std::vector<std::string_view> split_segments(std::string_view path) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        if (end > start) out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// Plain decimal digits within int range; no sign, no spaces, no "0x".
std::optional<int> parse_step(std::string_view s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    long long v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v > INT_MAX) return std::nullopt;
    return static_cast<int>(v);
}

HubReply json_ok(std::string body) {
    HubReply reply;
    reply.content_type = "application/json";
    reply.body = std::move(body);
    reply.no_store = true;
    return reply;
}

HubReply from_optional(std::optional<std::string> doc, const std::string& session) {
    if (!doc) return json_error(404, "unknown session " + session);
    return json_ok(std::move(*doc));
}

}  // namespace

HubReply serve_api(const HistorySource& history, std::string_view path, const ReportMaker& make_report) {
    const std::vector<std::string_view> seg = split_segments(path);
    // seg[0] is "api".
    if (seg.size() < 2 || seg[1] != "sessions") return json_error(404, "no such API route");
    if (seg.size() == 2) return json_ok(history.sessions_json());

    const std::string id(seg[2]);
    if (!valid_session_id(id)) return json_error(400, kSessionIdRule);
    if (seg.size() == 4) {
        if (seg[3] == "run") return from_optional(history.run_json(id), id);
        if (seg[3] == "metrics") return from_optional(history.metrics_json(id), id);
        if (seg[3] == "events") return from_optional(history.events_json(id), id);
        if (seg[3] == "frames") return from_optional(history.frame_index_json(id), id);
        if (seg[3] == "probes") return from_optional(history.probe_index_json(id), id);
        if (seg[3] == "report" && make_report) {
            std::optional<std::string> html;
            try {
                html = make_report(id);
            } catch (const Error& e) {  // a page file or module missing: say which
                return json_error(500, std::string("building the report failed: ") + e.what());
            }
            if (!html) return json_error(404, "unknown session " + id);
            HubReply reply;
            reply.content_type = "text/html; charset=utf-8";
            reply.body = std::move(*html);
            reply.no_store = true;
            reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"nanogpt-report-" + id + ".html\"");
            return reply;
        }
    }
    if (seg.size() == 5 && (seg[3] == "frames" || seg[3] == "probes")) {
        const bool probe = seg[3] == "probes";
        const std::optional<int> step = parse_step(seg[4]);
        if (!step) return json_error(400, "bad step number (a non-negative integer)");
        std::optional<std::string> bytes = probe ? history.probe(id, *step) : history.frame(id, *step);
        if (!bytes) {
            return json_error(404, std::string(probe ? "no probe" : "no frame") + " at step " +
                                       std::to_string(*step) + " in session " + id);
        }
        HubReply reply;
        reply.content_type = "application/octet-stream";
        reply.body = std::move(*bytes);
        reply.no_store = true;
        return reply;
    }
    return json_error(404, "no such API route");
}

}  // namespace nanogpt::viz::hub

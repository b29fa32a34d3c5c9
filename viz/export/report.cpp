// report.cpp: `nanogpt report` (report.h): the dashboard's page rewritten to need nothing but
// itself, and the run's data embedded in it.
#include "viz/export/report.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <zlib.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/error.h"
#include "viz/export/module_graph.h"

namespace nanogpt::viz::exporting {

namespace {

constexpr const char* kPage = "/index.html";
// The report needs nothing from anywhere: the browser itself refuses any request but data:/blob:.
constexpr const char* kCsp =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline' data: blob:; "
    "style-src 'unsafe-inline'; img-src data: blob:; connect-src data: blob:; font-src data:\">";

std::optional<std::string> read_whole(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A URL path of the dashboard ("/views/x.js", "/vendor/three/build/three.module.js") -> its text.
ReadFile dashboard_reader(const hub::DashboardFiles& files) {
    return [files](const std::string& path) -> std::optional<std::string> {
        for (const hub::StaticMount& m : files.libraries)
            if (path.rfind(m.prefix, 0) == 0) return read_whole(m.dir + "/" + path.substr(m.prefix.size()));
        return read_whole(files.frontend_dir + path);
    };
}

std::size_t b64_size(std::size_t n) { return (n + 2) / 3 * 4; }

rapidjson::Document parse(const std::string& json, const std::string& what) {
    rapidjson::Document doc;
    doc.Parse(json.c_str(), json.size());
    if (doc.HasParseError()) throw Error("the run's " + what + " is not valid JSON");
    return doc;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
void key(Writer& w, const std::string& k) { w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size())); }
void str(Writer& w, const std::string& s) { w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size())); }

// Replaces the element that starts at `open` and ends with `close` (both included).
bool replace_element(std::string& html, const std::string& open, const std::string& close, const std::string& with) {
    const auto b = html.find(open);
    if (b == std::string::npos) return false;
    const auto e = html.find(close, b + open.size());
    if (e == std::string::npos) return false;
    html.replace(b, e + close.size() - b, with);
    return true;
}

std::string style_element(const std::string& path, const std::string& css) {
    std::string safe = css;
    for (std::size_t p = 0; (p = safe.find("</style", p)) != std::string::npos;) safe.replace(p, 2, "<\\/");
    return "<style data-nanogpt-asset=\"" + path + "\">\n" + safe + "\n</style>";
}

std::string script_safe(std::string js) {
    for (std::size_t p = 0; (p = js.find("</script", p)) != std::string::npos;) js.replace(p, 2, "<\\/");
    return js;
}

// Every '<' of a JSON text as \u003c: the text can then sit in a <script> block whatever it holds.
std::string json_for_html(const std::string& json) {
    std::string out;
    out.reserve(json.size() + 64);
    for (const char c : json) {
        if (c == '<') out += "\\u003c";
        else out += c;
    }
    return out;
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

}  // namespace

std::vector<std::size_t> decimate_rows(const std::vector<std::vector<double>>& dense, const std::vector<bool>& sparse,
                                       std::size_t max_points) {
    const std::size_t n = sparse.size();
    std::vector<std::size_t> all(n);
    for (std::size_t i = 0; i < n; ++i) all[i] = i;
    if (n <= max_points) return all;
    const std::size_t buckets = std::max<std::size_t>(1, max_points / 2);
    const std::size_t stride = (n + buckets - 1) / buckets;
    std::set<std::size_t> keep;
    for (std::size_t start = 0; start < n; start += stride) {
        const std::size_t end = std::min(n, start + stride);
        keep.insert(start);
        for (const auto& col : dense) {
            std::ptrdiff_t lo = -1, hi = -1;
            for (std::size_t i = start; i < end; ++i) {
                if (!std::isfinite(col[i])) continue;
                if (lo < 0 || col[i] < col[lo]) lo = static_cast<std::ptrdiff_t>(i);
                if (hi < 0 || col[i] > col[hi]) hi = static_cast<std::ptrdiff_t>(i);
            }
            if (lo >= 0) { keep.insert(lo); keep.insert(hi); }
        }
        for (std::size_t i = start; i < end; ++i) if (sparse[i]) keep.insert(i);
    }
    keep.insert(n - 1);
    return {keep.begin(), keep.end()};
}

std::string gzip(std::string_view bytes) {
    z_stream z{};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw Error("gzip: zlib would not start");
    std::string out(deflateBound(&z, bytes.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    const std::size_t n = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw Error("gzip: zlib failed to compress a frame");
    out.resize(n);
    return out;
}

std::vector<int> select_frames(const std::vector<FrameEntry>& index_in, const std::vector<int>& anchors, int spaced,
                               std::size_t budget, std::size_t* used_out,
                               const std::function<std::size_t(const FrameEntry&)>& cost_of) {
    std::vector<FrameEntry> index = index_in;
    std::sort(index.begin(), index.end(), [](const FrameEntry& a, const FrameEntry& b) { return a.step < b.step; });
    const std::size_t n = index.size();
    std::set<std::size_t> chosen;
    std::size_t used = 0;
    auto take = [&](std::size_t i) {
        if (chosen.count(i)) return;
        const std::size_t cost = cost_of ? cost_of(index[i]) : b64_size(index[i].bytes);
        if (used + cost > budget) return;
        used += cost;
        chosen.insert(i);
    };
    if (n > 0) {
        for (std::size_t i = 0; i < n; ++i) if (index[i].annotated) take(i);
        for (const int a : anchors) {
            const auto it = std::lower_bound(index.begin(), index.end(), a,
                                             [](const FrameEntry& e, int s) { return e.step < s; });
            std::size_t i = static_cast<std::size_t>(it - index.begin());
            if (i == n) i = n - 1;
            else if (i > 0 && std::abs(index[i - 1].step - a) <= std::abs(index[i].step - a)) i -= 1;
            take(i);
        }
        take(0);
        take(n - 1);
        if (spaced > 1)
            for (int k = 0; k < spaced; ++k)
                take(static_cast<std::size_t>(std::llround(static_cast<double>(k) * (n - 1) / (spaced - 1))));
        else if (spaced == 1) take(n / 2);
    }
    if (used_out) *used_out = used;
    std::vector<int> steps;
    for (const std::size_t i : chosen) steps.push_back(index[i].step);
    std::sort(steps.begin(), steps.end());
    return steps;
}

std::string build_report(const hub::HistorySource& history, const std::string& session, const hub::DashboardFiles& files,
                         const ReportOptions& options, ReportSummary* summary_out, const Progress& progress) {
    ReportSummary summary;
    const auto note = [&](const std::string& stage, std::size_t done, std::size_t total) {
        if (progress) progress(stage, done, total);
    };
    const std::optional<std::string> run = history.run_json(session);
    const std::optional<std::string> metrics = history.metrics_json(session);
    const std::optional<std::string> events = history.events_json(session);
    const std::optional<std::string> frame_index = history.frame_index_json(session);
    if (!metrics || !events || !frame_index)
        throw Error("unknown session '" + session + "'", "list the recorded runs with `ls runs/` (or the --runs directory)");

    // --- the page and its modules ---------------------------------------------------------------
    const ReadFile read = dashboard_reader(files);
    std::optional<std::string> page = read(kPage);
    if (!page) throw Error("the dashboard page " + files.frontend_dir + kPage + " was not found");
    std::string html = std::move(*page);
    const std::string map_open = "<script type=\"importmap\">";
    const auto mb = html.find(map_open);
    const auto me = mb == std::string::npos ? mb : html.find("</script>", mb);
    if (me == std::string::npos) throw Error("the dashboard page has no <script type=\"importmap\">");
    const ImportMap map = parse_import_map(html.substr(mb + map_open.size(), me - mb - map_open.size()), kPage);

    const std::string entry_open = "<script type=\"module\" src=\"";
    const auto eb = html.find(entry_open);
    if (eb == std::string::npos) throw Error("the dashboard page has no <script type=\"module\" src=...>");
    const auto ee = html.find('"', eb + entry_open.size());
    const std::string entry = resolve_relative(kPage, html.substr(eb + entry_open.size(), ee - eb - entry_open.size()));
    note("modules", 0, 1);
    const ModuleBundle bundle = bundle_modules(entry, map, read);
    summary.modules = bundle.order.size();
    const std::string import_map = bundle_import_map(bundle);
    note("modules", 1, 1);

    // --- the run's data ---------------------------------------------------------------------------
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    key(w, "format"); str(w, "nanogpt-report");
    key(w, "version"); w.Int(1);
    key(w, "session"); str(w, session);
    key(w, "encoding"); str(w, "gzip+base64");  // of frame_data and probe_data
    key(w, "session_info");
    {
        const rapidjson::Document sessions = parse(history.sessions_json(), "session list");
        bool found = false;
        if (sessions.IsObject() && sessions.HasMember("sessions") && sessions["sessions"].IsArray())
            for (const auto& s : sessions["sessions"].GetArray())
                if (s.IsObject() && s.HasMember("session") && s["session"].IsString() && session == s["session"].GetString()) {
                    // A saved report is never live, whatever the run was doing when it was saved.
                    w.StartObject();
                    for (auto m = s.MemberBegin(); m != s.MemberEnd(); ++m) {
                        const std::string k = m->name.GetString();
                        if (k == "live") continue;
                        key(w, k);
                        m->value.Accept(w);
                    }
                    key(w, "live"); w.Bool(false);
                    w.EndObject();
                    found = true;
                    break;
                }
        if (!found) { w.StartObject(); key(w, "session"); str(w, session); key(w, "live"); w.Bool(false); w.EndObject(); }
    }
    key(w, "run");
    if (run) { const rapidjson::Document d = parse(*run, "run.json"); d.Accept(w); }
    else w.Null();

    // Metrics, decimated.
    {
        const rapidjson::Document d = parse(*metrics, "metrics");
        const auto& rows = d["metrics"];
        if (!rows.IsArray()) throw Error("the run's metrics lack their rows");
        const std::vector<std::string> dense_names = {"train_loss", "lr", "grad_norm", "ms", "tokens_per_s", "mfu"};
        std::vector<std::vector<double>> dense(dense_names.size(), std::vector<double>(rows.Size(), NAN));
        std::vector<bool> sparse(rows.Size(), false);
        for (rapidjson::SizeType i = 0; i < rows.Size(); ++i) {
            const auto& r = rows[i];
            if (!r.IsObject()) continue;
            for (std::size_t c = 0; c < dense_names.size(); ++c)
                if (r.HasMember(dense_names[c].c_str()) && r[dense_names[c].c_str()].IsNumber())
                    dense[c][i] = r[dense_names[c].c_str()].GetDouble();
            sparse[i] = r.HasMember("val_loss") && !r["val_loss"].IsNull();
        }
        const std::vector<std::size_t> kept = decimate_rows(dense, sparse, options.max_metric_points);
        summary.metric_rows_total = rows.Size();
        summary.metric_rows_included = kept.size();
        key(w, "metrics");
        w.StartArray();
        for (const std::size_t i : kept) rows[static_cast<rapidjson::SizeType>(i)].Accept(w);
        w.EndArray();
    }
    // Events and insights as recorded; their steps are the frame selection's anchors.
    std::vector<int> anchors;
    {
        const rapidjson::Document d = parse(*events, "events");
        const auto& list = d["events"];
        if (!list.IsArray()) throw Error("the run's events lack their list");
        for (const auto& e : list.GetArray()) {
            if (!e.IsObject()) continue;
            for (const char* f : {"step", "step_end"})
                if (e.HasMember(f) && e[f].IsInt()) anchors.push_back(e[f].GetInt());
        }
        key(w, "events");
        list.Accept(w);
    }
    // Frames within the budget.
    std::vector<int> frame_steps;
    std::map<int, std::string> packed;  // step -> base64(gzip(frame))
    std::size_t used = 0;
    {
        const rapidjson::Document d = parse(*frame_index, "frame index");
        std::vector<FrameEntry> index;
        for (const auto& f : d["frames"].GetArray())
            index.push_back({f["step"].GetInt(), f["bytes"].GetUint64(), f.HasMember("annotated") && f["annotated"].IsTrue()});
        summary.frames_total = index.size();
        // Each candidate is read and compressed once, in the selection's order of priority.
        const auto packed_of = [&](const FrameEntry& f) -> std::size_t {
            if (!packed.count(f.step)) {
                const std::optional<std::string> bytes = history.frame(session, f.step);
                if (!bytes) throw Error("frame " + std::to_string(f.step) + " of '" + session + "' could not be read");
                packed[f.step] = base64(gzip(*bytes));
                note("frames", packed.size(), std::min<std::size_t>(index.size(), options.spaced_frames + anchors.size()));
            }
            return packed[f.step].size();
        };
        frame_steps = select_frames(index, anchors, options.spaced_frames, options.budget_bytes, &used, packed_of);
        summary.frames_included = frame_steps.size();
        key(w, "frames");
        w.StartArray();
        for (const FrameEntry& f : index) {
            if (!std::binary_search(frame_steps.begin(), frame_steps.end(), f.step)) continue;
            w.StartObject();
            key(w, "step"); w.Int(f.step);
            key(w, "bytes"); w.Uint64(f.bytes);
            key(w, "annotated"); w.Bool(f.annotated);
            w.EndObject();
        }
        w.EndArray();
        key(w, "frame_data");
        w.StartObject();
        for (const int step : frame_steps) {
            key(w, std::to_string(step));
            str(w, packed.at(step));
        }
        note("frames", frame_steps.size(), frame_steps.size());
        w.EndObject();
    }
    // Probes (the Attention tab's records), evenly spaced, in what the budget leaves.
    {
        const std::optional<std::string> probe_index = history.probe_index_json(session);
        std::vector<const rapidjson::Value*> chosen;
        rapidjson::Document d;
        if (probe_index) {
            d.Parse(probe_index->c_str(), probe_index->size());
            if (!d.HasParseError() && d.IsObject() && d.HasMember("probes") && d["probes"].IsArray()) {
                const auto& list = d["probes"];
                const std::size_t n = list.Size();
                summary.probes_total = n;
                std::size_t avg = 0;
                if (n > 0) {
                    const std::optional<std::string> first = history.probe(session, list[0]["step"].GetInt());
                    avg = first ? base64(gzip(*first)).size() : 0;
                }
                const std::size_t left = options.budget_bytes > used ? options.budget_bytes - used : 0;
                std::size_t m = avg ? std::min(n, left / avg) : 0;
                std::set<std::size_t> pick;
                for (std::size_t k = 0; k < m; ++k)
                    pick.insert(m == 1 ? n - 1 : static_cast<std::size_t>(std::llround(static_cast<double>(k) * (n - 1) / (m - 1))));
                for (const std::size_t i : pick) chosen.push_back(&list[static_cast<rapidjson::SizeType>(i)]);
            }
        }
        std::vector<std::pair<int, std::string>> data;
        std::size_t done = 0;
        for (const rapidjson::Value* p : chosen) {
            const int step = (*p)["step"].GetInt();
            std::optional<std::string> bytes = history.probe(session, step);
            note("probes", ++done, chosen.size());
            if (!bytes) continue;
            std::string b64 = base64(gzip(*bytes));
            if (used + b64.size() > options.budget_bytes) continue;
            used += b64.size();
            data.emplace_back(step, std::move(b64));
        }
        summary.probes_included = data.size();
        key(w, "probes");
        w.StartArray();
        for (const rapidjson::Value* p : chosen)
            if (std::any_of(data.begin(), data.end(), [&](const auto& e) { return e.first == (*p)["step"].GetInt(); }))
                p->Accept(w);
        w.EndArray();
        key(w, "probe_data");
        w.StartObject();
        for (const auto& [step, b64] : data) { key(w, std::to_string(step)); str(w, b64); }
        w.EndObject();
    }
    summary.frame_bytes = used;
    key(w, "selection");
    w.StartObject();
    key(w, "frames_total"); w.Uint64(summary.frames_total);
    key(w, "frames_included"); w.Uint64(summary.frames_included);
    key(w, "probes_total"); w.Uint64(summary.probes_total);
    key(w, "probes_included"); w.Uint64(summary.probes_included);
    key(w, "metric_rows_total"); w.Uint64(summary.metric_rows_total);
    key(w, "metric_rows_included"); w.Uint64(summary.metric_rows_included);
    key(w, "budget_bytes"); w.Uint64(options.budget_bytes);
    key(w, "spaced_frames"); w.Int(options.spaced_frames);
    w.EndObject();
    w.EndObject();
    const std::string data_json = json_for_html(buf.GetString());

    // --- the page, rewritten ---------------------------------------------------------------------
    std::size_t code = import_map.size();
    html.replace(mb, me + 9 - mb, map_open + import_map + "</script>");
    // Stylesheets the page links, then those the modules load themselves (new URL(.., import.meta.url)).
    std::set<std::string> inlined;
    const std::string link_open = "<link rel=\"stylesheet\" href=\"";
    for (std::size_t p; (p = html.find(link_open)) != std::string::npos;) {
        const auto q = html.find('"', p + link_open.size());
        const auto end = html.find('>', q);
        const std::string path = resolve_relative(kPage, html.substr(p + link_open.size(), q - p - link_open.size()));
        const std::optional<std::string> css = read(path);
        if (!css) throw Error("the stylesheet '" + path + "' the dashboard page links was not found");
        const std::string el = style_element(path, *css);
        code += el.size();
        html.replace(p, end + 1 - p, el);
        inlined.insert(path);
    }
    std::string extra;
    for (const std::string& asset : bundle.assets) {
        if (inlined.count(asset) || asset.size() < 4 || asset.substr(asset.size() - 4) != ".css") continue;
        const std::optional<std::string> css = read(asset);
        if (!css) throw Error("the stylesheet '" + asset + "' a dashboard module loads was not found");
        extra += style_element(asset, *css) + "\n";
        inlined.insert(asset);
    }
    code += extra.size();
    html.replace(html.find("</head>"), 7, extra + "</head>");
    html.replace(html.find("<head>"), 6, std::string("<head>\n") + kCsp);
    replace_element(html, "<title>", "</title>", "<title>nanogpt report: " + html_escape(session) + "</title>");
    // The entry module, after the embedded data.
    const auto eb2 = html.find(entry_open);
    const auto ee2 = html.find("</script>", eb2);
    html.replace(eb2, ee2 + 9 - eb2,
                 "<script type=\"application/json\" id=\"nanogpt-report\">" + data_json + "</script>\n"
                 "<script type=\"module\">import \"" + module_key(entry) + "\";</script>");
    // Classic scripts with a src: inline.
    const std::string classic_open = "<script src=\"";
    for (std::size_t p; (p = html.find(classic_open)) != std::string::npos;) {
        const auto q = html.find('"', p + classic_open.size());
        const auto end = html.find("</script>", q);
        const std::string path = resolve_relative(kPage, html.substr(p + classic_open.size(), q - p - classic_open.size()));
        const std::optional<std::string> js = read(path);
        if (!js) throw Error("the script '" + path + "' the dashboard page includes was not found");
        const std::string el = "<script>" + script_safe(*js) + "</script>";
        code += el.size();
        html.replace(p, end + 9 - p, el);
    }
    summary.code_bytes = code;
    summary.html_bytes = html.size();
    if (summary_out) *summary_out = summary;
    return html;
}

}  // namespace nanogpt::viz::exporting

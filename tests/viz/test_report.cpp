// test_report.cpp: `nanogpt report`'s bundler (viz/export/module_graph.h) on small synthetic module
// trees, its metric decimation and frame selection, the page it writes (viz/export/report.h) and
// the hub's /api/sessions/<id>/report route answering the same bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <unistd.h>

#include "common/error.h"
#include "hub_fake_history.h"
#include "viz/export/module_graph.h"
#include "viz/export/report.h"
#include "viz/hub/rest.h"

using namespace nanogpt::viz::exporting;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> specs(const std::string& js) {
    std::vector<std::string> out;
    for (const ImportRef& r : find_imports(js)) out.push_back(r.specifier + (r.dynamic ? " (dynamic)" : ""));
    return out;
}

ReadFile from_map(const std::map<std::string, std::string>& files) {
    return [files](const std::string& path) -> std::optional<std::string> {
        const auto it = files.find(path);
        if (it == files.end()) return std::nullopt;
        return it->second;
    };
}

std::string decode64(const std::string& s) {
    static const std::string a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0, bits = -8;
    for (const char c : s) {
        if (c == '=') break;
        val = (val << 6) + static_cast<int>(a.find(c));
        bits += 6;
        if (bits >= 0) { out += static_cast<char>((val >> bits) & 0xFF); bits -= 8; }
    }
    return out;
}

}  // namespace

TEST(ReportImports, FindsEveryFormOfImportAndExportFrom) {
    const std::string js = R"JS(
import { a, b as c } from './a.js';
import d from "../d.js";
import * as THREE from 'three';
import './side.js';
import e, { f } from 'three/addons/x.js';
export { g } from './g.js';
export * from './star.js';
export * as ns from './ns.js';
export const h = 1;
const lazy = () => import('./lazy.js');
const plain = () => import(`./plain.js`);
const meta = import.meta.url;
)JS";
    EXPECT_EQ(specs(js), (std::vector<std::string>{"./a.js", "../d.js", "three", "./side.js", "three/addons/x.js",
                                                   "./g.js", "./star.js", "./ns.js", "./lazy.js (dynamic)",
                                                   "./plain.js (dynamic)"}));
}

TEST(ReportImports, SkipsCommentsStringsTemplatesAndRegexps) {
    const std::string js = R"JS(
// import x from './comment.js';
/* import y from './block.js'; */
const s = "import z from './string.js'";
const t = `import w from './template.js' ${ "}" } and ${ `nested ${1}` } import('./t2.js')`;
const r = /import q from '.\/regex.js'/g;
const ratio = a / b / c; // not a regexp
const obj = { import: 1 }; obj.import('./not-an-import.js');
import { real } from './real.js';
)JS";
    EXPECT_EQ(specs(js), (std::vector<std::string>{"./real.js"}));
}

TEST(ReportImports, ADynamicImportOfAnExpressionIsAnError) {
    try {
        find_imports("const m = await import(name);", "/x.js");
        FAIL() << "expected an error";
    } catch (const nanogpt::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/x.js:1"), std::string::npos) << e.what();
    }
    try {
        find_imports("\n const m = await import(`./tours/${name}.js`);", "/x.js");
        FAIL() << "expected an error";
    } catch (const nanogpt::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/x.js:2"), std::string::npos) << e.what();
    }
}

TEST(ReportImports, ResolvesRelativeAndBareSpecifiersThroughTheImportMap) {
    const ImportMap map = parse_import_map(
        R"({"imports": {"three": "./vendor/three/build/three.module.js", "three/addons/": "./vendor/three/examples/jsm/"}})",
        "/index.html");
    EXPECT_EQ(resolve_specifier("./b.js", "/views/a.js", map), "/views/b.js");
    EXPECT_EQ(resolve_specifier("../net/c.js", "/views/params/a.js", map), "/views/net/c.js");
    EXPECT_EQ(resolve_specifier("three", "/app.js", map), "/vendor/three/build/three.module.js");
    EXPECT_EQ(resolve_specifier("three/addons/controls/OrbitControls.js", "/scene/s.js", map),
              "/vendor/three/examples/jsm/controls/OrbitControls.js");
    EXPECT_THROW(resolve_specifier("uplot", "/app.js", map), nanogpt::Error);
    EXPECT_THROW(resolve_specifier("https://cdn.example/x.js", "/app.js", map), nanogpt::Error);
    EXPECT_THROW(resolve_specifier("../../x.js", "/a.js", map), nanogpt::Error);
}

TEST(ReportBundle, GathersStaticDynamicBareAndReexportedModulesAndRewritesThem) {
    const ImportMap map = parse_import_map(R"({"imports": {"lib": "./vendor/lib/lib.js", "lib/addons/": "./vendor/lib/addons/"}})",
                                           "/index.html");
    const std::map<std::string, std::string> files = {
        {"/app.js", "import { x } from './views/x.js';\nimport * as L from 'lib';\nexport { y } from './re.js';\n"
                    "const later = () => import('./views/lazy.js');\n"},
        {"/views/x.js", "import { c } from '../vendor/lib/core.js';\nexport const x = c;\n"},
        {"/views/lazy.js", "import { OrbitControls } from 'lib/addons/orbit.js';\nexport const z = 1;\n"},
        {"/re.js", "export const y = 2;\n"},
        {"/vendor/lib/lib.js", "export * from './core.js';\n"},
        {"/vendor/lib/core.js", "export const c = 3;\n"},
        {"/vendor/lib/addons/orbit.js", "import { c } from 'lib';\nexport const OrbitControls = c;\n"},
    };
    const ModuleBundle b = bundle_modules("/app.js", map, from_map(files));
    EXPECT_EQ(b.order.size(), files.size());
    EXPECT_EQ(b.order.front(), "/app.js");
    for (const auto& [path, src] : b.sources) {
        // Every specifier left is a key of the bundle, and every key names a module it holds.
        for (const ImportRef& r : find_imports(src)) {
            ASSERT_EQ(r.specifier.rfind("@nanogpt/", 0), 0u) << path << ": " << r.specifier;
            EXPECT_TRUE(b.sources.count(r.specifier.substr(8))) << path << ": " << r.specifier;
        }
    }
    EXPECT_NE(b.sources.at("/app.js").find("import('@nanogpt/views/lazy.js')"), std::string::npos);
    EXPECT_NE(b.sources.at("/vendor/lib/addons/orbit.js").find("'@nanogpt/vendor/lib/lib.js'"), std::string::npos);
    // The import map: one data: URL per module, whose text is the rewritten module.
    const std::string m = bundle_import_map(b);
    const std::string key = "\"@nanogpt/re.js\":\"data:text/javascript;base64,";
    const auto at = m.find(key);
    ASSERT_NE(at, std::string::npos) << m;
    const auto end = m.find('"', at + key.size());
    EXPECT_EQ(decode64(m.substr(at + key.size(), end - at - key.size())), files.at("/re.js"));
}

TEST(ReportBundle, AMissingModuleNamesItAndItsImporter) {
    const ImportMap map;
    const std::map<std::string, std::string> files = {{"/app.js", "import './a.js';"}, {"/a.js", "import { q } from './gone.js';"}};
    try {
        bundle_modules("/app.js", map, from_map(files));
        FAIL() << "expected an error";
    } catch (const nanogpt::Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("'/gone.js'"), std::string::npos) << what;
        EXPECT_NE(what.find("'/a.js'"), std::string::npos) << what;
    }
}

TEST(ReportBundle, FindsTheStylesheetsModulesLoadThemselves) {
    const std::map<std::string, std::string> files = {
        {"/app.js", "const href = new URL('./views/v.css', import.meta.url).href;"}};
    const ModuleBundle b = bundle_modules("/app.js", ImportMap{}, from_map(files));
    EXPECT_EQ(b.assets, (std::vector<std::string>{"/views/v.css"}));
}

TEST(ReportSelection, DecimationKeepsExtremesEvaluationsAndTheLastRow) {
    const std::size_t n = 10000;
    std::vector<std::vector<double>> dense(1, std::vector<double>(n, 1.0));
    dense[0][4321] = 50.0;  // a spike
    dense[0][777] = -3.0;   // a dip
    std::vector<bool> sparse(n, false);
    sparse[5003] = true;  // an evaluation
    const std::vector<std::size_t> kept = decimate_rows(dense, sparse, 2000);
    EXPECT_LE(kept.size(), 2000u * 2);
    for (const std::size_t i : {std::size_t{0}, std::size_t{777}, std::size_t{4321}, std::size_t{5003}, n - 1})
        EXPECT_TRUE(std::binary_search(kept.begin(), kept.end(), i)) << i;
    EXPECT_EQ(decimate_rows(dense, std::vector<bool>(10, false), 2000).size(), 10u);
}

TEST(ReportSelection, FramesAnnotatedAnchorsAndSpacedWithinTheBudget) {
    std::vector<FrameEntry> index;
    for (int s = 0; s <= 1000; s += 10) index.push_back({s, 300, s == 530});
    std::size_t used = 0;
    // Budget for 5 frames (400 bytes each embedded): annotated, the anchor's nearest, first, last, one spaced.
    const std::vector<int> five = select_frames(index, {874}, 10, 5 * 400, &used);
    EXPECT_TRUE(std::count(five.begin(), five.end(), 530));
    EXPECT_TRUE(std::count(five.begin(), five.end(), 870));
    EXPECT_TRUE(std::count(five.begin(), five.end(), 0));
    EXPECT_TRUE(std::count(five.begin(), five.end(), 1000));
    EXPECT_EQ(five.size(), 5u);
    EXPECT_LE(used, 5u * 400);
    // A large budget: annotated + anchor + 10 spaced (first and last among them).
    const std::vector<int> all = select_frames(index, {874}, 10, 1u << 30);
    EXPECT_EQ(all.size(), 12u);
    EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
    EXPECT_TRUE(select_frames(index, {}, 50, 100).empty());
}

namespace {
// A tiny dashboard tree: a page with an import map, a stylesheet, an entry module importing a
// relative module and a "library" through the map, and a classic script.
struct TinyDashboard {
    fs::path root = fs::temp_directory_path() / ("nanogpt-report-test-" + std::to_string(::getpid()));
    nanogpt::viz::hub::DashboardFiles files;
    TinyDashboard() {
        fs::create_directories(root / "frontend/views");
        fs::create_directories(root / "lib");
        write("frontend/index.html",
              "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>x</title>\n"
              "<script type=\"importmap\">{\"imports\": {\"lib\": \"./vendor/lib/lib.js\"}}</script>\n"
              "<link rel=\"stylesheet\" href=\"./style.css\">\n</head><body>\n"
              "<script type=\"module\" src=\"app.js\"></script>\n<script src=\"check.js\"></script>\n</body></html>\n");
        write("frontend/style.css", "body { color: red; }");
        write("frontend/app.js", "import { v } from './views/v.js';\nimport { l } from 'lib';\n");
        write("frontend/views/v.js", "export const v = 1; const css = new URL('./v.css', import.meta.url);\n");
        write("frontend/views/v.css", ".v { color: blue; }");
        write("frontend/check.js", "window.checked = '</script>';");
        write("lib/lib.js", "export const l = 2;\n");
        files.frontend_dir = (root / "frontend").string();
        files.libraries = {{"/vendor/lib/", (root / "lib").string()}};
    }
    ~TinyDashboard() { fs::remove_all(root); }
    void write(const std::string& rel, const std::string& text) const { std::ofstream(root / rel) << text; }
};
}  // namespace

TEST(ReportPage, IsOneFileWithTheModulesStylesAndRunData) {
    const TinyDashboard dash;
    const hubtest::FakeHistory history;
    ReportSummary sum;
    const std::string html = build_report(history, "s1", dash.files, {}, &sum);
    EXPECT_EQ(html.find(" src=\""), std::string::npos) << "nothing is loaded by URL";
    EXPECT_EQ(html.find("<link rel=\"stylesheet\""), std::string::npos);
    EXPECT_NE(html.find("body { color: red; }"), std::string::npos);
    EXPECT_NE(html.find(".v { color: blue; }"), std::string::npos) << "the stylesheet a module loads";
    EXPECT_NE(html.find("\"@nanogpt/vendor/lib/lib.js\":\"data:text/javascript;base64,"), std::string::npos);
    EXPECT_NE(html.find("<script type=\"module\">import \"@nanogpt/app.js\";</script>"), std::string::npos);
    EXPECT_NE(html.find("<script type=\"application/json\" id=\"nanogpt-report\">"), std::string::npos);
    EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
    EXPECT_NE(html.find("window.checked = '<\\/script>'"), std::string::npos) << "a classic script, inlined safely";
    // The frame's bytes (every byte value) are embedded gzipped, as base64.
    const std::string gz = gzip(hubtest::FakeHistory::frame_bytes());
    ASSERT_GE(gz.size(), 18u);
    EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
    EXPECT_NE(html.find(base64(gz)), std::string::npos);
    EXPECT_NE(html.find("\"encoding\":\"gzip+base64\""), std::string::npos);
    EXPECT_NE(html.find("\"session_info\":{\"session\":\"s1\",\"steps\":6,\"live\":false}"), std::string::npos)
        << "a saved report is never live";
    EXPECT_EQ(sum.frames_included, 1u);
    EXPECT_EQ(sum.frames_total, 1u);
    EXPECT_EQ(sum.modules, 3u);
    EXPECT_EQ(sum.html_bytes, html.size());
    EXPECT_THROW(build_report(history, "nope", dash.files), nanogpt::Error);
}

TEST(ReportPage, AMissingLibraryIsAClearError) {
    TinyDashboard dash;
    fs::remove(dash.root / "lib/lib.js");
    const hubtest::FakeHistory history;
    try {
        build_report(history, "s1", dash.files);
        FAIL() << "expected an error";
    } catch (const nanogpt::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/vendor/lib/lib.js"), std::string::npos) << e.what();
    }
}

TEST(ReportRoute, AnswersTheSameBytesAsAnAttachment) {
    const TinyDashboard dash;
    const hubtest::FakeHistory history;
    const nanogpt::viz::hub::ReportMaker maker = [&](const std::string& id) -> std::optional<std::string> {
        if (!history.frame_index_json(id)) return std::nullopt;
        return build_report(history, id, dash.files);
    };
    const auto reply = nanogpt::viz::hub::serve_api(history, "/api/sessions/s1/report", maker);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(reply.body, build_report(history, "s1", dash.files));
    bool attachment = false;
    for (const auto& [k, v] : reply.headers)
        if (k == "Content-Disposition" && v.rfind("attachment;", 0) == 0) attachment = true;
    EXPECT_TRUE(attachment);
    EXPECT_EQ(nanogpt::viz::hub::serve_api(history, "/api/sessions/other/report", maker).status, 404);
    EXPECT_EQ(nanogpt::viz::hub::serve_api(history, "/api/sessions/s1/report").status, 404) << "no maker, no route";
}

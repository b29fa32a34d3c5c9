// module_graph.h: the dashboard's ES-module graph, gathered and rewritten so that a page opened
// from file:// can run it (`nanogpt report`, viz/export/report.h). A page from disk cannot load a
// module by URL, so every module of the graph becomes a data: URL under a bare key of one import
// map ("@nanogpt/views/tabs.js"), and every import specifier in every module is rewritten to
// that key: relative ones ('./x.js', '../y.js'), bare ones resolved through the page's own import
// map ('three', 'three/addons/...'), static imports, `export ... from`, side-effect imports and
// dynamic `import('...')` with a string literal. Modules are named by their URL path on the
// hub ("/app.js", "/vendor/three/build/three.module.js"); `read` maps such a path to the file's text.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nanogpt::viz::exporting {

// One import specifier in a module's text: [begin, end) is the specifier between its quotes.
struct ImportRef {
    std::size_t begin = 0, end = 0;
    std::string specifier;
    bool dynamic = false;  // import('...')
};

// The import specifiers of an ES module, skipping comments, strings, template literals and
// regular expressions. A dynamic import() whose argument is not a plain string literal is an
// error (its target cannot be known ahead of time): nanogpt::Error naming the line.
std::vector<ImportRef> find_imports(std::string_view js, const std::string& name = "module");

// An import map's "imports" ({"three": "./vendor/three/build/three.module.js", "three/addons/":
// ...}), targets resolved against `base_path` (the page's URL path, "/index.html").
struct ImportMap {
    std::map<std::string, std::string> imports;  // specifier (or prefix ending in '/') -> URL path
};
ImportMap parse_import_map(std::string_view json, const std::string& base_path);

// "/a/b/c.js" + "../d.js" -> "/a/d.js". Throws nanogpt::Error when it climbs above "/".
std::string resolve_relative(const std::string& importer_path, const std::string& specifier);
// Resolves a specifier as a browser would with `map`: relative and absolute paths against the
// importer, bare names by exact key, else by the longest key ending in '/' that prefixes it.
// Throws nanogpt::Error for a bare name the map does not cover, or a full URL (http:, ...).
std::string resolve_specifier(const std::string& specifier, const std::string& importer_path,
                              const ImportMap& map);

// The key of a module in the bundle's import map: "@nanogpt" + its URL path.
std::string module_key(const std::string& path);

struct ModuleBundle {
    std::vector<std::string> order;              // URL paths, the entry first, in discovery order
    std::map<std::string, std::string> sources;  // URL path -> text with every specifier rewritten
    // URL paths of assets the modules name as `new URL('<relative>', import.meta.url)` (the
    // views' own stylesheets), for the page to inline.
    std::vector<std::string> assets;
};

using ReadFile = std::function<std::optional<std::string>(const std::string& path)>;

// Every module reachable from `entry` (static and dynamic imports). A module `read` cannot find
// is an nanogpt::Error naming it and the module that imports it.
ModuleBundle bundle_modules(const std::string& entry, const ImportMap& map, const ReadFile& read);

// The bundle as an import map JSON document: each key -> "data:text/javascript;base64,...".
std::string bundle_import_map(const ModuleBundle& bundle);

std::string base64(std::string_view bytes);

}  // namespace nanogpt::viz::exporting

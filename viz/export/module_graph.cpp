// module_graph.cpp: a small ES-module scanner (enough JavaScript lexing to tell code from
// comments, strings, template literals and regular expressions), specifier resolution as a
// browser does it with an import map, and the rewrite to one import map of data: URLs.
#include "viz/export/module_graph.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <set>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/error.h"

namespace nanogpt::viz::exporting {

namespace {

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// Words after which a '/' starts a regular expression rather than dividing.
bool regex_after_word(std::string_view w) {
    static const std::set<std::string_view> kw = {"return", "typeof", "case", "do", "else", "in", "of", "new",
                                                  "delete", "void", "throw", "instanceof", "yield", "await"};
    return kw.count(w) > 0;
}

class Scanner {
public:
    Scanner(std::string_view js, const std::string& name) : s_(js), name_(name) {}

    std::vector<ImportRef> run() {
        while (i_ < s_.size()) step();
        return refs_;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        const auto line = 1 + std::count(s_.begin(), s_.begin() + static_cast<std::ptrdiff_t>(std::min(i_, s_.size())), '\n');
        throw Error(name_ + ":" + std::to_string(line) + ": " + what,
                    "the report bundler reads plain ES modules: imports must name their module as a string literal");
    }

    void skip_ws_and_comments() {
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (std::isspace(static_cast<unsigned char>(c))) { ++i_; continue; }
            if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') { skip_line_comment(); continue; }
            if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') { skip_block_comment(); continue; }
            break;
        }
    }
    void skip_line_comment() {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
    }
    void skip_block_comment() {
        const auto end = s_.find("*/", i_ + 2);
        if (end == std::string_view::npos) fail("unterminated /* comment");
        i_ = end + 2;
    }
    // At a quote: skips the string; returns [begin, end) of its contents.
    std::pair<std::size_t, std::size_t> skip_string() {
        const char q = s_[i_++];
        const std::size_t begin = i_;
        while (i_ < s_.size() && s_[i_] != q) {
            if (s_[i_] == '\\') ++i_;
            else if (s_[i_] == '\n') fail("unterminated string");
            ++i_;
        }
        if (i_ >= s_.size()) fail("unterminated string");
        return {begin, i_++};
    }
    // Inside a template literal (after '`' or after the '}' closing a ${...}): up to its end or
    // the next '${' (then the expression is scanned as code, with a marker on the brace stack).
    bool skip_template() {
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (c == '\\') { i_ += 2; continue; }
            if (c == '`') { ++i_; prev_ = 'v'; return true; }
            if (c == '$' && i_ + 1 < s_.size() && s_[i_ + 1] == '{') {
                i_ += 2;
                braces_.push_back(true);
                prev_ = '(';
                return false;
            }
            ++i_;
        }
        fail("unterminated template literal");
    }
    void skip_regex() {
        ++i_;
        bool in_class = false;
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (c == '\\') { i_ += 2; continue; }
            if (c == '\n') fail("unterminated regular expression");
            if (in_class) { if (c == ']') in_class = false; }
            else if (c == '[') in_class = true;
            else if (c == '/') { ++i_; return; }
            ++i_;
        }
        fail("unterminated regular expression");
    }
    bool regex_allowed() const {
        if (prev_ == 'w') return regex_after_word(prev_word_);
        return !(prev_ == 'v' || prev_ == ')' || prev_ == ']' || prev_ == '}');
    }
    bool at_string() const { return i_ < s_.size() && (s_[i_] == '\'' || s_[i_] == '"'); }
    void record(bool dynamic) {
        const auto [b, e] = skip_string();
        refs_.push_back({b, e, std::string(s_.substr(b, e - b)), dynamic});
        prev_ = 'v';
    }

    void on_word(std::string_view w, bool after_dot) {
        prev_ = 'w';
        prev_word_ = w;
        if (after_dot) return;
        if (w == "import") {
            skip_ws_and_comments();
            if (i_ < s_.size() && s_[i_] == '(') {
                ++i_;
                skip_ws_and_comments();
                if (i_ < s_.size() && s_[i_] == '`') {  // a template literal without ${...} is a string too
                    const std::size_t b = i_ + 1, e = s_.find('`', b);
                    const std::string_view body = e == std::string_view::npos ? std::string_view{} : s_.substr(b, e - b);
                    if (e == std::string_view::npos || body.find("${") != std::string_view::npos || body.find('\\') != std::string_view::npos)
                        fail("import() of a computed name: its module cannot be known ahead of time");
                    refs_.push_back({b, e, std::string(body), true});
                    i_ = e + 1;
                    prev_ = 'v';
                } else {
                    if (!at_string()) fail("import() of something other than a string literal");
                    record(true);
                }
                skip_ws_and_comments();
                if (i_ >= s_.size() || (s_[i_] != ')' && s_[i_] != ','))
                    fail("import() of something other than a string literal");
                return;
            }
            if (i_ < s_.size() && s_[i_] == '.') return;  // import.meta
            if (at_string()) { record(false); return; }   // import './side-effect.js'
            want_from_ = true;
            return;
        }
        if (w == "export") {
            skip_ws_and_comments();
            if (i_ < s_.size() && (s_[i_] == '{' || s_[i_] == '*')) want_from_ = true;
            return;
        }
        if (w == "from" && want_from_) {
            skip_ws_and_comments();
            if (at_string()) { record(false); want_from_ = false; }
        }
    }

    void step() {
        const char c = s_[i_];
        if (std::isspace(static_cast<unsigned char>(c))) { ++i_; return; }
        if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') { skip_line_comment(); return; }
        if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') { skip_block_comment(); return; }
        if (c == '\'' || c == '"') { skip_string(); prev_ = 'v'; return; }
        if (c == '`') { ++i_; skip_template(); return; }
        if (c == '/') {
            if (regex_allowed()) { skip_regex(); prev_ = 'v'; }
            else { ++i_; prev_ = '/'; }
            return;
        }
        if (ident_char(c)) {
            const bool after_dot = last_punct_ == '.' && !(i_ >= 3 && s_.substr(i_ - 3, 3) == "...");
            const std::size_t b = i_;
            while (i_ < s_.size() && ident_char(s_[i_])) ++i_;
            const std::string_view w = s_.substr(b, i_ - b);
            last_punct_ = 0;
            if (std::isdigit(static_cast<unsigned char>(c))) { prev_ = 'v'; return; }
            on_word(w, after_dot);
            return;
        }
        // Punctuation.
        ++i_;
        last_punct_ = c;
        if (c == ';') want_from_ = false;
        if (c == '{') braces_.push_back(false);
        if (c == '}') {
            if (!braces_.empty() && braces_.back()) {  // the end of a template's ${...}
                braces_.pop_back();
                skip_template();
                return;
            }
            if (!braces_.empty()) braces_.pop_back();
        }
        prev_ = c;
    }

    std::string_view s_;
    const std::string& name_;
    std::size_t i_ = 0;
    char prev_ = '(';       // the last significant token: 'w' word, 'v' value, else the punctuation
    char last_punct_ = 0;   // the punctuation just before a word ('.' for a property name)
    std::string_view prev_word_;
    bool want_from_ = false;
    std::vector<bool> braces_;  // open braces; true for a template literal's ${
    std::vector<ImportRef> refs_;
};

bool is_path_like(const std::string& s) {
    return s.rfind("./", 0) == 0 || s.rfind("../", 0) == 0 || s.rfind("/", 0) == 0;
}

}  // namespace

std::vector<ImportRef> find_imports(std::string_view js, const std::string& name) {
    return Scanner(js, name).run();
}

std::string resolve_relative(const std::string& importer_path, const std::string& specifier) {
    std::string joined;
    if (!specifier.empty() && specifier[0] == '/') joined = specifier;
    else joined = importer_path.substr(0, importer_path.rfind('/') + 1) + specifier;
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (pos <= joined.size()) {
        std::size_t next = joined.find('/', pos);
        if (next == std::string::npos) next = joined.size();
        const std::string part = joined.substr(pos, next - pos);
        if (part == "..") {
            if (parts.empty()) throw Error("'" + specifier + "' (from '" + importer_path + "') climbs above the page's root");
            parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        pos = next + 1;
    }
    std::string out;
    for (const auto& p : parts) out += "/" + p;
    if (out.empty()) out = "/";
    if (!joined.empty() && joined.back() == '/' && out != "/") out += "/";
    return out;
}

ImportMap parse_import_map(std::string_view json, const std::string& base_path) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) throw Error("the page's import map is not a JSON object");
    ImportMap map;
    if (!doc.HasMember("imports")) return map;
    const auto& imports = doc["imports"];
    if (!imports.IsObject()) throw Error("the page's import map: \"imports\" is not an object");
    for (auto it = imports.MemberBegin(); it != imports.MemberEnd(); ++it) {
        if (!it->value.IsString()) throw Error("the page's import map: the target of '" + std::string(it->name.GetString()) + "' is not a string");
        const std::string target = it->value.GetString();
        if (!is_path_like(target))
            throw Error("the page's import map: '" + target + "' is not a path on the dashboard's own origin");
        map.imports[it->name.GetString()] = resolve_relative(base_path, target);
    }
    return map;
}

std::string resolve_specifier(const std::string& specifier, const std::string& importer_path, const ImportMap& map) {
    if (is_path_like(specifier)) return resolve_relative(importer_path, specifier);
    if (const auto it = map.imports.find(specifier); it != map.imports.end()) return it->second;
    const std::pair<const std::string, std::string>* best = nullptr;
    for (const auto& entry : map.imports) {
        const std::string& key = entry.first;
        if (key.empty() || key.back() != '/' || specifier.rfind(key, 0) != 0) continue;
        if (!best || key.size() > best->first.size()) best = &entry;
    }
    if (best) return resolve_relative("/", "." + best->second + specifier.substr(best->first.size()));
    if (specifier.find(':') != std::string::npos)
        throw Error("'" + importer_path + "' imports '" + specifier + "', a URL: a report cannot load anything from outside");
    throw Error("'" + importer_path + "' imports '" + specifier + "', which the page's import map does not name",
                "add it to the import map in frontend/index.html");
}

std::string module_key(const std::string& path) { return "@nanogpt" + path; }

namespace {
// `new URL('<relative>', import.meta.url)`: the asset's path, resolved against the module.
void find_assets(const std::string& src, const std::string& path, std::vector<std::string>& out) {
    std::size_t pos = 0;
    while ((pos = src.find("new URL(", pos)) != std::string::npos) {
        pos += 8;
        std::size_t i = pos;
        while (i < src.size() && std::isspace(static_cast<unsigned char>(src[i]))) ++i;
        if (i >= src.size() || (src[i] != '\'' && src[i] != '"')) continue;
        const char q = src[i];
        const std::size_t end = src.find(q, i + 1);
        if (end == std::string::npos) continue;
        std::size_t j = end + 1;
        while (j < src.size() && (std::isspace(static_cast<unsigned char>(src[j])) || src[j] == ',')) ++j;
        if (src.compare(j, 15, "import.meta.url") != 0) continue;
        const std::string rel = src.substr(i + 1, end - i - 1);
        if (!is_path_like(rel)) continue;
        const std::string asset = resolve_relative(path, rel);
        if (std::find(out.begin(), out.end(), asset) == out.end()) out.push_back(asset);
    }
}
}  // namespace

ModuleBundle bundle_modules(const std::string& entry, const ImportMap& map, const ReadFile& read) {
    ModuleBundle bundle;
    struct Pending { std::string path, importer, specifier; };
    std::deque<Pending> queue{{entry, "", ""}};
    std::set<std::string> seen{entry};
    while (!queue.empty()) {
        const Pending at = queue.front();
        queue.pop_front();
        std::optional<std::string> text = read(at.path);
        if (!text) {
            if (at.importer.empty()) throw Error("the dashboard's entry module '" + at.path + "' was not found");
            throw Error("module '" + at.path + "' (imported as '" + at.specifier + "' by '" + at.importer + "') was not found",
                        "run `npm install` in the nanogpt source tree for the libraries (three.js, uPlot)");
        }
        std::string src = std::move(*text);
        std::vector<ImportRef> refs = find_imports(src, at.path);
        find_assets(src, at.path, bundle.assets);
        // Rewrite from the back so earlier offsets stay valid.
        for (auto it = refs.rbegin(); it != refs.rend(); ++it) {
            const std::string target = resolve_specifier(it->specifier, at.path, map);
            src.replace(it->begin, it->end - it->begin, module_key(target));
            if (seen.insert(target).second) queue.push_back({target, at.path, it->specifier});
        }
        bundle.order.push_back(at.path);
        bundle.sources[at.path] = std::move(src);
    }
    return bundle;
}

std::string base64(std::string_view bytes) {
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i + 1 == bytes.size()) {
        const uint32_t v = uint8_t(bytes[i]) << 16;
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string bundle_import_map(const ModuleBundle& bundle) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("imports");
    w.StartObject();
    for (const std::string& path : bundle.order) {
        const std::string key = module_key(path);
        const std::string url = "data:text/javascript;base64," + base64(bundle.sources.at(path));
        w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
        w.String(url.c_str(), static_cast<rapidjson::SizeType>(url.size()));
    }
    w.EndObject();
    w.EndObject();
    return buf.GetString();
}

}  // namespace nanogpt::viz::exporting

// headers.cpp: the Content-Security-Policy and the other security headers (headers.h).
#include "viz/hub/headers.h"

#include "viz/hub/sha256.h"

namespace nanogpt::viz::hub {
namespace {

// Position of `needle` (lower case) in `hay` at or after `from`, ignoring ASCII case.
size_t find_nocase(std::string_view hay, std::string_view needle, size_t from) {
    for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
        size_t j = 0;
        for (; j < needle.size(); ++j) {
            char c = hay[i + j];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (c != needle[j]) break;
        }
        if (j == needle.size()) return i;
    }
    return std::string_view::npos;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/'; }

// Whether the attributes of a start tag (the text between "<script" and ">") name `src`.
bool has_src_attribute(std::string_view attributes) {
    for (size_t at = find_nocase(attributes, "src", 0); at != std::string_view::npos;
         at = find_nocase(attributes, "src", at + 1)) {
        const bool starts = at == 0 || is_space(attributes[at - 1]);
        const size_t end = at + 3;
        const bool ends = end == attributes.size() || is_space(attributes[end]) || attributes[end] == '=';
        if (starts && ends) return true;
    }
    return false;
}

}  // namespace

std::vector<std::string> inline_script_hashes(std::string_view html) {
    std::vector<std::string> hashes;
    size_t at = 0;
    while ((at = find_nocase(html, "<script", at)) != std::string_view::npos) {
        const size_t name_end = at + 7;
        if (name_end < html.size() && !is_space(html[name_end]) && html[name_end] != '>') {
            at = name_end;  // <scripts>, <script-x>: another element
            continue;
        }
        const size_t tag_end = html.find('>', name_end);
        if (tag_end == std::string_view::npos) break;
        const size_t close = find_nocase(html, "</script", tag_end + 1);
        if (close == std::string_view::npos) break;
        if (!has_src_attribute(html.substr(name_end, tag_end - name_end))) {
            const Sha256Digest d = sha256(html.substr(tag_end + 1, close - tag_end - 1));
            hashes.push_back("'sha256-" + base64(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())) +
                             "'");
        }
        at = close;
    }
    return hashes;
}

std::string content_security_policy(const std::vector<std::string>& script_hashes) {
    std::string script_src = "script-src 'self'";
    for (const std::string& h : script_hashes) script_src += " " + h;
    return "default-src 'self'; " + script_src +
           "; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

const std::vector<std::pair<std::string, std::string>>& fixed_security_headers() {
    static const std::vector<std::pair<std::string, std::string>> headers = {
        {"Referrer-Policy", "no-referrer"},
        {"X-Content-Type-Options", "nosniff"},
        {"X-Frame-Options", "DENY"},
        {"Cross-Origin-Opener-Policy", "same-origin"},
        {"Cross-Origin-Resource-Policy", "same-origin"},
    };
    return headers;
}

}  // namespace nanogpt::viz::hub

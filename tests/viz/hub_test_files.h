// hub_test_files.h: a temporary directory laid out for the static-file tests:
//   <root>/secret.txt           content that must never be served
//   <root>/static/...           the served files, one per content type (inline.html: an inline script)
//   <root>/static/link_out      symlink to ../secret.txt (points outside)
//   <root>/static/dir_out       symlink to <root> (a directory outside)
#pragma once
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "tests/support/temp_dir.h"

namespace hubtest {

inline constexpr const char* kSecret = "TOPSECRET-4242";

class StaticTree {
public:
    StaticTree() {
        root_ = dir_.path();
        write("secret.txt", kSecret);
        write("static/index.html", "<!doctype html><title>INDEX</title>");
        write("static/app.js", "console.log('app');");
        write("static/mod.mjs", "export const x = 1;");
        write("static/style.css", "body{color:red}");
        write("static/data.json", R"({"a":1})");
        write("static/app.js.map", R"({"version":3})");
        write("static/img.png", std::string("\x89PNG\r\n\x1a\n\0\0", 10));
        write("static/icon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
        write("static/mod.wasm", std::string("\0asm\1\0\0\0", 8));
        write("static/sub/index.html", "SUBINDEX");
        write("static/inline.html", "<!doctype html><script type=\"importmap\">{\"imports\":{}}</script>");
        std::filesystem::create_symlink("../secret.txt", root_ / "static" / "link_out");
        std::filesystem::create_directory_symlink(root_, root_ / "static" / "dir_out");
    }
    StaticTree(const StaticTree&) = delete;
    StaticTree& operator=(const StaticTree&) = delete;

    std::filesystem::path root() const { return root_; }
    std::string static_dir() const { return (root_ / "static").string(); }

private:
    void write(const std::string& relative, const std::string& content) {
        const auto path = root_ / relative;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream out(path, std::ios::binary);
        out << content;
    }

    nanogpt::test::TempDir dir_{"hub"};  // removed with everything in it
    std::filesystem::path root_;
};

}  // namespace hubtest

